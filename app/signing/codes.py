"""The verification code (核验码) of a sealed document: a MAC made with the seal's key.

The code printed under the QR code, and carried in the QR code's URL, must not be
something anyone can recompute from what the paper shows (the old code was a hash
prefix of the document's content, which it was). It is an HMAC-SHA256, cut to 80 bits,
of the document's identity as the seal usage record states it: the document's id (the
seal use's id), the seal, the case number, the kind, the 文号 and the time of sealing.
The HMAC key is derived from the seal's private RSA key (HKDF), so only the holder of
that key can make a code, and the same key always gives the same code: a re-print is
byte-identical.

Who checks a code: a station holding the seal's key recomputes it
(:func:`code_matches`); the county server, which never holds a seal's key, compares the
code presented by a scanned QR with the one the sealing station recorded in its
``SEALED`` event. A code made with any other key, or none, matches neither.

16 characters of base32 (RFC 4648, ``A-Z2-7``: no 0/O or 1/I to misread), printed in
fours: ``K7QM-XD4R-2TNB-W6HA``.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # cryptography loads with the first code, not at the program's start
    from cryptography.hazmat.primitives.asymmetric import rsa

CODE_BYTES = 10  # 80 bits: 16 base32 characters, no padding
_KEY_INFO = b"CounterDesk verification-code key v2"
_MESSAGE_VERSION = "counterdesk-verification-code/2"


@dataclass(frozen=True, kw_only=True)
class DocumentIdentity:
    """What a verification code vouches for: the seal use, as the ledger records it."""

    document_id: str
    """The seal use's id: the document's id on the county server's verification page."""
    seal_id: str
    case_number: str
    document_kind: str
    document_number: str
    sealed_at: datetime

    def message(self) -> bytes:
        """The MACed bytes: each field on its own, NUL-separated, the time in UTC."""
        if self.sealed_at.tzinfo is None:
            raise ValueError("sealed_at must be timezone-aware")
        moment = self.sealed_at.astimezone(UTC).replace(microsecond=0).isoformat()
        fields = (_MESSAGE_VERSION, self.document_id, self.seal_id, self.case_number,
                  self.document_kind, self.document_number, moment)
        if any("\0" in field for field in fields):
            raise ValueError("a document identity field contains NUL")
        return "\0".join(fields).encode("utf-8")


def _mac_key(key: rsa.RSAPrivateKey) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    secret = key.private_numbers().d
    material = secret.to_bytes((secret.bit_length() + 7) // 8, "big")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_INFO).derive(material)


def format_code(raw: bytes) -> str:
    """``XXXX-XXXX-XXXX-XXXX`` from the 10 MAC bytes."""
    text = base64.b32encode(raw[:CODE_BYTES]).decode("ascii")
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def normalise_code(code: str) -> str:
    """A code as typed or scanned, without separators or spaces, upper case."""
    return "".join(c for c in code.upper() if c not in "- \t")


def verification_code(key: rsa.RSAPrivateKey, identity: DocumentIdentity) -> str:
    """The code only the holder of the seal's ``key`` can make for ``identity``."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("seal keys are RSA")
    return format_code(hmac.new(_mac_key(key), identity.message(), sha256).digest())


def code_matches(key: rsa.RSAPrivateKey, identity: DocumentIdentity, code: str) -> bool:
    """Whether ``code`` is the seal key's code for ``identity`` (constant-time)."""
    expected = normalise_code(verification_code(key, identity))
    return hmac.compare_digest(expected.encode("ascii"), normalise_code(code).encode("utf-8"))


def codes_equal(recorded: str, presented: str) -> bool:
    """Compare a recorded code with a presented one (constant-time, separators ignored)."""
    return bool(recorded) and hmac.compare_digest(
        normalise_code(recorded).encode("utf-8"), normalise_code(presented).encode("utf-8")
    )
