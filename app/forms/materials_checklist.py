"""受理登记, part ③: the materials checklist built from the matter (and an agent's
授权委托书): received, form, copies, scanned attachments by picker or drag and drop."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QEvent, QObject, pyqtSignal
from PyQt6.QtGui import QDragEnterEvent, QDropEvent
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from app.domain.catalog import MaterialForm, Matter, intake_materials
from app.ui.documents import in_documents_folder


class MaterialRow(QObject):
    """One material of the checklist: received?, original or copy, copies, attachments.

    Its widgets live in the checklist's grid (``host``); this object holds them together.
    """

    changed = pyqtSignal()

    def __init__(self, index: int, material: Any, host: QWidget) -> None:
        super().__init__(host)
        self.material = material
        self.attachments: list[dict[str, Any]] = []
        label = material.name + ("" if material.required else self.tr("（视情形）"))
        self.received_check = QCheckBox(label, host)
        self.received_check.setObjectName(f"materialReceived{index}")
        tip = material.description or ""
        if material.condition:
            tip = (tip + "\n" if tip else "") + self.tr("适用情形：") + material.condition
        self.received_check.setToolTip(tip)
        self.form_combo = QComboBox(host)
        self.form_combo.setObjectName(f"materialForm{index}")
        for form in MaterialForm:
            self.form_combo.addItem(form.label, form.value)
        self.form_combo.setCurrentIndex(self.form_combo.findData(material.form.value))
        self.copies_spin = QSpinBox(host)
        self.copies_spin.setObjectName(f"materialCopies{index}")
        self.copies_spin.setRange(0, 99)
        self.copies_spin.setValue(material.copies)
        self.copies_spin.setSuffix(self.tr(" 份"))
        self.attach_button = QPushButton(self.tr("附件…"), host)
        self.attach_button.setObjectName(f"materialAttach{index}")
        self.attach_button.setToolTip(self.tr("选择扫描件或照片，也可以把文件拖到这一行"))
        self.camera_button = QPushButton(self.tr("高拍仪…"), host)
        self.camera_button.setObjectName(f"materialCamera{index}")
        self.camera_button.setToolTip(self.tr("用高拍仪拍摄本材料，多页合成一个 PDF"))
        self.attachments_label = QLabel(host)
        self.attachments_label.setProperty("role", "subtle")
        self.attachments_label.setMinimumWidth(60)

    def widgets(self) -> tuple[QWidget, ...]:
        return (self.received_check, self.form_combo, self.copies_spin, self.attach_button,
                self.camera_button, self.attachments_label)

    def add_attachment(self, info: dict[str, Any]) -> None:
        if any(a["sha256"] == info["sha256"] for a in self.attachments):
            return
        self.attachments.append(info)
        self._update_label()
        if not self.received_check.isChecked():
            self.received_check.setChecked(True)
        self.changed.emit()

    def clear_attachments(self) -> None:
        self.attachments = []
        self._update_label()

    def _update_label(self) -> None:
        count = len(self.attachments)
        self.attachments_label.setText(self.tr("{0} 个文件").format(count) if count else "")
        self.attachments_label.setToolTip("\n".join(a["name"] for a in self.attachments))

    def row_payload(self) -> dict[str, Any]:
        return {
            "code": self.material.code,
            "name": self.material.name,
            "form": self.form_combo.currentData(),
            "copies": self.copies_spin.value(),
            "received": self.received_check.isChecked(),
            "required": self.material.required,
            "needed": self.material.description or "",
            "attachments": list(self.attachments),
        }


def file_fingerprint(path: str) -> dict[str, Any]:
    """Name, size and SHA-256 of a scanned file (read in the background)."""
    digest = hashlib.sha256()
    file_path = Path(path)
    with file_path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"name": file_path.name, "path": str(file_path), "size": file_path.stat().st_size,
            "sha256": digest.hexdigest()}


class MaterialsChecklist(QGroupBox):
    """The matter's materials as rows; scans are attached by picker or drag and drop."""

    attachRequested = pyqtSignal(int, list)  # row index, file paths
    cameraRequested = pyqtSignal(int)  # row index: capture it with the document camera
    materialsChanged = pyqtSignal()  # a row ticked or unticked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(_tr("MaterialsChecklist", "③ 申请材料"), parent)
        self.setObjectName("materialsBox")
        self.setAcceptDrops(True)
        self.rows: list[MaterialRow] = []
        self._matter: Matter | None = None
        self._headers: list[QLabel] = []
        self._camera = False
        self._grid = QGridLayout(self)
        self._grid.setColumnStretch(0, 1)
        self._grid.setHorizontalSpacing(10)
        self._empty = QLabel(self.tr("请先选择事项，材料清单将按办事指南列出。"), self)
        self._empty.setProperty("role", "subtle")
        self._grid.addWidget(self._empty, 0, 0, 1, 6)

    def set_matter(self, matter: Matter | None, *, with_agent: bool = False) -> None:
        """Rows for the matter's materials (plus the agent's 授权委托书); rows the
        clerk already ticked keep what was entered when the same matter is shown again."""
        kept = {row.material.code: (row.received_check.isChecked(), row.form_combo.currentData(),
                                    row.copies_spin.value(), row.attachments)
                for row in self.rows} if matter is not None and matter == self._matter else {}
        self._matter = matter
        for row in self.rows:
            for widget in row.widgets():
                self._grid.removeWidget(widget)
                widget.hide()
                widget.deleteLater()
            row.deleteLater()
        for header in self._headers:
            self._grid.removeWidget(header)
            header.deleteLater()
        self._headers = []
        self.rows = []
        materials = intake_materials(matter, with_agent=with_agent) if matter else ()
        if matter is None or not materials:
            self._empty.setText(self.tr("请先选择事项，材料清单将按办事指南列出。")
                                if matter is None else self.tr("本事项无需提交材料。"))
            self._empty.show()
            return
        self._empty.hide()
        headers = [self.tr("已收取"), self.tr("形式"), self.tr("份数"), "", "", ""]
        for column, text in enumerate(headers):
            if text:
                header = QLabel(f"<b>{text}</b>", self)
                self._headers.append(header)
                self._grid.addWidget(header, 0, column)
        for index, material in enumerate(materials):
            row = MaterialRow(index, material, self)
            if material.code in kept:
                received, form, copies, attachments = kept[material.code]
                row.received_check.setChecked(received)
                row.form_combo.setCurrentIndex(row.form_combo.findData(form))
                row.copies_spin.setValue(copies)
                for info in attachments:
                    row.add_attachment(info)
            self.rows.append(row)
            for column, widget in enumerate(row.widgets()):
                widget.setAcceptDrops(True)
                widget.setProperty("materialRow", index)
                widget.installEventFilter(self)
                self._grid.addWidget(widget, index + 1, column)
                widget.show()
            row.camera_button.setVisible(self._camera)
            row.camera_button.clicked.connect(
                lambda _checked=False, i=index: self.cameraRequested.emit(i))
            row.attach_button.clicked.connect(
                lambda _checked=False, i=index: self._on_attach_clicked(i))
            row.received_check.toggled.connect(self._on_row_received_toggled)

    def enable_camera(self, available: bool) -> None:
        """Offer 高拍仪 on every row when a document camera is connected."""
        self._camera = available
        for row in self.rows:
            row.camera_button.setVisible(available)

    def _on_row_received_toggled(self, _checked: bool) -> None:
        self.materialsChanged.emit()

    def _on_attach_clicked(self, index: int) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择材料扫描件或照片"), in_documents_folder(),
            self.tr("扫描件和照片 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.bmp);;所有文件 (*)"))
        if paths:
            self.attachRequested.emit(index, paths)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if event is None or watched is None:
            return False
        if event.type() == QEvent.Type.DragEnter:
            assert isinstance(event, QDragEnterEvent)
            if event.mimeData() and event.mimeData().hasUrls():  # type: ignore[union-attr]
                event.acceptProposedAction()
                return True
        if event.type() == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            index = watched.property("materialRow")
            mime = event.mimeData()
            if index is not None and mime is not None and mime.hasUrls():
                paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
                if paths:
                    self.attachRequested.emit(int(index), paths)
                event.acceptProposedAction()
                return True
        return False

    def dragEnterEvent(self, event: QDragEnterEvent | None) -> None:  # noqa: N802
        if event is not None and event.mimeData() and event.mimeData().hasUrls():  # type: ignore[union-attr]
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent | None) -> None:  # noqa: N802
        # Dropped on the box, not on a row: the first material not yet received.
        if event is None or not self.rows:
            return
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return
        paths = [u.toLocalFile() for u in mime.urls() if u.isLocalFile()]
        target = next((i for i, r in enumerate(self.rows) if not r.received_check.isChecked()), 0)
        if paths:
            self.attachRequested.emit(target, paths)
        event.acceptProposedAction()

    def payload(self) -> list[dict[str, Any]]:
        return [row.row_payload() for row in self.rows]

    def missing_required(self) -> list[str]:
        return [row.material.name for row in self.rows
                if row.material.required and not row.received_check.isChecked()]

    def focus_widgets(self) -> list[QWidget]:
        return [row.received_check for row in self.rows]

    def tab_chain(self) -> list[QWidget]:
        return [w for row in self.rows for w in row.widgets()[:4]]


def _tr(context: str, text: str) -> str:
    """Text needed before ``super().__init__`` gives ``self.tr`` (still found by Linguist)."""
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate(context, text)
