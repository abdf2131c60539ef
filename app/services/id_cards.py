"""Reading the applicant's ID card at the counter, and keeping its photo with the case.

The reader (``app.devices.id_card_reader``) is chosen by the composition root from the
settings; these functions run it in the background and store the photo in the
profile's content-addressed attachments folder, from where the case's registration
records it (:func:`app.services.cases.register_case` with ``id_card=``) and sync
uploads it like a scan.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from app.devices import DeviceError
from app.devices.id_card_reader import IdCardReader
from app.domain.id_card import IdCard
from app.services.context import local_date, utc_now
from app.services.scans import keep_scan


def read_card(reader: IdCardReader | None, *, now: datetime | None = None) -> IdCard:
    """The card on the reader now, checked against the number and today's date.

    Raises :class:`DeviceError` (no reader, no card, a failed or interrupted read) or a
    ValidationError (a card whose data does not hold together, an expired card).
    """
    if reader is None:
        raise DeviceError("reader_not_configured", "本机未配置身份证阅读器，请手工录入。")
    try:
        return reader.read(today=local_date(now or utc_now()))
    except OSError as error:  # the SDK's own I/O, surfacing through ctypes
        raise DeviceError("read_failed", f"读卡失败：{error}。请重新读卡或手工录入。") from None


def keep_photo(data_dir: Path, card: IdCard) -> dict[str, Any]:
    """Store the card's photo in the profile's attachments folder by its SHA-256 and
    return the attachment's description for the registration."""
    kept = keep_scan(data_dir, card.photo, name=f"身份证照片-{card.id_number[-4:]}.bmp")
    return {"name": kept["name"], "sha256": kept["sha256"], "size": kept["size"],
            "mime_type": "image/bmp"}


def card_registration(card: IdCard, photo: dict[str, Any] | None) -> dict[str, Any]:
    """What ``register_case(id_card=...)`` records: the card's facts and its photo."""
    return {**card.facts(), "photo": photo}
