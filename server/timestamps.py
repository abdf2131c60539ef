"""RFC 3161 time-stamps of the sealed documents stations sync (issue 15): the time a
document existed then rests on the county server's clock, not the counter PC's alone.

The server is its own time-stamping authority: an RSA key and a certificate with the
critical timeStamping purpose, made once in its data folder (the first worker to start
makes them; the others read them). When a push brings a SEALED event, a token over the
signed PDF's SHA-256 is made in the same transaction and kept; the verification page
shows its time, and ``/v/{id}/timestamp.tsr`` hands out the token for ``openssl ts
-verify`` against the certificate at ``/v/tsa.pem``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from server.models import DocumentTimestamp, EventRow

log = logging.getLogger(__name__)

KEY_FILE = "tsa-key.pem"
CERT_FILE = "tsa-cert.pem"
AUTHORITY_NAME = "CounterDesk 县中心服务器时间戳服务"
VALIDITY = timedelta(days=3650)


@dataclass(frozen=True)
class TimeStampAuthority:
    """The server's key and certificate, and the stamper that signs tokens with them."""

    certificate_pem: bytes
    _stamper: object

    def token(self, sha256_hex: str, when: datetime | None = None) -> bytes:
        """A DER time-stamp token (RFC 3161 TimeStampToken) over the digest, stating
        ``when`` (UTC, to the microsecond; now if not given) as its time."""
        return self._stamper.token(  # type: ignore[attr-defined]
            bytes.fromhex(sha256_hex), when=when)


def _request(digest: bytes, nonce: int) -> tsp.TimeStampReq:
    return tsp.TimeStampReq({
        "version": 1,
        "message_imprint": {"hash_algorithm": {"algorithm": "sha256"}, "hashed_message": digest},
        "nonce": nonce, "cert_req": True,
    })


def _der(tag: int, content: bytes) -> bytes:
    """One DER element: tag, definite length, content."""
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


_SEQUENCE, _SET, _OCTETS, _EXPLICIT_0, _IMPLICIT_0 = 0x30, 0x31, 0x04, 0xA0, 0xA0


class _TokenMaker:
    """Tokens assembled from the DER of one pyhanko made at start: what stays the same in
    every token (the certificate, the signer, the policy, the algorithms) is kept as
    bytes; the digest, serial, time and nonce are encoded and signed afresh. Building
    each token through asn1crypto's objects took ~2.5 ms, four times the signature; the
    bytes are the very ones pyhanko would make (tests/test_server_timestamps.py)."""

    def __init__(self, stamper: Any, key: rsa.RSAPrivateKey) -> None:
        self.key = key
        sample = stamper.request_tsa_response(_request(bytes(32), 1))["time_stamp_token"]
        signed = sample["content"]
        tst = signed["encap_content_info"]["content"].parsed
        signer = signed["signer_infos"][0]
        attrs = {attr["type"].native: attr for attr in signer["signed_attrs"]}
        self.content_info_type = sample["content_type"].dump()
        self.signed_head = signed["version"].dump() + signed["digest_algorithms"].dump()
        self.tst_info_type = signed["encap_content_info"]["content_type"].dump()
        self.certificates = signed["certificates"].dump()
        self.tst_head = tst["version"].dump() + tst["policy"].dump()
        self.imprint_algorithm = tst["message_imprint"]["hash_algorithm"].dump()
        self.tsa = tst["tsa"].dump()
        self.signer_head = (signer["version"].dump() + signer["sid"].dump()
                            + signer["digest_algorithm"].dump())
        self.signature_algorithm = signer["signature_algorithm"].dump()
        self.content_type_attr = attrs["content_type"].dump()
        self.signing_time_type = attrs["signing_time"]["type"].dump()
        self.signing_certificate_attr = attrs["signing_certificate"].dump()
        self.message_digest_type = attrs["message_digest"]["type"].dump()

    def token(self, digest: bytes, *, serial: int | None = None, nonce: int | None = None,
              when: datetime | None = None) -> bytes:
        from asn1crypto import core
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

        serial = _nonce() if serial is None else serial
        nonce = int.from_bytes(os.urandom(8), "big") if nonce is None else nonce
        when = datetime.now(UTC) if when is None else when
        tst_info = _der(_SEQUENCE, b"".join((
            self.tst_head,
            _der(_SEQUENCE, self.imprint_algorithm + _der(_OCTETS, digest)),
            core.Integer(serial).dump(), core.GeneralizedTime(when).dump(),
            core.Integer(nonce).dump(), self.tsa)))
        # DER orders a SET OF by the elements' encodings (X.690 11.6).
        attributes = b"".join(sorted((
            self.content_type_attr,
            _der(_SEQUENCE, self.signing_time_type + _der(_SET, core.UTCTime(when).dump())),
            self.signing_certificate_attr,
            _der(_SEQUENCE, self.message_digest_type + _der(
                _SET, _der(_OCTETS, hashlib.sha256(tst_info).digest()))),
        )))
        # Signed as a SET, carried as [0] IMPLICIT (RFC 5652 5.4).
        signature = self.key.sign(_der(_SET, attributes), PKCS1v15(), hashes.SHA256())
        signer_info = _der(_SEQUENCE, b"".join((
            self.signer_head, _der(_IMPLICIT_0, attributes), self.signature_algorithm,
            _der(_OCTETS, signature))))
        signed_data = _der(_SEQUENCE, b"".join((
            self.signed_head,
            _der(_SEQUENCE, self.tst_info_type + _der(_EXPLICIT_0, _der(_OCTETS, tst_info))),
            self.certificates, _der(_SET, signer_info))))
        return _der(_SEQUENCE, self.content_info_type + _der(_EXPLICIT_0, signed_data))


def _nonce() -> int:
    """A serial number as pyhanko draws it: 8 bytes, the first 0x01 (a fixed width)."""
    return int.from_bytes(b"\x01" + os.urandom(7), "big")


def _make(folder: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, AUTHORITY_NAME)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1)).not_valid_after(now + VALIDITY)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False,
                                     False), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    # The key first, exclusively and private: a worker starting at the same moment
    # loses the race and reads what this one wrote.
    fd = os.open(folder / KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key_pem)
    partial = folder / (CERT_FILE + ".part")
    partial.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    partial.replace(folder / CERT_FILE)


def _stamper(tsa_cert: asn1_x509.Certificate, key: rsa.RSAPrivateKey) -> object:
    """pyhanko's DummyTimeStamper, signing with ``key`` as loaded once at start.

    Its own ``_sign_tst_info`` loads the private key from DER for every token, and
    loading (with OpenSSL's RSA key check) takes about 170 ms: nine tenths of a push
    of sealed events. The same signed attributes and the same PKCS#1 v1.5 signature."""
    # First: pyHanko loads through the signing module, without cryptography's DSA warning.
    import app.signing.pades  # noqa: F401

    # isort: split
    from asn1crypto import cms, core
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import general
    from pyhanko.sign.general import get_pyca_cryptography_hash, simple_cms_attribute
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    # The ESS signing-certificate attribute names the certificate by its hash: the same
    # in every token, so made once (as DER, loaded afresh for each token).
    signing_certificate = general.as_signing_certificate(tsa_cert).dump()

    class KeyLoadedOnce(DummyTimeStamper):  # type: ignore[misc]
        def _sign_tst_info(self, tst_info_data: bytes, md_algorithm: str,
                           dt: datetime) -> tuple[bytes, cms.CMSAttributes]:
            md = hashes.Hash(get_pyca_cryptography_hash(md_algorithm))
            md.update(tst_info_data)
            signed_attrs = cms.CMSAttributes([
                simple_cms_attribute("content_type", "tst_info"),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})),
                simple_cms_attribute("signing_certificate",
                                     tsp.SigningCertificate.load(signing_certificate)),
                simple_cms_attribute("message_digest", md.finalize()),
            ])
            signature = key.sign(signed_attrs.dump(), PKCS1v15(),
                                 get_pyca_cryptography_hash(md_algorithm.upper()))
            return signature, signed_attrs

    return KeyLoadedOnce(
        tsa_cert=tsa_cert,
        tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
    )


def open_authority(folder: Path) -> TimeStampAuthority | None:
    """The authority kept in ``folder``, made on first use; None (no stamping, logged)
    when the folder cannot hold it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / KEY_FILE).exists():
            try:
                _make(folder)
            except FileExistsError:
                pass
        for _ in range(50):  # another worker may still be writing the certificate
            if (folder / CERT_FILE).exists():
                break
            time.sleep(0.05)
        key_pem = (folder / KEY_FILE).read_bytes()
        cert_pem = (folder / CERT_FILE).read_bytes()
    except OSError as error:
        log.warning("time-stamping off: %s", error)
        return None
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert isinstance(key, rsa.RSAPrivateKey), "the time-stamping key is RSA (made by _make)"
    cert = x509.load_pem_x509_certificate(cert_pem)
    tsa_cert = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return TimeStampAuthority(cert_pem, _TokenMaker(_stamper(tsa_cert, key), key))


def stamp_sealed(session: Session, authority: TimeStampAuthority | None,
                 event_ids: list[str]) -> int:
    """Time-stamp the signed PDFs of the SEALED events among ``event_ids`` (just
    accepted); a document stamped before keeps its first token. Returns how many."""
    if authority is None or not event_ids:
        return 0
    sealed = [(str(payload.get("seal_use_id", "")), str(payload.get("pdf_sha256", "")))
              for (payload,) in session.execute(select(EventRow.payload).where(
                  EventRow.id.in_(event_ids), EventRow.type == "sealed"))]
    sealed = [(document, digest) for document, digest in sealed
              if document and len(digest) == 64]
    # Those stamped before, in one query (a push may bring a thousand seals).
    stamped = set(session.scalars(select(DocumentTimestamp.document_id).where(
        DocumentTimestamp.document_id.in_([document for document, _ in sealed]))))
    rows = []
    for document_id, digest in sealed:
        if document_id in stamped:
            continue
        # The time the token states is the one kept beside it (GeneralizedTime carries
        # the microseconds; parsing each token back cost a fifth of making it).
        when = datetime.now(UTC)
        rows.append({"document_id": document_id, "pdf_sha256": digest,
                     "token": authority.token(digest, when), "stamped_at": when})
        stamped.add(document_id)
    if rows:
        session.execute(insert(DocumentTimestamp), rows)
    return len(rows)


def _tst_info(token: bytes) -> tsp.TSTInfo:
    """The signed content of a token: what it states (time, digest)."""
    return tsp.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed


def token_time(token: bytes) -> datetime:
    """The genTime a token states (UTC)."""
    return _tst_info(token)["gen_time"].native.astimezone(UTC)


def token_digest(token: bytes) -> str:
    """The SHA-256 (hex) the token vouches for."""
    return bytes(_tst_info(token)["message_imprint"]["hashed_message"].native).hex()
