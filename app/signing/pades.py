"""PAdES signatures on sealed PDFs (pyHanko), and their verification.

:func:`sign_pdf` appends an invisible certification signature (field
``CounterDeskSeal``, SHA-256, ``ETSI.CAdES.detached``, no changes allowed afterwards)
as an incremental update, so any PDF reader shows whether the document changed after
sealing. :func:`verify_pdf_signature` says whether it did, without ever raising.

Determinism. pyHanko (checked with 0.38) does not produce the same bytes twice by
itself: the signature dictionary's /M is the wall-clock time, the trailer's second
/ID element is ``os.urandom(16)``, and the /Info /ModDate is set to "now". Here /M
comes from ``signing_time`` (a public hook: ``PdfSigner.init_signing_session``), and
the /ID and /ModDate are fixed through two pyHanko internals
(``IncrementalPdfFileWriter._document_id`` and ``_update_meta``); RSA PKCS#1 v1.5
signatures are deterministic. So the same PDF, key, certificate, reason, location and
signing time give the same bytes -- with the same pyHanko version, since its name and
version go into /Producer, and only for PDFs without XMP metadata (reportlab's have
none; pyHanko stamps XMP dates with the clock). A re-print should therefore hand out the
signed bytes stored at sealing time and use re-signing only as a cross-check;
``tests/test_signing.py`` fails if a pyHanko upgrade breaks determinism.
"""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import algos as asn1_algos
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

from app.signing.keys import CertificateNotValidAt, check_signing_time

# cryptography 51 deprecates DSA and warns when a module imports its key classes, as
# pyHanko's signers do to recognise such keys (nothing here makes or reads one): the
# warning would be logged on every run's first signature, and fail the tests.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="DSA is deprecated", module=r"pyhanko\.")
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.pdf_utils.writer import BasePdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.general import SigningError, get_pyca_cryptography_hash
    from pyhanko.sign.signers.pdf_signer import PdfSigningSession
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext
    from pyhanko_certvalidator.registry import SimpleCertificateStore

SIGNATURE_FIELD_NAME = "CounterDeskSeal"

logger = logging.getLogger(__name__)


class SealSigningError(Exception):
    """pyHanko could not sign the PDF (malformed input, unusable key)."""


class SealCertificateNotValid(SealSigningError):
    """The signing time lies outside the seal certificate's validity: nothing is signed."""


@dataclass(frozen=True)
class SignatureCheck:
    """What :func:`verify_pdf_signature` found in a PDF.

    ``signed``: the PDF carries a CounterDesk seal signature. ``intact``: the bytes it
    covers are exactly those signed and the signature verifies with the certificate in
    it. ``covers_whole_file``: not one byte follows the signed revision.
    ``changed_after_signing``: a later revision (an incremental update) follows it, or
    pyHanko finds the document modified. Bytes after the signed revision that are no
    revision at all (a mail gateway's or a download's padding: newlines, NULs) leave
    ``covers_whole_file`` false but change nothing a reader shows, so they do not make
    the check fail; ``trailing_bytes`` counts them. ``signed_length`` is where the
    signed revision ends: ``pdf[:signed_length]`` are the bytes as sealed. ``trusted``:
    the signer's certificate is the trusted one given to the check. ``location`` is the
    signature's /Location (the sealing station). ``problem`` says in English, for logs,
    why a check failed.
    """

    signed: bool
    intact: bool
    covers_whole_file: bool
    trusted: bool = False
    changed_after_signing: bool = False
    signed_length: int | None = None
    trailing_bytes: int = 0
    signer_common_name: str | None = None
    signer_fingerprint: str | None = None  # SHA-256 of the signer's certificate, hex
    signing_time: datetime | None = None
    reason: str | None = None
    location: str | None = None
    problem: str | None = None

    @property
    def unchanged(self) -> bool:
        """Signed, intact and nothing added afterwards but inert trailing bytes."""
        return self.signed and self.intact and not self.changed_after_signing

    @property
    def valid(self) -> bool:
        """Signed by the trusted seal, unchanged, nothing added afterwards."""
        return self.unchanged and self.trusted


class _FixedTimeSigner(signers.PdfSigner):
    """A PdfSigner whose signing session uses the given time instead of the clock."""

    def __init__(
        self,
        signature_meta: signers.PdfSignatureMetadata,
        signer: signers.Signer,
        *,
        signing_time: datetime,
    ) -> None:
        super().__init__(signature_meta, signer)
        self._signing_time = signing_time

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        session.system_time = self._signing_time
        return session


class _LoadedKeySigner(signers.SimpleSigner):
    """Signs with the seal's already loaded key.

    pyHanko's SimpleSigner parses its key again for every raw signature, twice per PDF
    (a size-estimating dry run, then the real one), and each parse re-validates the
    RSA key: about 130 ms each, nine tenths of sealing a document. The key was checked
    when the key store loaded it.
    """

    def __init__(self, key: rsa.RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._key = key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        # PKCS#1 v1.5 only (see sign_pdf): deterministic, like SimpleSigner's own.
        return self._key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


class _FixedTimeWriter(IncrementalPdfFileWriter):
    """An incremental writer that stamps /ModDate with the signing time, not the clock."""

    def __init__(self, stream: io.BytesIO, *, modified_at: datetime) -> None:
        super().__init__(stream)
        self._modified_at = modified_at

    def _update_meta(self) -> None:
        super()._update_meta()
        if self._info is not None:
            self._info.get_object()["/ModDate"] = generic.pdf_date(self._modified_at)


def _asn1_certificate(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(
    pdf_bytes: bytes,
    key: rsa.RSAPrivateKey,
    cert: x509.Certificate,
    *,
    reason: str,
    location: str,
    signing_time: datetime,
) -> bytes:
    """``pdf_bytes`` with a PAdES certification signature by ``key`` appended.

    ``signing_time`` (timezone-aware; the seal use's time) becomes the signature's /M
    and the document's /ModDate. Identical arguments give identical bytes (see the
    module docstring for the limits). Raises :class:`SealSigningError` if pyHanko
    cannot read or sign the PDF, :class:`SealCertificateNotValid` (a SealSigningError)
    if ``signing_time`` is outside the certificate's validity.
    """
    if signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    try:
        check_signing_time(cert, signing_time)
    except CertificateNotValidAt as error:
        raise SealCertificateNotValid(str(error)) from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("seal keys are RSA: ECDSA signatures would make re-signing vary")
    signing_cert = _asn1_certificate(cert)
    signer = _LoadedKeySigner(
        key,
        signing_cert=signing_cert,
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs([signing_cert]),
        # PKCS#1 v1.5, not PSS: PSS salts every signature with random bytes.
        signature_mechanism=asn1_algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"}),
    )
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
        location=location,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    try:
        writer = _FixedTimeWriter(io.BytesIO(pdf_bytes), modified_at=signing_time)
        # The first /ID element is the original document's; the second must differ
        # from it for the new revision and is random in pyHanko. Derive it instead.
        first_id = writer.document_id[0]
        second_id = hashlib.sha256(
            b"CounterDesk seal revision\0"
            + pdf_bytes
            + signing_time.isoformat().encode()
            + signing_cert.dump()
        ).digest()[:16]
        writer._document_id = generic.ArrayObject(
            [generic.ByteStringObject(first_id), generic.ByteStringObject(second_id)]
        )
        signed = _FixedTimeSigner(metadata, signer, signing_time=signing_time).sign_pdf(writer)
    except (PdfError, SigningError, ValueError, KeyError, TypeError) as error:
        raise SealSigningError(f"cannot sign the PDF: {error}") from error
    return signed.getvalue()


def _find_seal_signature(reader: PdfFileReader) -> EmbeddedPdfSignature | None:
    for embedded in reader.embedded_signatures:
        if embedded.field_name == SIGNATURE_FIELD_NAME:
            return embedded
    return None


def verify_pdf_signature(
    pdf_bytes: bytes, trusted_cert: x509.Certificate | None = None
) -> SignatureCheck:
    """Check the CounterDesk seal signature in ``pdf_bytes``; never raises.

    With ``trusted_cert`` (the seal's certificate) the signer must be that certificate
    for ``trusted``. Without it the signature is checked against the certificate it
    carries: ``intact`` then proves the bytes are as that key signed them, not whose
    key it was. Nothing is fetched from the network. Certificate validity is judged at
    the signature's own signing time, so a document stays verifiable after the seal's
    certificate has expired.
    """
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = _find_seal_signature(reader)
    except Exception as error:  # any unreadable file is "not intact", never an error
        return SignatureCheck(
            signed=False, intact=False, covers_whole_file=False, problem=f"unreadable: {error}"
        )
    if embedded is None:
        return SignatureCheck(
            signed=False,
            intact=False,
            covers_whole_file=False,
            problem="no CounterDesk seal signature",
        )
    try:
        signer_cert = embedded.signer_cert
        reason = embedded.sig_object.get("/Reason")
        location = embedded.sig_object.get("/Location")
        byte_range = [int(x) for x in embedded.sig_object["/ByteRange"]]
        signed_length = byte_range[2] + byte_range[3]
        later_revisions = reader.xrefs.total_revisions - 1 - embedded.signed_revision
        signing_time = embedded.self_reported_timestamp
        anchor = (
            asn1_x509.Certificate.load(trusted_cert.public_bytes(serialization.Encoding.DER))
            if trusted_cert is not None
            else signer_cert
        )
        context = ValidationContext(trust_roots=[anchor], allow_fetching=False, moment=signing_time)
        status = validate_pdf_signature(embedded, signer_validation_context=context)
    except Exception as error:  # a damaged signature is "not intact"
        logger.info("seal signature could not be validated", exc_info=True)
        return SignatureCheck(
            signed=True, intact=False, covers_whole_file=False, problem=f"damaged: {error}"
        )
    intact = bool(status.intact and status.valid)
    covers_whole_file = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    changed = not covers_whole_file and (
        status.coverage != SignatureCoverageLevel.ENTIRE_REVISION
        or later_revisions > 0
        or status.modification_level is not ModificationLevel.NONE
    )
    trusted = trusted_cert is not None and bool(status.trusted)
    problems = []
    if not intact:
        problems.append("the signed bytes were changed")
    if changed:
        problems.append("content was added after signing")
    if trusted_cert is not None and not trusted:
        problems.append("not signed by the trusted seal certificate")
    return SignatureCheck(
        signed=True,
        intact=intact,
        covers_whole_file=covers_whole_file,
        trusted=trusted,
        changed_after_signing=changed,
        signed_length=signed_length,
        trailing_bytes=max(len(pdf_bytes) - signed_length, 0),
        signer_common_name=status.signing_cert.subject.native.get("common_name"),
        signer_fingerprint=hashlib.sha256(status.signing_cert.dump()).hexdigest(),
        signing_time=signing_time,
        reason=str(reason) if reason is not None else None,
        location=str(location) if location is not None else None,
        problem="; ".join(problems) or None,
    )
