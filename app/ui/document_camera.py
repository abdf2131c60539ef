"""The document camera (高拍仪): frames in, straightened pages out, one PDF per material.

Most 高拍仪 are UVC cameras, which Qt Multimedia opens like a webcam. The pipeline does
not care where frames come from: a :class:`FrameSource` emits ``QImage`` frames —
:class:`CameraFrameSource` from the camera, :class:`ImageFrameSource` from image files
(the tests, and a demonstration without a camera). :func:`straighten_page` finds the
sheet on the darker desk, turns it upright (the angle of the sheet's long axis, from the
moments of its pixels) and crops to it; :func:`page_jpeg` encodes it small (JPEG,
about 150 dpi for A4). The PDF is written by ``app.services.scans``.
"""

from __future__ import annotations

import math
from pathlib import Path

from PyQt6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRect, Qt, pyqtSignal
from PyQt6.QtGui import QImage, QTransform

from app.services.scans import JpegPage

ANALYSIS_WIDTH = 320  # the sheet is found on a small copy; the crop is cut from the full frame
PAGE_LONG_SIDE = 1754  # A4 at 150 dpi: legible, and a page stays near 200 KB
JPEG_QUALITY = 70


class FrameSource(QObject):
    """Something that produces frames (``frameReady``) between start() and stop()."""

    frameReady = pyqtSignal(QImage)
    failed = pyqtSignal(str)

    def start(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class ImageFrameSource(FrameSource):
    """Frames read from image files, one per :meth:`next_frame` (tests, demonstrations)."""

    def __init__(self, paths: list[Path], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.paths = list(paths)
        self._index = 0

    def start(self) -> None:
        self.next_frame()

    def stop(self) -> None:
        pass

    def next_frame(self) -> None:
        """Emit the next file's image (the last one stays on the desk)."""
        if not self.paths:
            self.failed.emit("没有可用的图像。")
            return
        path = self.paths[min(self._index, len(self.paths) - 1)]
        self._index += 1
        image = QImage(str(path))
        if image.isNull():
            self.failed.emit(f"无法读取图像 {path.name}。")
            return
        self.frameReady.emit(image)


class CameraFrameSource(FrameSource):
    """Frames from the first (or the named) video input through Qt Multimedia."""

    def __init__(self, device_description: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        from PyQt6.QtMultimedia import (
            QCamera,
            QMediaCaptureSession,
            QMediaDevices,
            QVideoSink,
        )

        inputs = QMediaDevices.videoInputs()
        device = next((d for d in inputs if d.description() == device_description),
                      inputs[0] if inputs else None)
        self.camera = QCamera(device, self) if device is not None else None
        self.session = QMediaCaptureSession(self)
        self.sink = QVideoSink(self)
        if self.camera is not None:
            self.session.setCamera(self.camera)
            self.camera.errorOccurred.connect(self._on_camera_error_occurred)
        self.session.setVideoSink(self.sink)
        self.sink.videoFrameChanged.connect(self._on_sink_video_frame_changed)

    def start(self) -> None:
        if self.camera is None:
            self.failed.emit("未连接高拍仪。")
            return
        self.camera.start()

    def stop(self) -> None:
        if self.camera is not None:
            self.camera.stop()

    def _on_sink_video_frame_changed(self, frame: object) -> None:
        image = frame.toImage()  # type: ignore[attr-defined]
        if not image.isNull():
            self.frameReady.emit(image)

    def _on_camera_error_occurred(self, _error: object, text: str) -> None:
        self.failed.emit(f"高拍仪出错：{text}")


def _page_mask(image: QImage, threshold: int | None = None) -> tuple[list[tuple[int, int]], int]:
    """The (x, y) of the sheet's pixels on a small grey copy: brighter than the desk."""
    grey = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = grey.width(), grey.height(), grey.bytesPerLine()
    pointer = grey.constBits()
    assert pointer is not None
    pointer.setsize(stride * height)
    data = bytes(pointer)
    if threshold is None:
        values = sorted(data[y * stride + x] for y in range(0, height, 4)
                        for x in range(0, width, 4))
        # Midway between the desk (darkest tenth) and the paper (brightest tenth).
        threshold = (values[len(values) // 10] + values[-len(values) // 10]) // 2
    points: list[tuple[int, int]] = []
    for y in range(height):
        row = data[y * stride:y * stride + width]
        bright = [x for x in range(width) if row[x] > threshold]
        if len(bright) > 2:
            # The whole span of the sheet in this row: its print must not pull the axis.
            points += [(x, y) for x in range(bright[0], bright[-1] + 1)]
    return points, threshold


def _skew_degrees(points: list[tuple[int, int]]) -> float:
    """How far the sheet's long axis leans from upright (or from level), in degrees."""
    count = len(points)
    mean_x = sum(p[0] for p in points) / count
    mean_y = sum(p[1] for p in points) / count
    mu20 = sum((p[0] - mean_x) ** 2 for p in points) / count
    mu02 = sum((p[1] - mean_y) ** 2 for p in points) / count
    mu11 = sum((p[0] - mean_x) * (p[1] - mean_y) for p in points) / count
    axis = math.degrees(0.5 * math.atan2(2 * mu11, mu20 - mu02))  # long axis vs. x
    # The nearest of level or upright: a page is never turned more than 45° on the desk.
    return (axis + 45) % 90 - 45


def straighten_page(frame: QImage) -> QImage:
    """The sheet on the desk, turned upright and cropped to its edges.

    A frame without a sheet clearly brighter than its surroundings is returned as it is.
    """
    small = frame.scaledToWidth(ANALYSIS_WIDTH, Qt.TransformationMode.SmoothTransformation)
    points, threshold = _page_mask(small)
    if len(points) < small.width() * small.height() // 20:
        return frame
    angle = _skew_degrees(points)
    upright = frame
    if abs(angle) > 0.3:
        upright = frame.transformed(QTransform().rotate(-angle),
                                    Qt.TransformationMode.SmoothTransformation)
    small = upright.scaledToWidth(ANALYSIS_WIDTH, Qt.TransformationMode.SmoothTransformation)
    points, _ = _page_mask(small, threshold)
    if not points:
        return upright
    scale = upright.width() / small.width()
    left = min(p[0] for p in points)
    right = max(p[0] for p in points)
    top = min(p[1] for p in points)
    bottom = max(p[1] for p in points)
    # A pixel in from each edge: the rotation's soft border stays outside the crop.
    box = QRect(math.ceil((left + 1) * scale), math.ceil((top + 1) * scale),
                math.floor((right - left - 1) * scale), math.floor((bottom - top - 1) * scale))
    return upright.copy(box.intersected(upright.rect()))


def page_jpeg(page: QImage) -> JpegPage:
    """The page as a JPEG of at most A4 at 150 dpi, quality 70: small and legible."""
    if max(page.width(), page.height()) > PAGE_LONG_SIDE:
        page = page.scaled(PAGE_LONG_SIDE, PAGE_LONG_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                           Qt.TransformationMode.SmoothTransformation)
    page = page.convertToFormat(QImage.Format.Format_RGB888)
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    page.save(buffer, "JPG", JPEG_QUALITY)
    buffer.close()
    return JpegPage(bytes(data.data()), page.width(), page.height())
