"""Cryptographic signatures on sealed documents: a key per seal, PAdES sign and verify.

Below the services, beside the store: it knows nothing of cases or of the domain's
seal record, only bytes, keys, certificates and times.
"""

from __future__ import annotations

from typing import Any

from app.signing.keys import (
    KEYRING_SERVICE,
    CertificateNotValidAt,
    FileSealKeyStore,
    KeyringSealKeyStore,
    SealKeyError,
    SealKeyExists,
    SealKeyPair,
    SealKeyStore,
    certificate_fingerprint,
    check_signing_time,
    ensure_seal_key,
    generate_seal_key,
    make_seal_certificate,
)

# pyHanko (with aiohttp) takes 0.3 s to import: the PAdES half loads on first use, so
# opening the program, which needs only the key stores, does not pay for it.
_PADES_NAMES = frozenset({"SIGNATURE_FIELD_NAME", "SealCertificateNotValid", "SealSigningError",
                          "SignatureCheck", "sign_pdf", "verify_pdf_signature"})


def __getattr__(name: str) -> Any:
    if name in _PADES_NAMES:
        from app.signing import pades

        return getattr(pades, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "KEYRING_SERVICE",
    "SIGNATURE_FIELD_NAME",
    "CertificateNotValidAt",
    "FileSealKeyStore",
    "KeyringSealKeyStore",
    "SealKeyError",
    "SealKeyExists",
    "SealKeyPair",
    "SealCertificateNotValid",
    "SealKeyStore",
    "SealSigningError",
    "SignatureCheck",
    "certificate_fingerprint",
    "check_signing_time",
    "ensure_seal_key",
    "generate_seal_key",
    "make_seal_certificate",
    "sign_pdf",
    "verify_pdf_signature",
]
