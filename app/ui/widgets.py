"""Small building blocks shared by the forms: labelled fields, Enter-as-Tab, badges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from PyQt6.QtCore import QDateTime, QEvent, QObject, Qt, QTimeZone
from PyQt6.QtGui import QKeyEvent
from PyQt6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTreeWidget,
    QVBoxLayout,
    QWidget,
)

from app.domain.calendar import DEFAULT_TIME_ZONE, LOCAL_ZONE
from app.services.context import CHINA_TZ
from app.ui.feedback import FieldErrors


def field_with_error(widget: QWidget, parent: QWidget | None = None) -> tuple[QWidget, QLabel]:
    """A container holding ``widget`` with an (initially hidden) error label under it."""
    box = QWidget(parent)
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    # The box takes the row's whole width so that a long error wraps under the field at
    # that width (and gets the height it needs) rather than at a narrow field's width,
    # which clipped its second line; a narrow field stays its own size, at the left.
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    narrow = widget.sizePolicy().horizontalPolicy() not in (
        QSizePolicy.Policy.Expanding, QSizePolicy.Policy.MinimumExpanding)
    if narrow:
        layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignLeft)
    else:
        layout.addWidget(widget)
    error = QLabel(box)
    error.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
    layout.addWidget(error)
    layout.addStretch(1)  # spare height below the message, never between it and the field
    return box, error


def add_field(
    form: QFormLayout,
    label: str,
    widget: QWidget,
    errors: FieldErrors,
    name: str,
    *,
    required: bool = False,
) -> QLabel:
    """Add a labelled row whose errors ``errors`` can show under the field."""
    box, error = field_with_error(widget)
    errors.add(name, widget, error)
    caption = QLabel(label + ("<span style='color:#c0392b'> *</span>" if required else ""))
    caption.setBuddy(widget)
    form.addRow(caption, box)
    return caption


def set_kind(button: QWidget, kind: str) -> None:
    """Mark a button primary, danger or warning for the style sheet (re-polished now)."""
    from app.ui.feedback import restyle

    button.setProperty("kind", kind)
    restyle(button)


def title_label(text: str, parent: QWidget | None = None, *, role: str = "title") -> QLabel:
    label = QLabel(text, parent)
    label.setProperty("role", role)
    return label


def separator(parent: QWidget | None = None) -> QFrame:
    line = QFrame(parent)
    line.setFrameShape(QFrame.Shape.HLine)
    line.setProperty("role", "separator")
    return line


class EnterMovesFocus(QObject):
    """Enter in a line edit, combo or spin box moves on like Tab, as counter clerks expect.

    On the last watched widget, Enter calls ``on_last`` (e.g. the default action). A
    plain text edit keeps Enter for new lines; Ctrl+Enter is left to shortcuts.
    """

    def __init__(self, widgets: list[QWidget], on_last: Callable[[], None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._widgets = widgets
        self._on_last = on_last
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if event is None or event.type() != QEvent.Type.KeyPress:
            return False
        assert isinstance(event, QKeyEvent)
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            return False
        if isinstance(watched, QComboBox) and watched.view().isVisible():
            return False
        if not isinstance(watched, QLineEdit | QComboBox | QAbstractSpinBox):
            return False
        assert isinstance(watched, QWidget)
        visible = [w for w in self._widgets if w.isVisibleTo(w.window()) and w.isEnabled()]
        if watched not in visible:
            return False
        index = visible.index(watched)
        if index + 1 < len(visible):
            visible[index + 1].setFocus(Qt.FocusReason.TabFocusReason)
        elif self._on_last is not None:
            self._on_last()
        return True


def local_time(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A moment as the clock on the counter's wall shows it."""
    if moment is None:
        return ""
    return moment.astimezone(CHINA_TZ).strftime(fmt)


def iso_local_time(text: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO timestamp from an event payload, in local time."""
    if not text:
        return ""
    try:
        return local_time(datetime.fromisoformat(text), fmt)
    except ValueError:
        return text


def china_time_zone() -> QTimeZone:
    """The counter's zone (Asia/Shanghai unless configured) as Qt names it, whatever the
    PC's own zone is."""
    if LOCAL_ZONE.name == DEFAULT_TIME_ZONE:
        return QTimeZone(8 * 3600)
    return QTimeZone(LOCAL_ZONE.name.encode("ascii"))


def to_qdatetime(moment: datetime) -> QDateTime:
    """An aware moment as a QDateTime shown in China time."""
    return QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), china_time_zone())


def from_qdatetime(value: QDateTime) -> datetime:
    """What a date-time edit holds, as an aware UTC datetime (to the second)."""
    return datetime.fromtimestamp(value.toSecsSinceEpoch(), UTC)


def format_date(day: date | None) -> str:
    return day.isoformat() if day else ""


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f} 元"


def intake_due_text(due: date, *, overdue: bool) -> str:
    """The intake decision's last day (行政许可法 第三十二条), as the case page shows it and
    a list's tooltip repeats it."""
    text = (f"受理决定期限 {due.isoformat()}：收到材料后5个工作日内受理、不予受理或出具"
            "一次性告知书（行政许可法第三十二条）")
    if overdue:
        text += " · 已逾期：依法自收到材料之日起即为受理，办结期限从该日起算"
    return text


def list_tree(parent: QWidget, name: str, headers: list[str], *,
              stretch: bool = False) -> QTreeWidget:
    """A flat list of rows (no tree lines), one selectable at a time, columns sized to
    their contents (``stretch``: sharing the width)."""
    tree = QTreeWidget(parent)
    tree.setObjectName(name)
    tree.setHeaderLabels(headers)
    tree.setRootIsDecorated(False)
    tree.setAlternatingRowColors(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    header = tree.header()
    assert header is not None
    header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch if stretch
                                else QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return tree
