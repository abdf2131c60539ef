"""办件归档: batch archiving of completed cases by period, the archive records, and the
offline check of a package (``app.services.archives``)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from PyQt6.QtCore import QDate, QObject, pyqtSignal
from PyQt6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeWidgetItem,
    QWidget,
)

from app.domain.calendar import local_day_start
from app.services import archives
from app.ui.context import AppContext
from app.ui.page import Page
from app.ui.widgets import list_tree, local_time, set_kind


class _Progress(QObject):
    """Carries a batch's progress from the worker to the page (a queued signal)."""

    advanced = pyqtSignal(int, int)


def _tr(text: str) -> str:
    from PyQt6.QtCore import QCoreApplication

    return QCoreApplication.translate("ArchivePage", text)


class ArchivePage(Page):
    """办件归档: every case completed in a period, one package each, with progress."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, _tr("办件归档"), parent)
        self.setObjectName("archivePage")
        self._cancel = threading.Event()
        self._progress = _Progress(self)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("办结日期"), self))
        today = QDate.currentDate()
        self.from_edit = QDateEdit(QDate(today.year(), today.month(), 1).addMonths(-1), self)
        self.from_edit.setObjectName("archiveFromEdit")
        self.to_edit = QDateEdit(QDate(today.year(), today.month(), 1).addDays(-1), self)
        self.to_edit.setObjectName("archiveToEdit")
        for edit in (self.from_edit, self.to_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        row.addWidget(self.from_edit)
        row.addWidget(QLabel(self.tr("至"), self))
        row.addWidget(self.to_edit)
        row.addWidget(QLabel(self.tr("归档包存放到"), self))
        self.folder_edit = QLineEdit(str(context.data_dir / "archives"), self)
        self.folder_edit.setObjectName("archiveFolderEdit")
        row.addWidget(self.folder_edit, 1)
        self.browse_button = QPushButton(self.tr("选择…"), self)
        self.browse_button.setObjectName("archiveBrowseButton")
        row.addWidget(self.browse_button)
        self.batch_button = QPushButton(self.tr("批量归档"), self)
        self.batch_button.setObjectName("archiveBatchButton")
        set_kind(self.batch_button, "primary")
        row.addWidget(self.batch_button)
        self.cancel_button = QPushButton(self.tr("停止"), self)
        self.cancel_button.setObjectName("archiveCancelButton")
        self.cancel_button.setEnabled(False)
        row.addWidget(self.cancel_button)
        self.root_layout.addLayout(row)
        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("archiveProgress")
        self.progress_bar.setFormat(self.tr("已归档 %v / %m 件"))
        self.progress_bar.hide()
        self.root_layout.addWidget(self.progress_bar)
        self.tree = list_tree(self, "archiveTree", [
            self.tr("档号"), self.tr("受理编号"), self.tr("文件数"), self.tr("归档时间"),
            self.tr("归档人"), self.tr("清单SHA-256")])
        self.root_layout.addWidget(self.tree, 1)
        bottom = QHBoxLayout()
        self.verify_button = QPushButton(self.tr("校验归档包…"), self)
        self.verify_button.setObjectName("archiveVerifyButton")
        bottom.addWidget(self.verify_button)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("archiveResultLabel")
        self.result_label.setWordWrap(True)
        bottom.addWidget(self.result_label, 1)
        self.root_layout.addLayout(bottom)
        hint = QLabel(self.tr(
            "每件办结的办件归为一个归档包（以档号命名的 ZIP）：全部办理事件、出具的文书 PDF、"
            "申请材料附件、用印登记、审计证明和 SHA-256 校验清单（参照 GB/T 18894-2016、"
            "DA/T 48）。已归档的办件不会重复归档；归档包可离线用“python -m app archive verify”"
            "校验。"), self)
        hint.setWordWrap(True)
        hint.setProperty("role", "subtle")
        self.root_layout.addWidget(hint)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.browse_button.clicked.connect(self._on_browse_button_clicked)
        self.batch_button.clicked.connect(self._on_batch_button_clicked)
        self.cancel_button.clicked.connect(self._on_cancel_button_clicked)
        self.verify_button.clicked.connect(self._on_verify_button_clicked)
        self._progress.advanced.connect(self._on_progress_advanced)

    def activate(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(lambda: archives.archive_records(uow, user),
                                on_done=self._on_records, on_error=self.message_bar.show_error,
                                owner=self)

    def _on_records(self, rows: list[Any]) -> None:
        self.tree.clear()
        for row in rows:
            self.tree.addTopLevelItem(QTreeWidgetItem([
                row.archival_code, row.case_number, str(row.file_count),
                local_time(row.archived_at), row.archived_by, row.manifest_sha256[:16] + "…"]))

    def _on_browse_button_clicked(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("归档包存放位置"),
                                                  self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _on_batch_button_clicked(self) -> None:
        start_day = self.from_edit.date().toPyDate()
        end_day = self.to_edit.date().toPyDate()
        if end_day < start_day:
            self.message_bar.error(self.tr("截止日期不能早于起始日期。"))
            return
        folder = self.folder_edit.text().strip()
        if not folder:
            self.message_bar.error(self.tr("请选择归档包存放位置。"))
            return
        uow, user = self.context.uow, self.context.user
        attachments_dir = self.context.data_dir / "attachments"
        self._cancel.clear()
        cancel, progress = self._cancel, self._progress
        self.batch_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.message_bar.hide()
        self.context.runner.run(
            lambda: archives.archive_period(
                uow, user, start=local_day_start(start_day),
                end=local_day_start(end_day + timedelta(days=1)), out_dir=Path(folder),
                attachments_dir=attachments_dir, progress=progress.advanced.emit,
                cancelled=cancel.is_set),
            on_done=self._on_batch_done, on_error=self._on_batch_failed, owner=self)

    def _on_progress_advanced(self, done: int, total: int) -> None:
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)

    def _on_cancel_button_clicked(self) -> None:
        self._cancel.set()
        self.cancel_button.setEnabled(False)

    def _finish_batch(self) -> None:
        self.batch_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress_bar.hide()

    def _on_batch_failed(self, error: BaseException) -> None:
        self._finish_batch()
        self.message_bar.show_error(error)

    def _on_batch_done(self, result: archives.BatchResult) -> None:
        self._finish_batch()
        text = self.tr("归档 {0} 件；此前已归档 {1} 件。").format(len(result.archived),
                                                             result.skipped)
        if result.cancelled:
            text += self.tr("已按要求停止，其余办件未归档。")
        if result.failed:
            self.message_bar.warning(text + self.tr("以下办件未归档：") + "；".join(result.failed))
        else:
            self.message_bar.success(text)
        self.refresh()

    def _on_verify_button_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择归档包"),
                                              self.folder_edit.text(), self.tr("归档包 (*.zip)"))
        if path:
            self.verify(Path(path))

    def verify(self, path: Path) -> None:
        """Check a package off the UI thread and say what was found."""
        self.result_label.setText(self.tr("正在校验…"))
        self.context.runner.run(lambda: archives.verify_package_file(path),
                                on_done=self._on_verified, on_error=self.message_bar.show_error,
                                owner=self)

    def _on_verified(self, check: archives.PackageCheck) -> None:
        if check.ok:
            self.result_label.setText(self.tr("{0}：校验通过，{1} 个文件与清单一致，审计证明完整。")
                                      .format(check.archival_code, check.files_checked))
            self.message_bar.success(self.result_label.text())
        else:
            self.result_label.setText(self.tr("{0}：校验未通过。").format(
                check.archival_code or "—") + "；".join(check.problems))
            self.message_bar.error(self.result_label.text())
