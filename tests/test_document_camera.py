"""The document camera's pipeline with frames from image files: the sheet found, turned
upright and cropped, the pages one small PDF (JPEG inside) on the material."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pypdf import PdfReader
from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QImage, QPainter
from PyQt6.QtWidgets import QPushButton

from app.forms.registration import RegistrationPage
from app.services import scans
from app.ui.document_camera import ImageFrameSource, _page_mask, _skew_degrees, straighten_page
from tests import test_ui_support
from tests.test_ui_support import find, type_into, wait_idle

gui_profile = test_ui_support.gui_profile
SHOTS_DIR = os.environ.get("COUNTERDESK_TEST_SHOTS", "")
PAGE_W, PAGE_H = 840, 1188  # an A4 sheet as the camera sees it


def desk_photo(path: Path, *, angle: float, lines: int = 12) -> Path:
    """A sheet with lines of "text" lying turned by ``angle`` on a dark desk."""
    image = QImage(1600, 1500, QImage.Format.Format_RGB32)
    image.fill(QColor(55, 60, 66))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.translate(QPointF(800, 750))
    painter.rotate(angle)
    painter.fillRect(QRectF(-PAGE_W / 2, -PAGE_H / 2, PAGE_W, PAGE_H), QColor(246, 246, 240))
    for line in range(lines):
        painter.fillRect(QRectF(-PAGE_W / 2 + 80, -PAGE_H / 2 + 120 + line * 70, 600, 18),
                         QColor(30, 30, 30))
    painter.end()
    image.save(str(path))
    return path


def test_the_sheets_tilt_is_measured(tmp_path) -> None:
    frame = QImage(str(desk_photo(tmp_path / "tilted.png", angle=7)))
    points, _ = _page_mask(frame.scaledToWidth(320))
    assert abs(_skew_degrees(points) - 7) < 1.0


def test_a_tilted_sheet_comes_out_upright_and_cropped_to_the_page(tmp_path) -> None:
    page = straighten_page(QImage(str(desk_photo(tmp_path / "tilted.png", angle=-6))))
    assert abs(page.width() - PAGE_W) < PAGE_W * 0.05
    assert abs(page.height() - PAGE_H) < PAGE_H * 0.05
    for x, y in ((3, 3), (page.width() - 4, 3), (3, page.height() - 4),
                 (page.width() - 4, page.height() - 4)):
        assert QColor(page.pixel(x, y)).lightness() > 200, (x, y)  # paper, not desk
    if SHOTS_DIR:
        page.save(str(Path(SHOTS_DIR) / "camera-page.png"))


def test_pages_make_one_pdf_with_the_jpegs_inside(tmp_path) -> None:
    from app.ui.document_camera import page_jpeg

    pages = [page_jpeg(straighten_page(QImage(str(desk_photo(tmp_path / f"{n}.png",
                                                                  angle=n)))))
             for n in (3, -4)]
    pdf = scans.jpeg_pages_pdf(pages)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    image = reader.pages[0]["/Resources"]["/XObject"]["/Im0"].get_object()
    assert image["/Filter"] == "/DCTDecode"
    assert image.get_data() == pages[0].jpeg  # not re-encoded
    assert len(pdf) < 400_000  # two pages, small enough to sync over a township line


@pytest.mark.gui
@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")
def test_the_camera_button_captures_pages_into_the_materials_attachments(
        qtbot, gui_profile, tmp_path) -> None:
    frames = [desk_photo(tmp_path / "p1.png", angle=5), desk_photo(tmp_path / "p2.png",
                                                                   angle=-3, lines=6)]
    sources: list[ImageFrameSource] = []

    def camera() -> ImageFrameSource:
        sources.append(ImageFrameSource(frames))
        return sources[-1]

    context = gui_profile.context(gui_profile.staff.clerk, document_camera=camera)
    page = RegistrationPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    type_into(qtbot, page.picker.search_edit, "gtgshdj")
    qtbot.waitUntil(lambda: page.picker.matter is not None)
    qtbot.mouseClick(find(page, QPushButton, "materialCamera0"), Qt.MouseButton.LeftButton)
    dialog = page.camera_dialog
    assert dialog is not None and dialog.isVisible()
    qtbot.keyClick(dialog, Qt.Key.Key_Space)
    sources[0].next_frame()  # the clerk turns to the second page
    qtbot.mouseClick(find(dialog, QPushButton, "captureButton"), Qt.MouseButton.LeftButton)
    assert len(dialog.pages) == 2
    if SHOTS_DIR:
        dialog.grab().save(str(Path(SHOTS_DIR) / "camera-dialog.png"))
    with qtbot.waitSignal(dialog.scanned, timeout=15000):
        qtbot.mouseClick(find(dialog, QPushButton, "cameraDoneButton"),
                         Qt.MouseButton.LeftButton)
    row = page.materials.rows[0]
    assert row.received_check.isChecked()
    [attachment] = row.attachments
    assert attachment["name"] == "个体工商户登记申请书（高拍仪2页）.pdf"
    assert len(PdfReader(attachment["path"]).pages) == 2


@pytest.mark.gui
@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")
def test_without_a_camera_there_is_no_camera_button(qtbot, gui_profile) -> None:
    context = gui_profile.context(gui_profile.staff.clerk)
    page = RegistrationPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    type_into(qtbot, page.picker.search_edit, "gtgshdj")
    qtbot.waitUntil(lambda: page.picker.matter is not None)
    assert not find(page, QPushButton, "materialCamera0").isVisible()
    assert find(page, QPushButton, "materialAttach0").isVisible()


@pytest.mark.gui
@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")
def test_a_camera_that_gives_nothing_says_so_and_points_to_the_files(
        qtbot, gui_profile) -> None:
    from app.forms.camera_dialog import DocumentCameraDialog

    context = gui_profile.context(gui_profile.staff.clerk)
    dialog = DocumentCameraDialog(context, ImageFrameSource([]), "经营者身份证明")
    qtbot.addWidget(dialog)
    dialog.show()
    assert "附件" in dialog.preview_label.text()
    assert not dialog.capture_button.isEnabled()
    assert not dialog.done_button.isEnabled()
