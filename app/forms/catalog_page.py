"""事项目录: browse the service guides; administrators add and edit matters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.domain.catalog import (
    CASE_TYPE_LABELS,
    MATTER_TYPE_LABELS,
    CaseType,
    Department,
    FeeItem,
    MaterialForm,
    Matter,
    MatterType,
    PermitField,
    RequiredMaterial,
    standard_permit_fields,
)
from app.domain.errors import DomainError, ValidationError
from app.domain.roles import Action
from app.services import catalog
from app.ui import catalog_sheet
from app.ui.context import AppContext
from app.ui.documents import in_documents_folder
from app.ui.feedback import FieldErrors, MessageBar
from app.ui.guide import matter_guide_html
from app.ui.page import Page
from app.ui.widgets import add_field, set_kind

FORM_LABELS = {form.value: form.label for form in MaterialForm}


class MatterEditor(QDialog):
    """Add or change a matter's guide; the service validates and versions it."""

    saved = pyqtSignal(object)  # Matter

    def __init__(self, context: AppContext, departments: list[Department],
                 matter: Matter | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setObjectName("matterEditor")
        self.setWindowTitle(self.tr("编辑事项") if matter else self.tr("新增事项"))
        self.resize(820, 640)
        self.errors = FieldErrors()
        self._departments = departments
        self._original = matter
        layout = QVBoxLayout(self)
        self.message_bar = MessageBar(self)
        layout.addWidget(self.message_bar)
        tabs = QTabWidget(self)
        basic = QWidget(tabs)
        form = QFormLayout(basic)
        self.code_edit = QLineEdit(basic)
        self.code_edit.setObjectName("matterCodeEdit")
        self.name_edit = QLineEdit(basic)
        self.name_edit.setObjectName("matterNameEdit")
        self.department_combo = QComboBox(basic)
        for department in departments:
            self.department_combo.addItem(department.name, department.code)
        self.type_combo = QComboBox(basic)
        for case_type in (CaseType.IMMEDIATE, CaseType.PROMISED, CaseType.JOINT,
                          CaseType.FORWARDED):
            self.type_combo.addItem(CASE_TYPE_LABELS[case_type], case_type.value)
        self.matter_type_combo = QComboBox(basic)
        self.matter_type_combo.setObjectName("matterTypeCombo")
        for matter_type, label in MATTER_TYPE_LABELS.items():
            self.matter_type_combo.addItem(label, matter_type.value)
        self.certificate_edit = QLineEdit(basic)
        self.certificate_edit.setObjectName("matterCertificateEdit")
        self.certificate_edit.setPlaceholderText(
            self.tr("办结颁发的证件，如“食品经营许可证”；不另发证件的留空"))
        self.reconsideration_first_check = QCheckBox(
            self.tr("复议前置（法律、行政法规规定应当先申请行政复议，行政复议法第二十三条）"), basic)
        self.reconsideration_first_check.setObjectName("matterReconsiderationFirstCheck")
        self.statutory_spin = QSpinBox(basic)
        self.statutory_spin.setRange(0, 365)
        self.statutory_spin.setSuffix(self.tr(" 个工作日"))
        self.promised_spin = QSpinBox(basic)
        self.promised_spin.setRange(0, 365)
        self.promised_spin.setSuffix(self.tr(" 个工作日"))
        self.basis_edit = QPlainTextEdit(basic)
        self.conditions_edit = QPlainTextEdit(basic)
        self.procedure_edit = QPlainTextEdit(basic)
        for edit in (self.basis_edit, self.conditions_edit, self.procedure_edit):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(60)
        self.site_check = QCheckBox(self.tr("需现场核查"), basic)
        self.site_excluded_check = QCheckBox(self.tr("法定依据规定现场核查不计入时限"), basic)
        self.site_excluded_check.setObjectName("matterSiteExcludedCheck")
        self.site_excluded_check.setToolTip(self.tr(
            "一般情况下现场核查属于审查时间，不中止计时；只有本事项的法律、法规规定现场核查"
            "时间不计入办理时限的，才勾选此项。"))
        self.single_check = QCheckBox(self.tr("即办件一人办结"), basic)
        self.active_check = QCheckBox(self.tr("启用"), basic)
        self.active_check.setChecked(True)
        self.joint_edit = QLineEdit(basic)
        self.joint_edit.setPlaceholderText(self.tr("联办件的会签部门代码，用逗号分隔"))
        add_field(form, self.tr("事项编码"), self.code_edit, self.errors, "code", required=True)
        add_field(form, self.tr("事项名称"), self.name_edit, self.errors, "name", required=True)
        add_field(form, self.tr("实施部门"), self.department_combo, self.errors,
                  "department_code", required=True)
        form.addRow(self.tr("事项类型"), self.matter_type_combo)
        form.addRow(self.tr("办件类型"), self.type_combo)
        add_field(form, self.tr("结果证件"), self.certificate_edit, self.errors,
                  "certificate_name")
        form.addRow("", self.reconsideration_first_check)
        add_field(form, self.tr("法定时限"), self.statutory_spin, self.errors,
                  "statutory_working_days")
        add_field(form, self.tr("承诺时限"), self.promised_spin, self.errors,
                  "promised_working_days")
        form.addRow(self.tr("设定依据"), self.basis_edit)
        form.addRow(self.tr("申请条件"), self.conditions_edit)
        form.addRow(self.tr("办理流程"), self.procedure_edit)
        form.addRow(self.tr("会签部门"), self.joint_edit)
        # 办理地点和时间 and 申请书格式文本, as the printed 办事指南 states them.
        self.place_edit = QLineEdit(basic)
        self.place_edit.setObjectName("matterPlaceEdit")
        self.place_edit.setPlaceholderText(self.tr("办理地点和时间；不填则为本站窗口和工作时间"))
        self.templates_edit = QLineEdit(basic)
        self.templates_edit.setObjectName("matterTemplatesEdit")
        self.templates_edit.setPlaceholderText(self.tr("申请书格式文本名称，多个用逗号分隔"))
        form.addRow(self.tr("办理地点和时间"), self.place_edit)
        form.addRow(self.tr("申请书格式文本"), self.templates_edit)
        flags = QHBoxLayout()
        for check in (self.site_check, self.site_excluded_check, self.single_check,
                      self.active_check):
            flags.addWidget(check)
        flags.addStretch(1)
        form.addRow("", flags)
        tabs.addTab(basic, self.tr("基本信息"))

        self.materials_table = self._table(
            [self.tr("编码"), self.tr("材料名称"), self.tr("形式"), self.tr("份数"),
             self.tr("必交"), self.tr("适用情形"), self.tr("说明"), self.tr("可容缺"),
             self.tr("可告知承诺")])
        self.materials_table.setObjectName("matterMaterialsTable")
        tabs.addTab(self._table_page(self.materials_table, self._add_material_row),
                    self.tr("申请材料"))
        self.fees_table = self._table([self.tr("编码"), self.tr("收费项目"), self.tr("金额（元）"),
                                       self.tr("收费依据")])
        tabs.addTab(self._table_page(self.fees_table, self._add_fee_row), self.tr("收费"))
        # What the approver enters and the decision states (证件编号、有效期限、许可范围 ...).
        self.result_table = self._table([self.tr("编码"), self.tr("字段名称"), self.tr("必填"),
                                         self.tr("填写提示")])
        self.result_table.setObjectName("matterResultFieldsTable")
        tabs.addTab(self._table_page(self.result_table, self._add_result_row),
                    self.tr("办结结果字段"))
        layout.addWidget(tabs, 1)
        self.errors.add("materials", self.materials_table, QLabel(self))
        self.errors.add("fee_items", self.fees_table, QLabel(self))
        self.errors.add("permit_fields", self.result_table, QLabel(self))
        layout.addWidget(self.errors.label("permit_fields"))  # type: ignore[arg-type]
        layout.addWidget(self.errors.label("materials"))  # type: ignore[arg-type]
        layout.addWidget(self.errors.label("fee_items"))  # type: ignore[arg-type]
        buttons = QDialogButtonBox(self)
        save = buttons.addButton(self.tr("保存"), QDialogButtonBox.ButtonRole.AcceptRole)
        cancel = buttons.addButton(self.tr("取消"), QDialogButtonBox.ButtonRole.RejectRole)
        assert save is not None and cancel is not None
        self.save_button: QPushButton = save
        save.setObjectName("saveMatterButton")
        set_kind(save, "primary")
        cancel.clicked.connect(self.reject)
        layout.addWidget(buttons)
        if matter is not None:
            self._fill(matter)
        else:
            for spec in standard_permit_fields():
                self._add_result_row(spec)
        self.save_button.clicked.connect(self._on_save_button_clicked)

    def _table(self, headers: list[str]) -> QTableWidget:
        # A short, bounded list edited in place: a table widget is the clearest here.
        table = QTableWidget(0, len(headers), self)
        table.setHorizontalHeaderLabels(headers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = table.horizontalHeader()
        assert header is not None
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    def _table_page(self, table: QTableWidget, add_row: Any) -> QWidget:
        page = QWidget(self)
        layout = QVBoxLayout(page)
        layout.addWidget(table)
        buttons = QHBoxLayout()
        add = QPushButton(self.tr("添加一行"), page)
        remove = QPushButton(self.tr("删除所选行"), page)
        add.clicked.connect(lambda: add_row())
        remove.clicked.connect(lambda: table.removeRow(table.currentRow())
                               if table.currentRow() >= 0 else None)
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _add_material_row(self, material: RequiredMaterial | None = None) -> None:
        table = self.materials_table
        row = table.rowCount()
        table.insertRow(row)
        code = material.code if material else f"M{row + 1:02d}"
        table.setItem(row, 0, QTableWidgetItem(code))
        table.setItem(row, 1, QTableWidgetItem(material.name if material else ""))
        form = QComboBox(table)
        for value, label in FORM_LABELS.items():
            form.addItem(label, value)
        if material:
            form.setCurrentIndex(form.findData(material.form.value))
        table.setCellWidget(row, 2, form)
        copies = QSpinBox(table)
        copies.setRange(1, 99)
        copies.setValue(material.copies if material else 1)
        table.setCellWidget(row, 3, copies)
        required = QCheckBox(table)
        required.setChecked(material.required if material else True)
        table.setCellWidget(row, 4, required)
        table.setItem(row, 5, QTableWidgetItem(material.condition if material else ""))
        table.setItem(row, 6, QTableWidgetItem(material.description if material else ""))
        tolerated = self._original.tolerance_materials if self._original else ()
        promised = self._original.promise_materials if self._original else ()
        for column, codes in ((7, tolerated), (8, promised)):
            check = QCheckBox(table)
            check.setChecked(bool(material) and code in codes)
            table.setCellWidget(row, column, check)

    def _add_fee_row(self, fee: FeeItem | None = None) -> None:
        table = self.fees_table
        row = table.rowCount()
        table.insertRow(row)
        table.setItem(row, 0, QTableWidgetItem(fee.code if fee else f"F{row + 1}"))
        table.setItem(row, 1, QTableWidgetItem(fee.name if fee else ""))
        table.setItem(row, 2, QTableWidgetItem(f"{fee.amount_fen / 100:.2f}" if fee else "0.00"))
        table.setItem(row, 3, QTableWidgetItem(fee.basis if fee else ""))

    def _add_result_row(self, spec: PermitField | None = None) -> None:
        table = self.result_table
        row = table.rowCount()
        table.insertRow(row)
        table.setItem(row, 0, QTableWidgetItem(spec.code if spec else f"field{row + 1}"))
        table.setItem(row, 1, QTableWidgetItem(spec.label if spec else ""))
        required = QCheckBox(table)
        required.setChecked(spec.required if spec else True)
        table.setCellWidget(row, 2, required)
        table.setItem(row, 3, QTableWidgetItem(spec.hint if spec else ""))

    def _fill(self, matter: Matter) -> None:
        self.code_edit.setText(matter.code)
        self.code_edit.setReadOnly(True)
        self.name_edit.setText(matter.name)
        index = self.department_combo.findData(matter.department_code)
        self.department_combo.setCurrentIndex(max(index, 0))
        self.type_combo.setCurrentIndex(max(self.type_combo.findData(matter.case_type.value), 0))
        self.matter_type_combo.setCurrentIndex(
            max(self.matter_type_combo.findData(matter.matter_type.value), 0))
        self.certificate_edit.setText(matter.certificate_name)
        self.reconsideration_first_check.setChecked(matter.reconsideration_first)
        self.statutory_spin.setValue(matter.statutory_working_days)
        self.promised_spin.setValue(matter.promised_working_days)
        self.basis_edit.setPlainText(matter.legal_basis)
        self.conditions_edit.setPlainText(matter.conditions)
        self.procedure_edit.setPlainText(matter.procedure)
        self.site_check.setChecked(matter.site_inspection)
        self.site_excluded_check.setChecked(matter.site_inspection_excluded)
        self.single_check.setChecked(matter.single_officer)
        self.active_check.setChecked(matter.active)
        self.joint_edit.setText(",".join(matter.joint_departments))
        self.place_edit.setText(matter.service_place)
        self.templates_edit.setText(",".join(matter.form_templates))
        for material in matter.materials:
            self._add_material_row(material)
        for fee in matter.fee_items:
            self._add_fee_row(fee)
        for spec in matter.permit_fields:
            self._add_result_row(spec)

    @staticmethod
    def _text(table: QTableWidget, row: int, column: int) -> str:
        item = table.item(row, column)
        return item.text().strip() if item is not None else ""

    def matter(self) -> Matter:
        """The edited guide (raises ValidationError for what only the form can check)."""
        materials = []
        tolerated: list[str] = []
        promised: list[str] = []
        table = self.materials_table
        for row in range(table.rowCount()):
            # A row without a name is the service's error to report (never dropped).
            name = self._text(table, row, 1)
            form = table.cellWidget(row, 2)
            copies = table.cellWidget(row, 3)
            required = table.cellWidget(row, 4)
            assert isinstance(form, QComboBox) and isinstance(copies, QSpinBox)
            assert isinstance(required, QCheckBox)
            materials.append(RequiredMaterial(
                code=self._text(table, row, 0) or f"M{row + 1:02d}", name=name,
                form=MaterialForm(form.currentData()), copies=copies.value(),
                required=required.isChecked(), condition=self._text(table, row, 5),
                description=self._text(table, row, 6)))
            for column, codes in ((7, tolerated), (8, promised)):
                check = table.cellWidget(row, column)
                if isinstance(check, QCheckBox) and check.isChecked():
                    codes.append(materials[-1].code)
        fees = []
        for row in range(self.fees_table.rowCount()):
            name = self._text(self.fees_table, row, 1)
            if not name:
                continue
            try:
                amount = round(float(self._text(self.fees_table, row, 2) or "0") * 100)
            except ValueError:
                raise ValidationError("bad_fee", f"收费项目“{name}”的金额不是数字。",
                                      field="fee_items") from None
            fees.append(FeeItem(self._text(self.fees_table, row, 0) or f"F{row + 1}", name,
                                int(amount), self._text(self.fees_table, row, 3)))
        results = []
        for row in range(self.result_table.rowCount()):
            label = self._text(self.result_table, row, 1)
            if not label:
                continue
            required = self.result_table.cellWidget(row, 2)
            assert isinstance(required, QCheckBox)
            results.append(PermitField(self._text(self.result_table, row, 0) or f"field{row + 1}",
                                       label, required.isChecked(),
                                       self._text(self.result_table, row, 3)))
        department_code = self.department_combo.currentData() or ""
        department_name = self.department_combo.currentText()
        joint = tuple(d.strip() for d in self.joint_edit.text().replace("，", ",").split(",")
                      if d.strip())
        version = self._original.version if self._original else 1
        return Matter(
            code=self.code_edit.text().strip(), name=self.name_edit.text().strip(),
            department_code=department_code, department_name=department_name,
            case_type=CaseType(self.type_combo.currentData()),
            statutory_working_days=self.statutory_spin.value(),
            promised_working_days=self.promised_spin.value(),
            legal_basis=self.basis_edit.toPlainText().strip(),
            conditions=self.conditions_edit.toPlainText().strip(),
            procedure=self.procedure_edit.toPlainText().strip(),
            materials=tuple(materials), fee_items=tuple(fees),
            site_inspection=self.site_check.isChecked(),
            site_inspection_excluded=self.site_excluded_check.isChecked(),
            single_officer=self.single_check.isChecked(), joint_departments=joint,
            active=self.active_check.isChecked(), version=version,
            matter_type=MatterType(self.matter_type_combo.currentData()),
            reconsideration_first=self.reconsideration_first_check.isChecked(),
            certificate_name=self.certificate_edit.text().strip(),
            permit_fields=tuple(results),
            tolerance_materials=tuple(tolerated), promise_materials=tuple(promised),
            service_place=self.place_edit.text().strip(),
            form_templates=tuple(t.strip() for t in self.templates_edit.text()
                                 .replace("，", ",").split(",") if t.strip()),
        )

    def _on_save_button_clicked(self) -> None:
        self.errors.clear()
        self.message_bar.hide()
        try:
            matter = self.matter()
        except DomainError as error:
            self.errors.show_domain_error(error, self.message_bar)
            return
        uow, user = self.context.uow, self.context.user
        self.save_button.setEnabled(False)
        self.context.runner.run(lambda: catalog.save_matter(uow, user, matter),
                                on_done=lambda _r: self._on_saved(matter),
                                on_error=self._on_failed, owner=self)

    def _on_saved(self, matter: Matter) -> None:
        self.save_button.setEnabled(True)
        self.saved.emit(matter)
        self.accept()

    def _on_failed(self, error: BaseException) -> None:
        self.save_button.setEnabled(True)
        if isinstance(error, DomainError):
            self.errors.show_domain_error(error, self.message_bar)
        else:
            self.message_bar.show_error(error)


class CatalogPage(Page):
    """事项目录."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("事项目录"), parent)
        self.setObjectName("catalogPage")
        self.matters: list[Matter] = []
        self.departments: list[Department] = []
        self.editor: MatterEditor | None = None
        self.import_box: QMessageBox | None = None
        self._import_parsed: catalog_sheet.ParsedCatalog | None = None
        bar = QHBoxLayout()
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("catalogSearchEdit")
        self.search_edit.setPlaceholderText(self.tr("事项名称、编码或拼音首字母"))
        self.search_edit.setClearButtonEnabled(True)
        self.department_combo = QComboBox(self)
        self.department_combo.addItem(self.tr("全部部门"), "")
        bar.addWidget(self.search_edit, 3)
        bar.addWidget(self.department_combo, 1)
        self.add_button = QPushButton(self.tr("新增事项…"), self)
        self.add_button.setObjectName("addMatterButton")
        self.edit_button = QPushButton(self.tr("编辑事项…"), self)
        self.edit_button.setObjectName("editMatterButton")
        self.export_button = QPushButton(self.tr("导出表格…"), self)
        self.export_button.setObjectName("exportCatalogButton")
        self.import_button = QPushButton(self.tr("从表格导入…"), self)
        self.import_button.setObjectName("importCatalogButton")
        manage = context.can(Action.MANAGE_CATALOG)
        for button in (self.add_button, self.edit_button, self.export_button,
                       self.import_button):
            button.setVisible(manage)
            bar.addWidget(button)
        self.root_layout.addLayout(bar)
        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.list = QListWidget(splitter)
        self.list.setObjectName("catalogList")
        self.guide = QTextBrowser(splitter)
        self.guide.setObjectName("catalogGuide")
        splitter.addWidget(self.list)
        splitter.addWidget(self.guide)
        splitter.setSizes([360, 800])
        self.root_layout.addWidget(splitter, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._loaded = False
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.search_edit.textEdited.connect(lambda _t: self._timer.start())
        self._timer.timeout.connect(self.search)
        self.department_combo.currentIndexChanged.connect(lambda _i: self.search())
        self.list.currentRowChanged.connect(self._on_list_current_row_changed)
        self.add_button.clicked.connect(lambda: self._edit(None))
        self.edit_button.clicked.connect(self._on_edit_button_clicked)
        self.list.itemActivated.connect(lambda _item: self._on_edit_button_clicked())
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.import_button.clicked.connect(self._on_import_button_clicked)

    def activate(self) -> None:
        if not self._loaded:
            self._loaded = True
            uow = self.context.uow
            self.context.runner.run(lambda: catalog.list_departments(uow),
                                    on_done=self._on_departments, owner=self)
            self.search()

    def _on_departments(self, departments: list[Department]) -> None:
        self.departments = departments
        for department in departments:
            self.department_combo.addItem(department.name, department.code)

    def search(self) -> None:
        uow = self.context.uow
        text = self.search_edit.text().strip()
        department = self.department_combo.currentData() or ""
        manage = self.context.can(Action.MANAGE_CATALOG)

        def work() -> list[Matter]:
            found = catalog.search_matters(uow, text, department_code=department)
            if not manage:
                return found
            # Administrators also see the disabled matters, to enable them again.
            disabled = [m for m in catalog.list_matters(uow, include_inactive=True)
                        if not m.active and (not department or m.department_code == department)
                        and _matches(m, text)]
            return sorted(found + disabled, key=lambda m: (m.department_code, m.name))

        self.context.runner.run(work, on_done=self._on_results,
                                on_error=self.message_bar.show_error, owner=self)

    def _on_results(self, matters: list[Matter]) -> None:
        current = self.list.currentItem()
        chosen = current.data(Qt.ItemDataRole.UserRole) if current else ""
        self.matters = matters
        self.list.clear()
        for matter in matters:
            label = matter.name + ("" if matter.active else self.tr("（已停用）"))
            item = QListWidgetItem(label)
            if not matter.active:
                item.setForeground(QBrush(QColor("#7b8794")))
            item.setToolTip(f"{matter.code} · {matter.department_name}")
            item.setData(Qt.ItemDataRole.UserRole, matter.code)
            self.list.addItem(item)
        codes = [m.code for m in matters]
        if chosen in codes:
            self.list.setCurrentRow(codes.index(chosen))
        elif matters:
            self.list.setCurrentRow(0)
        else:
            self.guide.setHtml(self.tr("<p>没有找到事项。</p>"))

    def _on_list_current_row_changed(self, row: int) -> None:
        if 0 <= row < len(self.matters):
            self.guide.setHtml(matter_guide_html(self.matters[row]))

    def _on_edit_button_clicked(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.matters) and self.context.can(Action.MANAGE_CATALOG):
            self._edit(self.matters[row])

    def _edit(self, matter: Matter | None) -> None:
        if not self.departments:
            self.message_bar.warning(self.tr("请先在“系统管理 → 部门”中添加部门。"))
            return
        self.editor = MatterEditor(self.context, self.departments, matter, self)
        self.editor.saved.connect(self._on_editor_saved)
        self.editor.open()

    def _on_export_button_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出事项目录"),
                                              in_documents_folder("事项目录.xlsx"),
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export_catalog(Path(path))

    def export_catalog(self, path: Path) -> None:
        """Write the catalog's matters in use in the import format."""
        uow = self.context.uow

        def work() -> int:
            # Disabled matters too: the sheet's 启用 column keeps them disabled on import.
            matters = catalog.list_matters(uow, include_inactive=True)
            path.write_bytes(catalog_sheet.export_catalog(matters))
            return len(matters)

        self.context.runner.run(
            work, on_done=lambda count: self.message_bar.success(
                self.tr("已导出 {0} 个事项到 {1}。可在表格中修改后再导入。").format(count, path)),
            on_error=self.message_bar.show_error, label=self.tr("正在导出…"), parent=self)

    def _on_import_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("从表格导入事项"),
                                              in_documents_folder(),
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.import_catalog(Path(path))

    def import_catalog(self, path: Path) -> None:
        """Read the workbook, show what it would change and ask; then save each matter
        and report what was saved and what was not."""
        uow, user = self.context.uow, self.context.user
        names = {d.code: d.name for d in self.departments}

        def work() -> tuple[catalog_sheet.ParsedCatalog, catalog.ImportPreview]:
            parsed = catalog_sheet.parse_catalog(path.read_bytes(), names)
            return parsed, catalog.preview_import(uow, user, parsed.matters)

        self.context.runner.run(work, on_done=self._on_import_previewed,
                                on_error=self.message_bar.show_error,
                                label=self.tr("正在读取表格…"), parent=self)

    def _on_import_previewed(
        self, result: tuple[catalog_sheet.ParsedCatalog, catalog.ImportPreview]
    ) -> None:
        parsed, preview = result
        if not preview.has_changes:
            self._on_imported((0, list(parsed.problems)))
            return
        lines = []
        if preview.added:
            lines.append(self.tr("新增 {0} 个事项：{1}").format(
                len(preview.added), "；".join(preview.added[:10])
                + ("……" if len(preview.added) > 10 else "")))
        if preview.changed:
            lines.append(self.tr("修改 {0} 个事项：\n{1}").format(
                len(preview.changed), "\n".join(preview.changed[:10])
                + ("\n……" if len(preview.changed) > 10 else "")))
        if preview.unchanged:
            lines.append(self.tr("{0} 个事项没有变化。").format(preview.unchanged))
        if parsed.problems:
            lines.append(self.tr("另有 {0} 处问题，相应内容不会导入。").format(len(parsed.problems)))
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("导入事项目录"),
                          self.tr("导入该表格将作如下更改，是否继续？"),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                          self)
        box.setObjectName("importConfirmBox")
        box.setInformativeText("\n\n".join(lines))
        yes = box.button(QMessageBox.StandardButton.Yes)
        assert yes is not None
        yes.setText(self.tr("导入"))
        yes.setObjectName("importConfirmButton")
        box.setDefaultButton(yes)
        box.buttonClicked.connect(self._on_import_box_button_clicked)
        self._import_parsed = parsed
        self.import_box = box
        box.open()

    def _on_import_box_button_clicked(self, button: QPushButton) -> None:
        parsed, self._import_parsed = self._import_parsed, None
        if self.import_box is None or parsed is None or \
                button is not self.import_box.button(QMessageBox.StandardButton.Yes):
            self.message_bar.info(self.tr("已取消导入，事项目录未作更改。"))
            return
        uow, user = self.context.uow, self.context.user

        def work() -> tuple[int, list[str]]:
            problems = list(parsed.problems)
            saved = 0
            for matter in parsed.matters:
                try:
                    catalog.save_matter(uow, user, matter)
                    saved += 1
                except DomainError as error:
                    problems.append(f"事项“{matter.code} {matter.name}”：{error.message}")
            return saved, problems

        self.context.runner.run(work, on_done=self._on_imported,
                                on_error=self.message_bar.show_error,
                                label=self.tr("正在导入事项…"), parent=self)

    def _on_imported(self, result: tuple[int, list[str]]) -> None:
        saved, problems = result
        text = self.tr("已导入 {0} 个事项。").format(saved)
        if problems:
            shown = "<br>".join(problems[:8])
            more = self.tr("<br>……另有 {0} 处问题").format(len(problems) - 8) \
                if len(problems) > 8 else ""
            self.message_bar.warning(text + self.tr("以下内容未导入：<br>") + shown + more)
        else:
            self.message_bar.success(text)
        self.search()

    def _on_editor_saved(self, matter: Matter) -> None:
        self.message_bar.success(self.tr("已保存事项“{0}”。").format(matter.name))
        self.search()


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("CatalogPage", text)


def _matches(matter: Matter, text: str) -> bool:
    """A disabled matter is found as the catalog search finds the others: by part of its
    name or code, or by its pinyin initials typed in order."""
    if not text:
        return True
    if text in matter.name or text.upper() in matter.code.upper():
        return True
    if not (text.isascii() and text.isalpha()):
        return False
    initials = iter(catalog.pinyin_initials(matter.name))
    return all(letter in initials for letter in text.lower())
