"""The applicant's screen: a second window, full screen on the monitor facing the applicant.

While the clerk registers, it shows the matter and the materials as they are ticked
(received / still missing) and the promised time; once the outcome is recorded, the case
number, the promised date and the five 好差评 buttons, which the applicant presses —
recorded as the applicant's evaluation (``app.services.counter_screen``). After the
rating, or when the clerk clears the form or moves to the next applicant, it blanks to
the window's welcome: it never shows anything of another applicant, and never their
name or ID number. Without a screen configured (setting ``applicant_screen``) there is
no window; the receipt's QR code lets the applicant evaluate later.

:class:`ApplicantScreenLink` connects it to the registration page without the page
knowing about it.
"""

from __future__ import annotations

from html import escape

from PyQt6.QtCore import QObject, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QGuiApplication, QScreen
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.catalog import Matter
from app.services import counter_screen
from app.services.counter_screen import CaseSummary
from app.ui.context import AppContext

THANKS_MS = 8000  # how long the thank-you stays before the screen blanks
_RATING_COLOURS = ("#1e8449", "#27ae60", "#7f8c8d", "#d35400", "#c0392b")


def chosen_screen(number: int) -> QScreen | None:
    """The screen the settings chose (counted from 1), or None when none or absent."""
    screens = QGuiApplication.screens()
    if number < 1 or number > len(screens):
        return None
    return screens[number - 1]


class ApplicantScreen(QWidget):
    """The window the applicant sees; it knows nothing but what it is told to show."""

    ratingChosen = pyqtSignal(str, str)  # case id, rating code

    def __init__(self, window_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window | Qt.WindowType.FramelessWindowHint)
        self.setObjectName("applicantScreen")
        self.setWindowTitle(self.tr("申请人评价屏"))
        self.setStyleSheet(
            "#applicantScreen { background: #f4f7fb; }"
            "QLabel { color: #1f2d3d; }"
            "#screenCallLabel { color: #b03a2e; font-size: 34pt; font-weight: bold; }"
            "#screenTitleLabel { font-size: 28pt; font-weight: bold; }"
            "#screenBodyLabel { font-size: 18pt; }"
            "#screenPromptLabel { font-size: 22pt; font-weight: bold; }"
            "QPushButton { font-size: 20pt; padding: 18px 10px; color: white; border: none;"
            " border-radius: 10px; min-width: 150px; }")
        self.window_name = window_name
        self.case_id = ""
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 40, 60, 40)
        layout.setSpacing(20)
        self.call_label = QLabel(self)
        self.call_label.setObjectName("screenCallLabel")
        self.call_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.call_label.hide()
        layout.addWidget(self.call_label)
        self.title_label = QLabel(self)
        self.title_label.setObjectName("screenTitleLabel")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label.setWordWrap(True)
        layout.addWidget(self.title_label)
        self.body_label = QLabel(self)
        self.body_label.setObjectName("screenBodyLabel")
        self.body_label.setWordWrap(True)
        self.body_label.setTextFormat(Qt.TextFormat.RichText)
        self.body_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.body_label, 1)
        self.prompt_label = QLabel(self.tr("请您对本次服务作出评价"), self)
        self.prompt_label.setObjectName("screenPromptLabel")
        self.prompt_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.prompt_label)
        row = QHBoxLayout()
        row.setSpacing(16)
        self.rating_buttons: dict[str, QPushButton] = {}
        for (code, label), colour in zip(counter_screen.RATINGS, _RATING_COLOURS, strict=True):
            button = QPushButton(label, self)
            button.setObjectName(f"rating_{code}")
            button.setStyleSheet(f"background: {colour};")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the clerk's keys never reach it
            button.clicked.connect(lambda _checked=False, c=code: self._on_rating_clicked(c))
            self.rating_buttons[code] = button
            row.addWidget(button)
        layout.addLayout(row)
        self._thanks_timer = QTimer(self)
        self._thanks_timer.setSingleShot(True)
        self._thanks_timer.setInterval(THANKS_MS)
        self._thanks_timer.timeout.connect(self.blank)
        self.blank()

    # --- what it shows ---------------------------------------------------------------

    def _set_rating_visible(self, visible: bool) -> None:
        self.prompt_label.setVisible(visible)
        for button in self.rating_buttons.values():
            button.setVisible(visible)
            button.setEnabled(visible)

    def blank(self) -> None:
        """The window's welcome, nothing of any applicant."""
        self._thanks_timer.stop()
        self.case_id = ""
        self.title_label.setText(self.tr("欢迎办理"))
        self.body_label.setText(f"<p style='font-size:24pt'>{escape(self.window_name)}</p>"
                                + self.tr("<p>请将身份证和申请材料交给窗口工作人员</p>"))
        self._set_rating_visible(False)

    def show_registration(self, matter: Matter | None, materials: list[tuple[str, bool]]) -> None:
        """The matter and the materials as the clerk ticks them, before the outcome."""
        self._thanks_timer.stop()
        self.case_id = ""
        if matter is None:
            self.blank()
            return
        days = (self.tr("即办件，当场办结") if matter.promised_working_days == 0 else
                self.tr("承诺办理时限：受理后{0}个工作日").format(matter.promised_working_days))
        self.title_label.setText(matter.name)
        self.body_label.setText(f"<p>{escape(days)}</p>" + _materials_html(
            [name for name, received in materials if received],
            [name for name, received in materials if not received], waiting=True))
        self._set_rating_visible(False)

    def show_outcome(self, summary: CaseSummary) -> None:
        """The case just handled, and the five buttons (once: a rated case is not asked)."""
        self._thanks_timer.stop()
        self.show_call("")  # the ticket called has been served
        self.case_id = summary.case_id
        self.title_label.setText(summary.matter_name)
        lines = [self.tr("办件编号：{0}").format(summary.number),
                 self.tr("办理状态：{0}").format(summary.outcome)]
        if summary.due is not None:
            lines.append(self.tr("承诺办结日期：{0:%Y年%m月%d日}").format(summary.due))
        body = "".join(f"<p>{escape(line)}</p>" for line in lines)
        body += _materials_html(list(summary.received), list(summary.missing), waiting=False)
        self.body_label.setText(body)
        self._set_rating_visible(not summary.evaluated)

    def show_thanks(self) -> None:
        self._set_rating_visible(False)
        self.title_label.setText(self.tr("感谢您的评价！"))
        self.body_label.setText(self.tr("<p>欢迎您监督我们的工作。</p>"))
        self.case_id = ""
        self._thanks_timer.start()

    def show_call(self, text: str) -> None:
        """The queue's call ("请 A023 号到 3 号窗口"); empty hides it."""
        self.call_label.setText(text)
        self.call_label.setVisible(bool(text))

    def _on_rating_clicked(self, code: str) -> None:
        if self.case_id:
            for button in self.rating_buttons.values():
                button.setEnabled(False)  # one press, one evaluation
            self.ratingChosen.emit(self.case_id, code)


def _materials_html(received: list[str], missing: list[str], *, waiting: bool) -> str:
    rows = [f"<tr><td style='color:#1e8449'>✔</td><td>{escape(n)}</td>"
            f"<td style='color:#1e8449'>已收取</td></tr>" for n in received]
    missing_word = "待提交" if waiting else "需补正"
    rows += [f"<tr><td style='color:#c0392b'>○</td><td>{escape(n)}</td>"
             f"<td style='color:#c0392b'>{missing_word}</td></tr>" for n in missing]
    if not rows:
        return ""
    return ("<table align='center' cellpadding='6' style='margin-top:12px'><tr><th colspan='3' align='left'>"
            "申请材料</th></tr>" + "".join(rows) + "</table>")


class ApplicantScreenLink(QObject):
    """Feeds the applicant's screen from the registration page, records the rating."""

    def __init__(self, context: AppContext, page: QWidget, screen: ApplicantScreen) -> None:
        super().__init__(page)
        self.context = context
        self.page = page
        self.screen = screen
        self._connect_signals()

    def _connect_signals(self) -> None:
        page = self.page
        page.picker.matterChosen.connect(self._on_page_changed)  # type: ignore[attr-defined]
        page.materials.materialsChanged.connect(self._on_page_changed)  # type: ignore[attr-defined]
        page.registered.connect(self._on_page_registered)  # type: ignore[attr-defined]
        page.applicant.name_edit.textEdited.connect(  # type: ignore[attr-defined]
            self._on_applicant_typed)
        page.card_panel.cardRead.connect(self._on_applicant_typed)  # type: ignore[attr-defined]
        page.queue_bar.called.connect(self._on_queue_called)  # type: ignore[attr-defined]
        self.screen.ratingChosen.connect(self._on_screen_rating_chosen)

    def _on_page_changed(self, *_args: object) -> None:
        if self.screen.case_id:
            return  # the last applicant is still rating; the next one's matter waits
        page = self.page
        rows = [(row.material.name, row.received_check.isChecked())
                for row in page.materials.rows]  # type: ignore[attr-defined]
        self.screen.show_registration(page.picker.matter, rows)  # type: ignore[attr-defined]

    def _on_applicant_typed(self, _value: object) -> None:
        # The clerk has begun the next applicant: the last one's case leaves the screen.
        if self.screen.case_id:
            self.screen.blank()
            self._on_page_changed()

    def _on_queue_called(self, ticket: object) -> None:
        # The next applicant is on the way: the last one's case leaves the screen.
        self.screen.blank()
        self.screen.show_call(str(getattr(ticket, "call_text", "")))

    def _on_page_registered(self, outcome: object) -> None:
        case = getattr(outcome, "case", None)
        if case is None:
            return
        uow = self.context.uow
        self.context.runner.run(lambda: counter_screen.case_summary(uow, case.id),
                                on_done=self.screen.show_outcome,
                                on_error=lambda _error: self.screen.blank())

    def _on_screen_rating_chosen(self, case_id: str, rating: str) -> None:
        uow, user = self.context.uow, self.context.user
        self.context.runner.run(
            lambda: counter_screen.record_screen_evaluation(uow, user, case_id, rating=rating),
            on_done=lambda _case: self.screen.show_thanks(),
            on_error=self._on_evaluation_failed)

    def _on_evaluation_failed(self, error: BaseException) -> None:
        self.screen.blank()
        self.page.message_bar.show_error(error)  # type: ignore[attr-defined]


def open_applicant_screen(context: AppContext, page: QWidget, *,
                          screen: QScreen | None = None, full_screen: bool = True
                          ) -> ApplicantScreen | None:
    """The applicant's window on the configured screen, linked to the registration page;
    None when no screen is configured or the chosen one is not connected."""
    if screen is None and context.settings is not None:
        screen = chosen_screen(int(context.settings.get("applicant_screen")))
    if screen is None:
        return None
    window = ApplicantScreen(context.user.window_name or context.station_name)
    window.setScreen(screen)
    window.setGeometry(screen.geometry())
    ApplicantScreenLink(context, page, window)
    if full_screen:
        window.showFullScreen()
    else:
        window.show()
    return window
