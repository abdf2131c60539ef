"""Showing, printing and saving issued documents (PDF bytes from the documents service)."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, QUrl
from PyQt6.QtGui import QDesktopServices, QPainter
from PyQt6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.widgets import set_kind

try:  # QtPdf ships with the PyQt6-Qt6 wheels, but a trimmed build may lack it
    from PyQt6.QtPdf import QPdfDocument
    from PyQt6.QtPdfWidgets import QPdfView
except ImportError:  # pragma: no cover - depends on the Qt build
    QPdfDocument = None  # type: ignore[assignment,misc]
    QPdfView = None  # type: ignore[assignment,misc]


@dataclass(frozen=True)
class PreviewItem:
    """One document to preview: a title, its PDF and a file name to save it under."""

    title: str
    pdf: bytes
    file_name: str = "document.pdf"
    docx: bytes | None = None
    docx_is_reference_copy: bool = False
    """The Word file of a sealed document: no seal, the signed PDF is the original."""


class DocumentPreviewDialog(QDialog):
    """A print preview: pick a document, read it, print it, save it or open it outside."""

    def __init__(self, items: list[PreviewItem], *, title: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentPreviewDialog")
        self.setWindowTitle(title or self.tr("文书预览"))
        self.resize(860, 720)
        self.items = items
        self._buffer: QBuffer | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.choice = QComboBox(self)
        self.choice.setObjectName("documentChoice")
        for item in items:
            self.choice.addItem(item.title)
        bar.addWidget(QLabel(self.tr("文书："), self))
        bar.addWidget(self.choice, 1)
        self.print_button = QPushButton(self.tr("打印…"), self)
        self.print_button.setObjectName("printButton")
        set_kind(self.print_button, "primary")
        self.save_button = QPushButton(self.tr("另存为…"), self)
        self.save_button.setObjectName("saveDocumentButton")
        self.save_word_button = QPushButton(self.tr("另存为 Word…"), self)
        self.save_word_button.setObjectName("saveWordButton")
        self.open_button = QPushButton(self.tr("用外部程序打开"), self)
        self.open_button.setObjectName("openExternallyButton")
        self.close_button = QPushButton(self.tr("关闭"), self)
        for button in (self.print_button, self.save_button, self.save_word_button,
                       self.open_button, self.close_button):
            bar.addWidget(button)
        layout.addLayout(bar)
        if QPdfDocument is not None and QPdfView is not None:
            self.document = QPdfDocument(self)
            self.view: QWidget = QPdfView(self)
            self.view.setDocument(self.document)  # type: ignore[attr-defined]
            self.view.setPageMode(QPdfView.PageMode.MultiPage)  # type: ignore[attr-defined]
            self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)  # type: ignore[attr-defined]
        else:  # pragma: no cover
            self.document = None
            self.view = QLabel(self.tr("本机缺少 PDF 预览组件，请用“用外部程序打开”查看。"), self)
            self.print_button.setEnabled(False)
        layout.addWidget(self.view, 1)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("documentStatusLabel")
        self.status_label.setWordWrap(True)
        self.status_label.hide()
        layout.addWidget(self.status_label)
        self._connect_signals()
        self._show(0)

    def _connect_signals(self) -> None:
        self.choice.currentIndexChanged.connect(self._on_choice_current_index_changed)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.save_word_button.clicked.connect(self._on_save_word_button_clicked)
        self.open_button.clicked.connect(self._on_open_button_clicked)
        self.close_button.clicked.connect(self.accept)

    @property
    def current(self) -> PreviewItem | None:
        index = self.choice.currentIndex()
        return self.items[index] if 0 <= index < len(self.items) else None

    def _on_choice_current_index_changed(self, index: int) -> None:
        self._show(index)

    def _show(self, index: int) -> None:
        if not (0 <= index < len(self.items)):
            return
        item = self.items[index]
        self.save_word_button.setEnabled(item.docx is not None)
        self.save_word_button.setToolTip(
            self.tr("Word 参考副本：不含印章，以盖章的 PDF 为准") if item.docx_is_reference_copy
            else self.tr("保存为可编辑的 Word 文件") if item.docx is not None
            else self.tr("本文书没有 Word 版本"))
        if self.document is None:
            return
        self.document.close()
        buffer = QBuffer(self)
        buffer.setData(QByteArray(self.items[index].pdf))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(buffer)
        if self._buffer is not None:
            self._buffer.deleteLater()
        self._buffer = buffer

    def _on_print_button_clicked(self) -> None:
        from PyQt6.QtPrintSupport import QPrintDialog, QPrinter

        if self.document is None or self.document.pageCount() == 0:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印文书"))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        painter = QPainter()
        if not painter.begin(printer):
            return
        try:
            for page in range(self.document.pageCount()):
                if page:
                    printer.newPage()
                target = painter.viewport()
                image = self.document.render(page, QSize(target.width(), target.height()))
                scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
                painter.drawImage(target.x(), target.y(),
                                  image.scaled(scaled, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation))
        finally:
            painter.end()

    def _on_save_button_clicked(self) -> None:
        self._save(word_only=False)

    def _on_save_word_button_clicked(self) -> None:
        self._save(word_only=True)

    def _save(self, *, word_only: bool) -> None:
        item = self.current
        if item is None or (word_only and item.docx is None):
            return
        filters = "" if word_only else self.tr("PDF 文件 (*.pdf)")
        if item.docx is not None:
            word_filter = self.tr("Word 参考副本，不含印章，以 PDF 为准 (*.docx)") \
                if item.docx_is_reference_copy else self.tr("Word 文件 (*.docx)")
            filters = f"{filters};;{word_filter}" if filters else word_filter
        name = Path(item.file_name)
        start = in_documents_folder(str(name.with_suffix(".docx") if word_only else name))
        path, chosen = QFileDialog.getSaveFileName(self, self.tr("保存文书"), start, filters)
        if not path:
            return
        word = chosen.startswith("Word") and item.docx is not None
        if word and not path.lower().endswith(".docx"):
            path = str(Path(path).with_suffix(".docx"))
        try:
            Path(path).write_bytes(item.docx if word and item.docx is not None else item.pdf)
        except OSError as error:
            self._say(self.tr("未能保存到 {0}：{1}").format(path, error.strerror or error))
            return
        if word and item.docx_is_reference_copy:
            kind = self.tr("Word 参考副本（不含印章，以 PDF 为准）")
        else:
            kind = self.tr("Word 文件") if word else self.tr("PDF 文件")
        self._say(self.tr("已将{0}保存到 {1}").format(kind, path))

    def _on_open_button_clicked(self) -> None:
        item = self.current
        if item is None:
            return
        path = private_folder() / item.file_name
        path.write_bytes(item.pdf)
        path.chmod(0o600)
        opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        if opened:
            self._say(self.tr("已用外部程序打开 {0}（临时副本，仅本人可读，退出程序时删除）")
                      .format(path))
        else:
            self._say(self.tr("本机没有可打开 PDF 的程序；临时副本在 {0}，退出程序时删除").format(path))

    def _say(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.show()


def documents_folder() -> str:
    """The user's documents folder (where file dialogs open), else the home folder."""
    from PyQt6.QtCore import QStandardPaths

    location = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.DocumentsLocation
    )
    return location or str(Path.home())


def in_documents_folder(file_name: str = "") -> str:
    """Where a file dialog starts: the documents folder, with ``file_name`` proposed."""
    folder = Path(documents_folder())
    return str(folder / file_name) if file_name else str(folder)


_private: Path | None = None


def private_folder() -> Path:
    """A folder only this user can read (0700), made once a run and removed at exit:
    documents handed to another program must not lie in a shared temporary folder."""
    global _private
    if _private is None or not _private.is_dir():
        _private = Path(tempfile.mkdtemp(prefix="counterdesk-documents-"))
        atexit.register(shutil.rmtree, _private, True)
    return _private
