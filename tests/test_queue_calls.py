"""叫号: the HTTP adapter against a tiny queue server started here, the ticket on the case
and the call on the applicant's screen; no queue system, no button."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PyQt6.QtCore import Qt
from PyQt6.QtGui import QGuiApplication
from PyQt6.QtWidgets import QPushButton

from app.devices import DeviceError
from app.devices.queue import HttpQueue, make_queue
from app.forms.applicant_screen import open_applicant_screen
from app.forms.registration import RegistrationPage
from app.services import cases
from tests import test_ui_support
from tests.device_fixtures import accept_on_page
from tests.test_ui_support import find, type_into, wait_idle

gui_profile = test_ui_support.gui_profile


class QueueHall:
    """A queue system with tickets waiting; records what the counter asked."""

    def __init__(self, waiting: list[str]) -> None:
        self.waiting = list(waiting)
        self.requests: list[str] = []
        self.status = 200
        hall = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                hall.requests.append(self.path)
                if hall.status != 200:
                    self._answer(hall.status, {"message": "窗口未登录"})
                elif not hall.waiting:
                    self.send_response(204)
                    self.end_headers()
                else:
                    window = self.path.split("/")[3]
                    self._answer(200, {"ticket": hall.waiting.pop(0), "window": window})

            def _answer(self, status: int, body: dict) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/queue"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


@pytest.fixture
def hall() -> Iterator[QueueHall]:
    hall = QueueHall(["A023", "A024"])
    hall.thread.start()
    yield hall
    hall.server.shutdown()
    hall.server.server_close()


def test_next_calls_this_windows_ticket(hall) -> None:
    ticket = HttpQueue(hall.url, "3").call_next()
    assert ticket is not None and ticket.number == "A023"
    assert ticket.call_text == "请 A023 号到 3 号窗口"
    assert hall.requests == ["/queue/windows/3/next"]


def test_nobody_waiting_is_none(hall) -> None:
    hall.waiting = []
    assert HttpQueue(hall.url, "3").call_next() is None


def test_a_refusal_says_so_with_the_halls_reason(hall) -> None:
    hall.status = 409
    with pytest.raises(DeviceError) as raised:
        HttpQueue(hall.url, "3").call_next()
    assert raised.value.code == "queue_refused" and "窗口未登录" in raised.value.message


def test_a_queue_system_that_is_down_is_a_message() -> None:
    with pytest.raises(DeviceError) as raised:
        HttpQueue("http://127.0.0.1:9/queue", "3").call_next()
    assert raised.value.code == "queue_unreachable"


def test_no_queue_system_configured_means_no_adapter() -> None:
    assert make_queue("", "3") is None and make_queue("http://x", "") is None


@pytest.mark.gui
@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")
def test_next_shows_the_ticket_on_the_screen_and_keeps_it_on_the_case(
        qtbot, gui_profile, hall) -> None:
    context = gui_profile.context(gui_profile.staff.clerk, queue=HttpQueue(hall.url, "3"))
    page = RegistrationPage(context)
    qtbot.addWidget(page)
    page.show()
    page.activate()
    wait_idle(qtbot, context)
    screen = open_applicant_screen(context, page, screen=QGuiApplication.primaryScreen(),
                                   full_screen=False)
    qtbot.addWidget(screen)
    qtbot.mouseClick(find(page, QPushButton, "nextTicketButton"), Qt.MouseButton.LeftButton)
    wait_idle(qtbot, context)
    assert "A023" in page.queue_bar.ticket_label.text()
    assert screen.call_label.text() == "请 A023 号到 3 号窗口"
    type_into(qtbot, page.picker.search_edit, "gtgshdj")
    qtbot.waitUntil(lambda: page.picker.matter is not None)
    outcome = accept_on_page(qtbot, page, name="张三", id_number="11010519491231002X")
    assert cases.get_case(gui_profile.runtime.uow, outcome.case.id).queue_ticket == "A023"
    assert page.queue_bar.ticket_label.text() == ""  # the next applicant has no ticket yet


@pytest.mark.gui
@pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints\(\)")
def test_without_a_queue_system_there_is_no_next_button(qtbot, gui_profile) -> None:
    page = RegistrationPage(gui_profile.context(gui_profile.staff.clerk))
    qtbot.addWidget(page)
    page.show()
    assert not find(page, QPushButton, "nextTicketButton").isVisible()
