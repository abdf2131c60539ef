"""The hall's queue-ticket system (叫号), through a small HTTP adapter.

Halls buy their queue systems from many vendors; CounterDesk speaks one small protocol
and a vendor's system (or a few lines of bridge beside it) answers it:

``POST {queue_url}/windows/{window}/next``
    Call the next ticket waiting for this window. Answers ``200`` with
    ``{"ticket": "A023", "window": "3"}`` (the number called and the window the hall's
    screens send the applicant to), or ``204`` when nobody is waiting. Any other answer
    is an error; its body's ``"message"`` is shown if present.

The adapter waits at most :data:`TIMEOUT_SECONDS`; a hall system that does not answer
never holds the counter up — the clerk calls by voice and goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from app.devices import DeviceError
from app.domain.queue_ticket import TICKET_RE

if TYPE_CHECKING:
    import requests

TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class Ticket:
    """A ticket called to a window."""

    number: str
    window: str

    @property
    def call_text(self) -> str:
        """What the applicant's screen says: "请 A023 号到 3 号窗口"."""
        window = self.window.removesuffix("号窗口").removesuffix("窗口")
        return f"请 {self.number} 号到 {window} 号窗口"


class HttpQueue:
    """The hall's queue system at ``base_url``, calling for ``window``."""

    def __init__(self, base_url: str, window: str, *,
                 session: requests.Session | None = None) -> None:
        import requests  # only a counter with a queue system needs the HTTP stack

        self.base_url = base_url.rstrip("/")
        self.window = window
        self.session = session or requests.Session()

    def call_next(self) -> Ticket | None:
        """The next ticket for this window, or None when nobody is waiting."""
        import requests

        url = f"{self.base_url}/windows/{quote(self.window, safe='')}/next"
        try:
            response = self.session.post(url, timeout=TIMEOUT_SECONDS)
        except requests.RequestException:
            raise DeviceError("queue_unreachable",
                              "叫号系统无响应，请口头叫号；稍后再试“下一位”。") from None
        if response.status_code == 204:
            return None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body, dict):
            message = body.get("message", "") if isinstance(body, dict) else ""
            raise DeviceError("queue_refused",
                              f"叫号系统拒绝了请求（{response.status_code}）{message}".rstrip()
                              + "。")
        number = str(body.get("ticket", "")).strip().upper()
        if not TICKET_RE.match(number):
            raise DeviceError("queue_bad_answer", "叫号系统返回的号码无法识别。")
        return Ticket(number, str(body.get("window", "") or self.window))


def make_queue(base_url: str, window: str) -> HttpQueue | None:
    """The queue adapter when the settings name a queue system, else None."""
    if not base_url or not window:
        return None
    return HttpQueue(base_url, window)
