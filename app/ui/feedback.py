"""Telling the clerk what happened: an inline message bar and errors next to fields.

A refusal from the services is a :class:`DomainError` with a Chinese sentence and
the name of the field it is about; :class:`FieldErrors` puts the sentence under that
field and marks it, and everything else goes into the page's :class:`MessageBar`.
Nothing here blocks: no modal ``exec()`` for a routine message.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from app.domain.errors import DomainError
from app.ui.tasks import describe_unexpected


def restyle(widget: QWidget) -> None:
    """Re-apply the style sheet after a dynamic property changed."""
    style = widget.style()
    if style is not None:
        style.unpolish(widget)
        style.polish(widget)
    widget.update()


class MessageBar(QWidget):
    """A one-line banner at the top of a page: info, success, warning or error."""

    linkActivated = pyqtSignal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setProperty("level", "info")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 6, 6)
        self.label = QLabel(self)
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.close_button = QPushButton("×", self)
        self.close_button.setObjectName("messageClose")
        self.close_button.setFlat(True)
        self.close_button.setFixedWidth(28)
        self.close_button.setToolTip(self.tr("关闭提示"))
        layout.addWidget(self.label)
        layout.addWidget(self.close_button)
        self.hide()
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.close_button.clicked.connect(self.hide)
        self.label.linkActivated.connect(self.linkActivated)

    @property
    def text(self) -> str:
        return self.label.text()

    @property
    def level(self) -> str:
        return str(self.property("level"))

    def show_message(self, text: str, level: str = "info", *, timeout_ms: int = 0) -> None:
        self.setProperty("level", level)
        self.label.setText(text)
        restyle(self)
        self.show()
        if timeout_ms:
            shown = text
            QTimer.singleShot(timeout_ms, lambda: self.hide() if self.text == shown else None)

    def info(self, text: str) -> None:
        self.show_message(text, "info")

    def success(self, text: str) -> None:
        self.show_message(text, "success")

    def warning(self, text: str) -> None:
        self.show_message(text, "warning")

    def error(self, text: str) -> None:
        self.show_message(text, "error")

    def show_error(self, error: BaseException) -> None:
        if isinstance(error, DomainError):
            self.error(error.message)
        else:
            self.error(describe_unexpected(error))


class FieldErrors:
    """Error labels beside the fields of a form, keyed by the services' field names.

    A field's error goes as soon as the user changes the field (it comes back on the
    next submit if still wrong); the banner that summed the errors up goes with the last.
    """

    def __init__(self) -> None:
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        self._bar: MessageBar | None = None
        self._reported = ""  # the banner text these errors put up

    def add(self, name: str, widget: QWidget, label: QLabel) -> None:
        label.setObjectName(f"{widget.objectName() or name}Error")
        label.setProperty("role", "fieldError")
        label.setWordWrap(True)
        label.hide()
        self._fields[name] = (widget, label)
        self._clear_when_changed(name, widget)

    def alias(self, name: str, shown_as: str) -> None:
        """Show the service's errors about ``name`` where field ``shown_as`` shows its own
        (e.g. ``roles`` under the first role box): one label in the layout, never a
        second one floating over the form."""
        self._fields[name] = self._fields[shown_as]

    def _clear_when_changed(self, name: str, widget: QWidget) -> None:
        def changed(*_args: object) -> None:
            self.field_changed(name)

        if isinstance(widget, QLineEdit):
            widget.textEdited.connect(changed)
        elif isinstance(widget, QPlainTextEdit):
            widget.textChanged.connect(changed)
        elif isinstance(widget, QComboBox):
            widget.activated.connect(changed)
        elif isinstance(widget, QAbstractButton):
            widget.toggled.connect(changed)
        elif isinstance(widget, QAbstractSpinBox):
            widget.editingFinished.connect(changed)

    def field_changed(self, name: str) -> None:
        """The user changed field ``name``: its error goes (and the banner with the last)."""
        entry = self._fields.get(name)
        if entry is None or not entry[1].text():
            return
        self.clear(name)
        bar = self._bar
        if (not self.has_errors() and bar is not None and self._reported
                and bar.level == "error" and bar.text == self._reported):
            bar.hide()

    def report(self, bar: MessageBar, message: str) -> None:
        """Sum the marked errors up in ``bar``; it goes once every field is fixed."""
        self._bar, self._reported = bar, message
        bar.error(message)

    def widget(self, name: str) -> QWidget | None:
        entry = self._fields.get(name)
        return entry[0] if entry else None

    def label(self, name: str) -> QLabel | None:
        entry = self._fields.get(name)
        return entry[1] if entry else None

    def set_error(self, name: str, message: str) -> bool:
        """Show ``message`` under field ``name``; False when the form has no such field."""
        entry = self._fields.get(name)
        if entry is None:
            return False
        widget, label = entry
        label.setText(message)
        label.show()
        widget.setProperty("invalid", True)
        restyle(widget)
        return True

    def clear(self, name: str | None = None) -> None:
        names = [name] if name is not None else list(self._fields)
        for key in names:
            entry = self._fields.get(key)
            if entry is None:
                continue
            widget, label = entry
            label.clear()
            label.hide()
            if widget.property("invalid"):
                widget.setProperty("invalid", False)
                restyle(widget)

    def has_errors(self) -> bool:
        return any(label.text() for _, label in self._fields.values())

    def errors(self) -> dict[str, str]:
        return {name: label.text() for name, (_, label) in self._fields.items() if label.text()}

    def show_domain_error(self, error: DomainError, bar: MessageBar | None = None) -> None:
        """Put the error by its field (and focus it); otherwise into the message bar."""
        if error.field and self.set_error(error.field, error.message):
            widget = self.widget(error.field)
            if widget is not None:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
            if bar is not None:
                self.report(bar, error.message)
            return
        if bar is not None:
            bar.error(error.message)


def show_unexpected(parent: QWidget | None, message: str, log_dir: str = "") -> QMessageBox:
    """A window-modal, non-blocking box for an error nobody planned for."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Critical)
    box.setWindowTitle("CounterDesk")
    text = message
    if log_dir:
        text += f"\n\n详细记录已写入日志：{log_dir}"
    box.setText(text)
    box.setObjectName("unexpectedErrorBox")
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    box.open()
    return box
