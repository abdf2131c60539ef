"""The devices on the counter, behind small driver interfaces: no Qt, no database.

Each module is one kind of device (the ID card reader, the hall's queue system); the
composition root picks the adapter the settings name, and the screens only see the
interface. A missing or failing device raises :class:`DeviceError` with a Chinese
message; the clerk then types what the device would have given.
"""

from __future__ import annotations

from app.domain.errors import DomainError


class DeviceError(DomainError):
    """A device is absent, unconfigured or failed: say so, the counter works on by hand."""
