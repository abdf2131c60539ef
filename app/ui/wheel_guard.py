"""The mouse wheel scrolls the page; it never changes a field the clerk did not pick.

Qt lets the wheel change any combo box or spin box under the pointer, and gives it focus
while doing so: scrolling down the registration form turned 原件 into 原件及复印件 and
1 份 into 4 份, and those were saved. Installed once on the application, this filter
makes every combo box, spin box and date edit on every screen change by the wheel only
once it has focus (clicked or tabbed into); otherwise the wheel goes to the page around
it, which scrolls.
"""

from __future__ import annotations

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QWidget

_GUARDED = (QComboBox, QAbstractSpinBox)


class WheelGuard(QObject):
    """Application event filter: see the module docstring."""

    def eventFilter(self, watched: QObject | None, event: QEvent | None) -> bool:  # noqa: N802
        if event is None or not isinstance(watched, _GUARDED):
            return False
        if event.type() == QEvent.Type.Polish:
            # Wheel focus would hand the field focus just before the wheel turns it.
            if watched.focusPolicy() == Qt.FocusPolicy.WheelFocus:
                watched.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            return False
        if event.type() == QEvent.Type.Wheel and not _has_focus(watched):
            parent = watched.parentWidget()
            while parent is not None and isinstance(parent, _GUARDED):
                parent = parent.parentWidget()
            if parent is not None:
                QApplication.sendEvent(parent, event)
            return True
        return False


def _has_focus(widget: QWidget) -> bool:
    """The field itself or its inner line edit (an editable combo box) has focus."""
    focused = QApplication.focusWidget()
    return focused is not None and (focused is widget or widget.isAncestorOf(focused))


def install_wheel_guard(app: QApplication) -> WheelGuard:
    """Install the guard on ``app`` (once); the application keeps it alive."""
    existing = app.findChild(WheelGuard)
    if existing is not None:
        return existing
    guard = WheelGuard(app)
    app.installEventFilter(guard)
    return guard
