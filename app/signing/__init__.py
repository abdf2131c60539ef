"""Cryptographic signatures on sealed documents: a key per seal, PAdES sign and verify.

Below the services, beside the store: it knows nothing of cases or of the domain's
seal record, only bytes, keys, certificates and times.
"""

from __future__ import annotations

from app.signing.keys import (
    KEYRING_SERVICE,
    FileSealKeyStore,
    KeyringSealKeyStore,
    SealKeyError,
    SealKeyExists,
    SealKeyPair,
    SealKeyStore,
    certificate_fingerprint,
    ensure_seal_key,
    generate_seal_key,
    make_seal_certificate,
)
from app.signing.pades import (
    SIGNATURE_FIELD_NAME,
    SealSigningError,
    SignatureCheck,
    sign_pdf,
    verify_pdf_signature,
)

__all__ = [
    "KEYRING_SERVICE",
    "SIGNATURE_FIELD_NAME",
    "FileSealKeyStore",
    "KeyringSealKeyStore",
    "SealKeyError",
    "SealKeyExists",
    "SealKeyPair",
    "SealKeyStore",
    "SealSigningError",
    "SignatureCheck",
    "certificate_fingerprint",
    "ensure_seal_key",
    "generate_seal_key",
    "make_seal_certificate",
    "sign_pdf",
    "verify_pdf_signature",
]
