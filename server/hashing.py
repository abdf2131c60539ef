"""Hashes the server keeps instead of secrets, and content hashes for idempotency."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from app.domain.audit import canonical_json
from app.domain.events import Event

# Enrollment codes are typed by a person: no 0/O, 1/I/L look-alikes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def secret_hash(secret: str) -> str:
    """SHA-256 of a high-entropy secret (credentials, enrollment codes).

    A fast hash is enough here: the secrets are long random strings, not passwords.
    """
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def content_hash(data: Any) -> str:
    """SHA-256 of the canonical JSON of ``data``."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def event_content_hash(event: Event, *, payload_text: str | None = None) -> str:
    """``content_hash(event.to_dict())``, from the domain's canonical text of the event
    (the same text, written out without building the dict first); ``payload_text`` is
    ``canonical_json(event.payload)`` where the caller has made it already."""
    text = event.canonical(payload_text=payload_text)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def new_enrollment_code() -> str:
    """``ABCD-EFGH-JKMN-PQRS``: 16 characters from a 31-letter alphabet (~79 bits)."""
    chars = "".join(secrets.choice(CODE_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalise_enrollment_code(code: str) -> str:
    """Accept the code as typed: any case, with or without dashes and spaces."""
    chars = "".join(c for c in code.upper() if c.isalnum())
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))
