"""受理登记, part ③: capturing a material's pages with the document camera (高拍仪).

Live preview; Space (or 拍摄) takes the page on the desk, straightened and cropped; the
pages become one PDF (JPEG inside) attached to the material when the clerk presses 完成.
"""

from __future__ import annotations

from typing import Any

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PyQt6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services import scans
from app.services.scans import JpegPage
from app.ui.context import AppContext
from app.ui.document_camera import FrameSource, page_jpeg, straighten_page


class DocumentCameraDialog(QDialog):
    """Capture pages of one material; ``scanned`` carries the kept PDF's description."""

    scanned = pyqtSignal(dict)

    def __init__(self, context: AppContext, source: FrameSource, material_name: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("documentCameraDialog")
        self.setWindowTitle(self.tr("高拍仪 — {0}").format(material_name))
        self.context = context
        self.source = source
        self.material_name = material_name
        self.frame: QImage | None = None
        self.pages: list[JpegPage] = []
        self._last_page: QImage | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.preview_label = QLabel(self.tr("正在打开高拍仪…"), self)
        self.preview_label.setObjectName("cameraPreview")
        self.preview_label.setMinimumSize(640, 480)
        self.preview_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview_label.setStyleSheet("background: #222; color: #ddd;")
        row.addWidget(self.preview_label, 3)
        self.page_label = QLabel(self)
        self.page_label.setObjectName("cameraLastPage")
        self.page_label.setFixedSize(240, 340)
        self.page_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row.addWidget(self.page_label, 1)
        layout.addLayout(row)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("cameraPageCount")
        layout.addWidget(self.count_label)
        buttons = QHBoxLayout()
        self.capture_button = QPushButton(self.tr("拍摄本页(空格)"), self)
        self.capture_button.setObjectName("captureButton")
        self.undo_button = QPushButton(self.tr("删除上一页"), self)
        self.undo_button.setObjectName("dropPageButton")
        self.done_button = QPushButton(self.tr("完成"), self)
        self.done_button.setObjectName("cameraDoneButton")
        self.cancel_button = QPushButton(self.tr("取消"), self)
        for button in (self.capture_button, self.undo_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.done_button)
        layout.addLayout(buttons)
        # One key while the (modal) dialog is up, whichever of its buttons has the focus.
        self._capture_shortcut = QShortcut(QKeySequence(Qt.Key.Key_Space), self)
        self._capture_shortcut.setContext(Qt.ShortcutContext.ApplicationShortcut)
        self._update_count()
        self._connect_signals()
        self.source.start()

    def _connect_signals(self) -> None:
        self.source.frameReady.connect(self._on_source_frame_ready)
        self.source.failed.connect(self._on_source_failed)
        self.capture_button.clicked.connect(self.capture)
        self._capture_shortcut.activated.connect(self.capture)
        self.undo_button.clicked.connect(self._on_undo_button_clicked)
        self.done_button.clicked.connect(self._on_done_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.finished.connect(self._on_finished)

    def _on_source_frame_ready(self, image: QImage) -> None:
        self.frame = image
        self.preview_label.setPixmap(QPixmap.fromImage(image).scaled(
            self.preview_label.size(), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.FastTransformation))

    def _on_source_failed(self, message: str) -> None:
        self.preview_label.setText(message + self.tr("\n可关闭本窗口，用“附件…”选择文件或拖入文件。"))
        self.capture_button.setEnabled(False)

    def capture(self) -> None:
        """The page on the desk now, straightened, cropped and added."""
        if self.frame is None:
            return
        page = straighten_page(self.frame)
        self.pages.append(page_jpeg(page))
        self._last_page = page
        self.page_label.setPixmap(QPixmap.fromImage(page).scaled(
            self.page_label.size(), Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation))
        self._update_count()

    def _on_undo_button_clicked(self) -> None:
        if self.pages:
            self.pages.pop()
            self.page_label.clear()
        self._update_count()

    def _update_count(self) -> None:
        size = sum(len(p.jpeg) for p in self.pages)
        self.count_label.setText(self.tr("已拍 {0} 页（约 {1} KB），完成后合成一个 PDF 附在“{2}”下。")
                                 .format(len(self.pages), size // 1024, self.material_name))
        self.done_button.setEnabled(bool(self.pages))
        self.undo_button.setEnabled(bool(self.pages))

    def _on_done_button_clicked(self) -> None:
        pages, data_dir = list(self.pages), self.context.data_dir
        name = f"{self.material_name}（高拍仪{len(pages)}页）.pdf"

        def work() -> dict[str, Any]:
            return scans.keep_scan(data_dir, scans.jpeg_pages_pdf(pages), name=name)

        self.done_button.setEnabled(False)
        self.context.runner.run(work, on_done=self._on_kept, on_error=self._on_keep_failed,
                                label=self.tr("正在保存扫描件…"), parent=self)

    def _on_kept(self, info: dict[str, Any]) -> None:
        self.scanned.emit(info)
        self.accept()

    def _on_keep_failed(self, error: BaseException) -> None:
        self.done_button.setEnabled(True)
        self.count_label.setText(self.tr("保存失败：{0}").format(error))

    def _on_finished(self, _result: int) -> None:
        self.source.stop()
