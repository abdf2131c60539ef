"""Logging: rotating files in the per-user log folder, with no personal numbers in them.

One line per event::

    2026-11-23 09:14:02,117 INFO user=clerk_scj station=XZ01 app.services.cases: 受理 ...

``user`` and ``station`` come from :func:`set_log_identity` (the logged-in clerk, set once
at login for the whole process, worker threads included) or from :func:`log_context`
(a scoped override, e.g. the command line or the sync engine). Every record passes
:class:`RedactingFilter` before it is written: 18-character resident ID numbers and
11-digit mobile numbers, in the message, its arguments and any traceback, become
``[身份证号]`` and ``[手机号]``, so neither ever reaches the disk.

A crash (an exception nobody caught) is written to the log with its traceback by the
hook :func:`install_excepthook` installs, and the user is told, in Chinese, where the
log file is, instead of the program vanishing.
"""

from __future__ import annotations

import contextvars
import logging
import logging.handlers
import re
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

APP_NAME = "CounterDesk"
LOG_FILE_NAME = "counterdesk.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
LOG_FORMAT = "%(asctime)s %(levelname)s user=%(user)s station=%(station)s %(name)s: %(message)s"
NOBODY = "-"

# GB 11643 resident ID: 6-digit region, 8-digit birth date, 3-digit order, check digit or X;
# spaces or hyphens between the groups are tolerated, as people type them.
ID_NUMBER = re.compile(r"(?<![0-9])\d{6}[ -]?\d{8}[ -]?\d{3}[0-9Xx](?![0-9])")
# Mainland mobile numbers, optionally with +86 and 3-4-4 grouping.
MOBILE_NUMBER = re.compile(r"(?<![0-9])(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
ID_MASK = "[身份证号]"
MOBILE_MASK = "[手机号]"

_context_user: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "counterdesk_log_user", default=None
)
_context_station: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "counterdesk_log_station", default=None
)
# The process-wide identity: one clerk works at one counter PC. Worker threads do not
# inherit context variables, so the login sets this rather than a context variable.
_identity = {"user": NOBODY, "station": NOBODY}
_state: dict[str, logging.Handler | Path | None] = {"handler": None, "file": None}


def redact(text: str) -> str:
    """``text`` with every ID number and mobile number replaced by a placeholder."""
    return MOBILE_NUMBER.sub(MOBILE_MASK, ID_NUMBER.sub(ID_MASK, text))


def set_log_identity(*, user: str | None = None, station: str | None = None) -> None:
    """Who works at this program now (the login sets it; ``None`` clears it)."""
    _identity["user"] = user or NOBODY
    _identity["station"] = station or NOBODY


@contextmanager
def log_context(*, user: str | None = None, station: str | None = None) -> Iterator[None]:
    """Within the block, log lines of this thread (or task) carry ``user`` and ``station``."""
    user_token = _context_user.set(user) if user is not None else None
    station_token = _context_station.set(station) if station is not None else None
    try:
        yield
    finally:
        if station_token is not None:
            _context_station.reset(station_token)
        if user_token is not None:
            _context_user.reset(user_token)


class ContextFilter(logging.Filter):
    """Adds ``user`` and ``station`` to every record (scoped context, else the login's)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.user = _context_user.get() or _identity["user"]
        record.station = _context_station.get() or _identity["station"]
        return True


class RedactingFilter(logging.Filter):
    """Removes ID and mobile numbers from the message, its arguments and its traceback.

    The message is formatted here (``msg % args``) and the result replaces both, so a
    number passed as an argument is caught too; a traceback is formatted once, redacted,
    and left in ``exc_text`` where every formatter takes it from. Newlines in a message
    are escaped so that one event stays one line.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the event
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message).replace("\r", "\\r").replace("\n", " ⏎ ")
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_format_exception(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def _format_exception(exc_info: object) -> str:
    return logging.Formatter().formatException(exc_info)  # type: ignore[arg-type]


def default_log_dir() -> Path:
    """The per-user log folder (``%LOCALAPPDATA%\\CounterDesk\\Logs``, ``~/.local/state/...``)."""
    from platformdirs import user_log_dir

    return Path(user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path | None:
    """The file :func:`setup_logging` writes to, or None before it was called."""
    current = _state["file"]
    return current if isinstance(current, Path) else None


def setup_logging(
    log_dir: Path | None = None,
    *,
    level: int = logging.INFO,
    max_bytes: int = MAX_BYTES,
    backup_count: int = BACKUP_COUNT,
) -> Path:
    """Send every log record of the program to a rotating file; returns the file's path.

    Calling it again replaces the handler (tests, or a changed folder). The file keeps
    ``backup_count`` older generations of at most ``max_bytes`` each.
    """
    folder = Path(log_dir) if log_dir is not None else default_log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.addFilter(ContextFilter())
    handler.addFilter(RedactingFilter())
    handler.set_name("counterdesk-file")
    root = logging.getLogger()
    previous = _state["handler"]
    if isinstance(previous, logging.Handler):
        root.removeHandler(previous)
        previous.close()
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)
    _state["handler"] = handler
    _state["file"] = path
    return path


def shutdown_logging() -> None:
    """Remove and close the file handler :func:`setup_logging` installed."""
    previous = _state["handler"]
    if isinstance(previous, logging.Handler):
        logging.getLogger().removeHandler(previous)
        previous.close()
    _state["handler"] = None
    _state["file"] = None


def crash_message(path: Path | None) -> str:
    """What the user reads after a crash: what happened and where the log is."""
    where = str(path) if path is not None else "（日志尚未启用）"
    return (
        "程序遇到意外错误，当前操作可能没有完成。\n"
        f"错误详情已记录在日志文件：\n{where}\n"
        "请将该文件发送给县中心信息技术人员。已保存的办件数据不受影响。"
    )


ShowFunction = Callable[[str], None]


def install_excepthook(show: ShowFunction | None = None) -> Callable[..., None]:
    """Log every uncaught exception (main thread and worker threads) and tell the user.

    ``show`` receives :func:`crash_message`; the desktop program passes a function that
    opens a QMessageBox. ``show`` is called on the thread that crashed (PyQt6 also routes
    exceptions raised in a QRunnable through ``sys.excepthook``), so a Qt ``show`` must
    hand the message to the GUI thread, e.g. by emitting a signal of a QObject that lives
    there. With a custom ``sys.excepthook`` installed, PyQt6 reports an exception raised
    in a slot through it and keeps running instead of aborting.
    Returns the hook (``sys.excepthook``) that was installed.
    """
    log = logging.getLogger("app.crash")

    def _hook(
        exc_type: type[BaseException],
        exc_value: BaseException,
        exc_traceback: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc_value, exc_traceback)
            return
        log.critical("未处理的异常：%s", exc_type.__name__,
                     exc_info=(exc_type, exc_value, exc_traceback))
        if log_file() is None:
            # Nowhere else to put it: at least the console gets the traceback.
            traceback.print_exception(exc_type, exc_value, exc_traceback)
        if show is not None:
            try:
                show(crash_message(log_file()))
            except Exception:  # the dialog itself failed (no display): the log has it
                log.exception("无法显示错误提示")

    def _thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None:
            return
        _hook(args.exc_type, args.exc_value, args.exc_traceback)

    sys.excepthook = _hook
    threading.excepthook = _thread_hook
    return _hook
