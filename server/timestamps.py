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

import logging
import os
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select
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

    def token(self, sha256_hex: str) -> bytes:
        """A DER time-stamp token (RFC 3161 TimeStampToken) over the digest, now."""
        request = tsp.TimeStampReq({
            "version": 1,
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                "hashed_message": bytes.fromhex(sha256_hex)},
            "nonce": int.from_bytes(os.urandom(8), "big"),
            "cert_req": True,
        })
        response = self._stamper.request_tsa_response(request)  # type: ignore[attr-defined]
        return bytes(response["time_stamp_token"].dump())


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
    return TimeStampAuthority(cert_pem, _stamper(tsa_cert, key))


def stamp_sealed(session: Session, authority: TimeStampAuthority | None,
                 event_ids: list[str]) -> int:
    """Time-stamp the signed PDFs of the SEALED events among ``event_ids`` (just
    accepted); a document stamped before keeps its first token. Returns how many."""
    if authority is None or not event_ids:
        return 0
    rows = session.execute(
        select(EventRow.payload).where(EventRow.id.in_(event_ids), EventRow.type == "sealed"))
    made = 0
    for (payload,) in rows:
        document_id = str(payload.get("seal_use_id", ""))
        digest = str(payload.get("pdf_sha256", ""))
        if not document_id or len(digest) != 64 or session.get(DocumentTimestamp, document_id):
            continue
        token = authority.token(digest)
        session.add(DocumentTimestamp(document_id=document_id, pdf_sha256=digest, token=token,
                                      stamped_at=token_time(token)))
        made += 1
    return made


def _tst_info(token: bytes) -> tsp.TSTInfo:
    """The signed content of a token: what it states (time, digest)."""
    return tsp.ContentInfo.load(token)["content"]["encap_content_info"]["content"].parsed


def token_time(token: bytes) -> datetime:
    """The genTime a token states (UTC)."""
    return _tst_info(token)["gen_time"].native.astimezone(UTC)


def token_digest(token: bytes) -> str:
    """The SHA-256 (hex) the token vouches for."""
    return bytes(_tst_info(token)["message_imprint"]["hashed_message"].native).hex()
