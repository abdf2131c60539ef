"""A grouped bar chart drawn with QPainter (QtCharts is not part of every PyQt6 install)."""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import QRectF, QSize, Qt
from PyQt6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPaintEvent, QPen
from PyQt6.QtWidgets import QSizePolicy, QWidget


@dataclass(frozen=True)
class Series:
    name: str
    colour: str
    values: tuple[float, ...]


class BarChart(QWidget):
    """Categories along the bottom, one bar per series in each, a legend on top."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("barChart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(180)
        self.categories: tuple[str, ...] = ()
        self.series: tuple[Series, ...] = ()
        self.empty_text = self.tr("没有数据")

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(480, 240)

    def set_data(self, categories: list[str], series: list[Series]) -> None:
        self.categories = tuple(categories)
        self.series = tuple(series)
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(self.rect(), QColor("#ffffff"))
        font = QFont(self.font())
        painter.setFont(font)
        metrics = QFontMetrics(font)
        line = metrics.height()
        if not self.categories or not self.series:
            painter.setPen(QColor("#7b8794"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            painter.end()
            return
        # legend
        x = 12.0
        for series in self.series:
            painter.fillRect(QRectF(x, 8, 12, 12), QColor(series.colour))
            painter.setPen(QColor("#323f4b"))
            painter.drawText(QRectF(x + 16, 4, 200, line + 4),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             series.name)
            x += 16 + metrics.horizontalAdvance(series.name) + 18
        top = 12 + line + 8
        maximum = max((v for s in self.series for v in s.values), default=0) or 1
        steps = _nice_steps(maximum)
        scale_top = steps[-1]
        axis_width = metrics.horizontalAdvance(str(int(scale_top))) + 10
        left = 8 + axis_width
        bottom = self.height() - (line * 2 + 8)
        right = self.width() - 12
        height = max(bottom - top, 10)
        painter.setPen(QPen(QColor("#e4e7eb"), 1))
        for step in steps:
            y = bottom - height * step / scale_top
            painter.drawLine(int(left), int(y), int(right), int(y))
            painter.setPen(QColor("#7b8794"))
            painter.drawText(QRectF(4, y - line / 2, axis_width - 4, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             str(int(step)))
            painter.setPen(QPen(QColor("#e4e7eb"), 1))
        group_width = (right - left) / len(self.categories)
        bar_width = min(28.0, group_width * 0.8 / len(self.series))
        for index, category in enumerate(self.categories):
            group_left = left + group_width * index
            start = group_left + (group_width - bar_width * len(self.series)) / 2
            for number, series in enumerate(self.series):
                value = series.values[index] if index < len(series.values) else 0
                bar_height = height * value / scale_top
                rect = QRectF(start + number * bar_width, bottom - bar_height,
                              bar_width - 2, bar_height)
                painter.fillRect(rect, QColor(series.colour))
                if value and bar_width >= 14:
                    painter.setPen(QColor("#323f4b"))
                    painter.drawText(QRectF(rect.x() - 8, rect.y() - line, rect.width() + 16,
                                            line), Qt.AlignmentFlag.AlignCenter,
                                     f"{value:g}")
            painter.setPen(QColor("#323f4b"))
            label = metrics.elidedText(category, Qt.TextElideMode.ElideRight, int(group_width) - 4)
            painter.drawText(QRectF(group_left, bottom + 4, group_width, line * 2),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, label)
        painter.setPen(QPen(QColor("#9aa5b1"), 1))
        painter.drawLine(int(left), int(bottom), int(right), int(bottom))
        painter.end()


def _nice_steps(maximum: float) -> list[float]:
    """Grid values 0..top with a round step (1, 2, 5 × 10^n), four to six lines."""
    for magnitude in (1, 10, 100, 1000, 10000, 100000, 1000000):
        for factor in (1, 2, 5):
            step = factor * magnitude
            if maximum / step <= 5:
                top = step * (int(maximum / step) + (maximum % step > 0))
                return [step * i for i in range(int(top / step) + 1)]
    return [0, maximum]
