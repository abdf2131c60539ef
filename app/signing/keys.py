"""One signing key per approval seal, kept out of the database.

The key pair lives either in the operating system's credential store
(:class:`KeyringSealKeyStore`) or in a file only the current user can read
(:class:`FileSealKeyStore`); :func:`ensure_seal_key` makes a self-signed certificate for
the seal the first time it is needed. The certificate is public: the services should
also record it with the seal (so a verifier elsewhere can trust exactly this seal);
the private key never leaves the store.

Both stores keep the pair as PKCS#12. The keyring copy is not passphrase-protected
(the OS credential store is the protection, and a passphrase stored next to it would
add nothing); a file copy may be encrypted with a passphrase the caller supplies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import stat
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, Protocol

# cryptography and keyring load where a key is read or made, not when the program opens
# a profile (which only chooses the store): 40 ms and a few MB off every start.
if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import rsa

KEYRING_SERVICE = "CounterDesk-seal"

# RSA because PKCS#1 v1.5 signatures are deterministic (ECDSA's are not), which lets a
# re-signed PDF come out byte-identical. 3072 bits rather than 2048 because the
# certificate is valid for ten years, beyond 2030 when 2048-bit RSA is retired.
SEAL_KEY_BITS = 3072
CERTIFICATE_VALIDITY = timedelta(days=3653)  # ten years
# The certificate starts a day early so that a seal use time-stamped by a slightly
# slow clock, just before the key was made, still falls within its validity.
_BACKDATE = timedelta(days=1)

_SEAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class SealKeyError(Exception):
    """A seal's stored key is unreadable, damaged or badly protected."""


class SealKeyExists(SealKeyError):
    """A key is already stored for the seal; delete it first to replace it."""


class CertificateNotValidAt(Exception):
    """A signing time falls outside the seal certificate's validity period."""

    def __init__(self, at: datetime, not_before: datetime, not_after: datetime) -> None:
        super().__init__(
            f"signing time {at.isoformat()} is outside the certificate's validity "
            f"{not_before.isoformat()} .. {not_after.isoformat()}"
        )
        self.at = at
        self.not_before = not_before
        self.not_after = not_after


class SealKeyPair(NamedTuple):
    """A seal's private key and its (self-signed) certificate."""

    key: rsa.RSAPrivateKey
    cert: x509.Certificate


class SealKeyStore(Protocol):
    """Where seal keys live. Keys are looked up by the seal's id."""

    def load(self, seal_id: str) -> SealKeyPair | None:
        """The seal's key pair, or None if none is stored; SealKeyError if unreadable."""
        ...

    def save(self, seal_id: str, key_pair: SealKeyPair) -> None:
        """Store a new key pair; SealKeyExists if the seal already has one."""
        ...

    def delete(self, seal_id: str) -> None:
        """Forget the seal's key (for a revoked seal); no error if there is none."""
        ...


def _check_seal_id(seal_id: str) -> str:
    # Seal ids become file names and keyring user names: keep them plain.
    if not _SEAL_ID.fullmatch(seal_id):
        raise ValueError(f"unsuitable seal id for a key store: {seal_id!r}")
    return seal_id


def _to_pkcs12(seal_id: str, key_pair: SealKeyPair, passphrase: bytes | None = None) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return pkcs12.serialize_key_and_certificates(
        seal_id.encode("ascii"), key_pair.key, key_pair.cert, None, encryption
    )


def _from_pkcs12(blob: bytes, passphrase: bytes | None, where: str) -> SealKeyPair:
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12

    try:
        key, cert, _ = pkcs12.load_key_and_certificates(blob, passphrase or None)
    except ValueError as error:
        raise SealKeyError(f"cannot read the seal key in {where}: {error}") from error
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise SealKeyError(f"{where} does not hold an RSA seal key and its certificate")
    return SealKeyPair(key, cert)


class KeyringSealKeyStore:
    """Seal keys in the OS credential store (service ``CounterDesk-seal``, user = seal id).

    Windows Credential Manager holds at most 2,560 bytes (1,280 UTF-16 characters)
    per entry and an RSA key with its certificate is larger, so the base64 PKCS#12 is
    split into parts of :attr:`PART_CHARS` characters under ``<seal id>#<n>``; the entry
    under the seal id itself names the number of parts and their SHA-256, so a torn
    write is detected rather than loaded.
    """

    PART_CHARS = 1000
    _HEADER = re.compile(r"CounterDesk seal key v1 pkcs12 parts=(\d+) sha256=([0-9a-f]{64})")

    def __init__(self, service: str = KEYRING_SERVICE) -> None:
        self.service = service

    def load(self, seal_id: str) -> SealKeyPair | None:
        """The seal's key pair from the keyring, or None."""
        import keyring

        header = keyring.get_password(self.service, _check_seal_id(seal_id))
        if header is None:
            return None
        match = self._HEADER.fullmatch(header)
        if match is None:
            raise SealKeyError(f"keyring entry for seal {seal_id} is not a seal key")
        parts = []
        for number in range(1, int(match.group(1)) + 1):
            part = keyring.get_password(self.service, f"{seal_id}#{number}")
            if part is None:
                raise SealKeyError(f"keyring entry for seal {seal_id} lacks part {number}")
            parts.append(part)
        text = "".join(parts)
        if hashlib.sha256(text.encode("ascii")).hexdigest() != match.group(2):
            raise SealKeyError(f"keyring entry for seal {seal_id} is damaged")
        try:
            blob = base64.b64decode(text, validate=True)
        except binascii.Error as error:
            raise SealKeyError(f"keyring entry for seal {seal_id} is damaged") from error
        return _from_pkcs12(blob, None, f"the keyring entry for seal {seal_id}")

    def save(self, seal_id: str, key_pair: SealKeyPair) -> None:
        """Store the pair in the keyring; the header is written last, after every part."""
        import keyring

        if keyring.get_password(self.service, _check_seal_id(seal_id)) is not None:
            raise SealKeyExists(f"seal {seal_id} already has a key in the keyring")
        text = base64.b64encode(_to_pkcs12(seal_id, key_pair)).decode("ascii")
        parts = [text[i : i + self.PART_CHARS] for i in range(0, len(text), self.PART_CHARS)]
        for number, part in enumerate(parts, start=1):
            keyring.set_password(self.service, f"{seal_id}#{number}", part)
        digest = hashlib.sha256(text.encode("ascii")).hexdigest()
        header = f"CounterDesk seal key v1 pkcs12 parts={len(parts)} sha256={digest}"
        keyring.set_password(self.service, seal_id, header)

    def delete(self, seal_id: str) -> None:
        """Remove the seal's header entry, then its parts."""
        import keyring
        import keyring.errors

        header = keyring.get_password(self.service, _check_seal_id(seal_id))
        if header is None:
            return
        match = self._HEADER.fullmatch(header)
        keyring.delete_password(self.service, seal_id)
        for number in range(1, int(match.group(1)) + 1 if match else 1):
            try:
                keyring.delete_password(self.service, f"{seal_id}#{number}")
            except keyring.errors.PasswordDeleteError:
                pass


class FileSealKeyStore:
    """Seal keys as ``<seal id>.p12`` files in ``directory``, readable by the owner only.

    On POSIX the directory is made 0700 and each file 0600, and a key file others can
    read is refused rather than used. On Windows the directory should be in the
    user's profile (the application data directory), whose ACL already keeps other
    users out. ``passphrase``, if given, also encrypts each file.
    """

    def __init__(self, directory: str | os.PathLike[str], *, passphrase: bytes | None = None):
        self.directory = Path(directory)
        self._passphrase = passphrase

    def path_for(self, seal_id: str) -> Path:
        """The key file of ``seal_id``."""
        return self.directory / f"{_check_seal_id(seal_id)}.p12"

    def load(self, seal_id: str) -> SealKeyPair | None:
        """The seal's key pair from its file, or None."""
        path = self.path_for(seal_id)
        try:
            mode = path.stat().st_mode
        except FileNotFoundError:
            return None
        if os.name == "posix" and stat.S_IMODE(mode) & 0o077:
            raise SealKeyError(
                f"{path} can be read by other users (mode {stat.S_IMODE(mode):o}); "
                "restrict it to its owner (chmod 600) before using the seal"
            )
        return _from_pkcs12(path.read_bytes(), self._passphrase, str(path))

    def save(self, seal_id: str, key_pair: SealKeyPair) -> None:
        """Write the pair to a new 0600 file, atomically (temporary file, then rename)."""
        path = self.path_for(seal_id)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.exists():
            raise SealKeyExists(f"seal {seal_id} already has a key file: {path}")
        blob = _to_pkcs12(seal_id, key_pair, self._passphrase)
        # mkstemp creates the file 0600 from the start, so the key is never exposed.
        handle, temporary = tempfile.mkstemp(prefix=".seal-", dir=self.directory)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(blob)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def delete(self, seal_id: str) -> None:
        """Remove the seal's key file."""
        self.path_for(seal_id).unlink(missing_ok=True)


def make_seal_certificate(
    key: rsa.RSAPrivateKey,
    *,
    subject_common_name: str,
    organization: str,
    issued_at: datetime,
    valid_from: datetime | None = None,
) -> x509.Certificate:
    """A self-signed document-signing certificate for ``key``, valid for ten years.

    Subject and issuer: CN = ``subject_common_name`` (the authority and the seal's
    title), O = ``organization`` (the authority), C = CN. The validity starts a day
    before ``issued_at``, or at ``valid_from`` when that is earlier: the start of the
    seal's own validity in the registry, so the key covers every day the seal may be
    used on.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    if issued_at.tzinfo is None or (valid_from is not None and valid_from.tzinfo is None):
        raise ValueError("issued_at and valid_from must be timezone-aware")
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, subject_common_name),
        ]
    )
    not_before = issued_at.astimezone(UTC).replace(microsecond=0) - _BACKDATE
    if valid_from is not None:
        not_before = min(not_before, valid_from.astimezone(UTC).replace(microsecond=0))
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + CERTIFICATE_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: this key seals documents
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )


def generate_seal_key(
    *,
    subject_common_name: str,
    organization: str,
    issued_at: datetime,
    valid_from: datetime | None = None,
) -> SealKeyPair:
    """A new RSA key and its self-signed certificate (see :func:`make_seal_certificate`)."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=SEAL_KEY_BITS)
    cert = make_seal_certificate(
        key,
        subject_common_name=subject_common_name,
        organization=organization,
        issued_at=issued_at,
        valid_from=valid_from,
    )
    return SealKeyPair(key, cert)


def ensure_seal_key(
    store: SealKeyStore,
    seal_id: str,
    subject_common_name: str,
    organization: str,
    *,
    clock: Callable[[], datetime] | None = None,
    valid_from: datetime | None = None,
) -> SealKeyPair:
    """The seal's key pair from ``store``, made and stored on first use.

    An unreadable stored key raises :class:`SealKeyError` instead of being replaced:
    a silently new key would no longer match the certificate recorded for the seal.
    ``clock`` (default: the system clock, UTC) dates a new certificate;
    ``valid_from`` (the seal's first valid day) may start its validity earlier.
    """
    existing = store.load(seal_id)
    if existing is not None:
        return existing
    issued_at = clock() if clock is not None else datetime.now(UTC)
    key_pair = generate_seal_key(
        subject_common_name=subject_common_name,
        organization=organization,
        issued_at=issued_at,
        valid_from=valid_from,
    )
    store.save(seal_id, key_pair)
    return key_pair


def check_signing_time(cert: x509.Certificate, at: datetime) -> None:
    """Raise :class:`CertificateNotValidAt` unless ``at`` lies within ``cert``'s validity.

    A signature dated outside its certificate's validity proves nothing (a verifier
    judging it at its own signing time rejects it), so it is never made.
    """
    if at.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    if not not_before <= at.astimezone(UTC) <= not_after:
        raise CertificateNotValidAt(at, not_before, not_after)


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """The certificate's SHA-256 fingerprint, lowercase hex (for the seal registry)."""
    from cryptography.hazmat.primitives import hashes

    return cert.fingerprint(hashes.SHA256()).hex()
