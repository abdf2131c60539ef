"""Calling the next applicant from the hall's queue system (``app.devices.queue``)."""

from __future__ import annotations

from app.devices import DeviceError
from app.devices.queue import HttpQueue, Ticket


def call_next(queue: HttpQueue | None) -> Ticket | None:
    """The next ticket for this window, None when nobody waits; DeviceError when the
    queue system is absent or does not answer."""
    if queue is None:
        raise DeviceError("queue_not_configured", "本窗口未接入叫号系统。")
    return queue.call_next()
