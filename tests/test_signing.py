"""PAdES signatures on sealed PDFs, and where each seal's key is kept."""

from __future__ import annotations

import io
import os
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import keyring
import keyring.errors
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from keyring.backend import KeyringBackend
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from reportlab.pdfgen import canvas

from app.signing import (
    KEYRING_SERVICE,
    FileSealKeyStore,
    KeyringSealKeyStore,
    SealCertificateNotValid,
    SealKeyError,
    SealKeyExists,
    SealKeyPair,
    SealSigningError,
    certificate_fingerprint,
    ensure_seal_key,
    generate_seal_key,
    sign_pdf,
    verify_pdf_signature,
)

SIGNING_TIME = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ISSUED_AT = datetime(2026, 11, 1, tzinfo=UTC)
COMMON_NAME = "某某县行政审批局行政审批专用章"
AUTHORITY = "某某县行政审批局"
LINE = b"Approval decision 2026-0007"


class InMemoryKeyring(KeyringBackend):
    """A keyring that lives and dies with the test: never the machine's own."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.entries[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError(username) from None


@pytest.fixture
def memory_keyring() -> Iterator[InMemoryKeyring]:
    backend = InMemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)


@pytest.fixture(scope="module")
def seal_keys() -> SealKeyPair:
    return generate_seal_key(
        subject_common_name=COMMON_NAME, organization=AUTHORITY, issued_at=ISSUED_AT
    )


def make_pdf(text: bytes = LINE) -> bytes:
    """A one-line PDF; invariant so the same text always gives the same bytes."""
    buffer = io.BytesIO()
    # Uncompressed so the tests can find the line's bytes and change one of them.
    pdf = canvas.Canvas(buffer, invariant=1, pageCompression=0)
    pdf.drawString(72, 760, text.decode("ascii"))
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def sign(pdf: bytes, keys: SealKeyPair, *, at: datetime = SIGNING_TIME) -> bytes:
    return sign_pdf(
        pdf, keys.key, keys.cert, reason="准予行政许可决定书", location="3号窗口", signing_time=at
    )


@pytest.fixture(scope="module")
def signed_pdf(seal_keys: SealKeyPair) -> bytes:
    return sign(make_pdf(), seal_keys)


# -- signing and verifying ---------------------------------------------------------------


def test_untouched_signed_pdf_is_valid(signed_pdf, seal_keys):
    check = verify_pdf_signature(signed_pdf, trusted_cert=seal_keys.cert)
    assert check.signed and check.intact and check.covers_whole_file and check.trusted
    assert check.valid
    assert check.problem is None


def test_verification_reports_signer_reason_and_time(signed_pdf, seal_keys):
    check = verify_pdf_signature(signed_pdf, trusted_cert=seal_keys.cert)
    assert check.signer_common_name == COMMON_NAME
    assert check.signer_fingerprint == certificate_fingerprint(seal_keys.cert)
    assert check.reason == "准予行政许可决定书"
    assert check.signing_time == SIGNING_TIME


def test_signing_appends_to_the_original_bytes(signed_pdf):
    original = make_pdf()
    assert signed_pdf.startswith(original)
    assert b"/CounterDeskSeal" in signed_pdf or b"(CounterDeskSeal)" in signed_pdf


def test_one_changed_byte_in_the_signed_text_is_not_intact(signed_pdf, seal_keys):
    position = signed_pdf.index(LINE)
    tampered = signed_pdf[:position] + b"B" + signed_pdf[position + 1 :]
    check = verify_pdf_signature(tampered, trusted_cert=seal_keys.cert)
    assert check.signed
    assert not check.intact
    assert not check.valid


def signed_positions(signed_pdf: bytes) -> list[int]:
    """Offsets covered by the signature: all but the /Contents hole of /ByteRange."""
    match = re.search(rb"/ByteRange \[ *(\d+) +(\d+) +(\d+) +(\d+) *\]", signed_pdf)
    assert match is not None
    start1, length1, start2, length2 = (int(n) for n in match.groups())
    assert start2 + length2 == len(signed_pdf)
    return [*range(start1, start1 + length1), *range(start2, start2 + length2)]


@pytest.mark.parametrize("fraction", [i / 13 for i in range(13)])
def test_one_changed_byte_anywhere_in_the_signed_range_is_not_intact(
    signed_pdf, seal_keys, fraction
):
    positions = signed_positions(signed_pdf)
    position = positions[int(len(positions) * fraction)]
    flipped = bytes([signed_pdf[position] ^ 0x01])
    tampered = signed_pdf[:position] + flipped + signed_pdf[position + 1 :]
    check = verify_pdf_signature(tampered, trusted_cert=seal_keys.cert)  # never raises
    assert not check.intact
    assert not check.valid


def test_changed_signature_value_is_not_intact(signed_pdf, seal_keys):
    # The signature value ends the CMS blob, just before /Contents' zero padding.
    match = re.search(rb"/Contents <([0-9A-Fa-f]+?)(0+)>", signed_pdf)
    assert match is not None
    position = match.end(1) - 1
    flipped = b"0" if signed_pdf[position : position + 1] != b"0" else b"1"
    tampered = signed_pdf[:position] + flipped + signed_pdf[position + 1 :]
    check = verify_pdf_signature(tampered, trusted_cert=seal_keys.cert)
    assert not check.intact


def test_content_appended_after_signing_is_reported(signed_pdf, seal_keys):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    writer.root["/PageMode"] = writer.root["/PageMode"]  # a no-op change, still a revision
    writer.update_root()
    appended = io.BytesIO()
    writer.write(appended)
    check = verify_pdf_signature(appended.getvalue(), trusted_cert=seal_keys.cert)
    assert check.signed
    assert check.intact
    assert not check.covers_whole_file
    assert check.changed_after_signing
    assert not check.valid


@pytest.mark.parametrize("tail", [b"\n", b"\r\n", b"\x00" * 512, b"   \n\n"])
def test_padding_after_the_signed_revision_does_not_fail_the_check(signed_pdf, seal_keys, tail):
    check = verify_pdf_signature(signed_pdf + tail, trusted_cert=seal_keys.cert)
    assert check.valid
    assert not check.covers_whole_file and not check.changed_after_signing
    assert check.trailing_bytes == len(tail)
    assert check.signed_length == len(signed_pdf)


def test_an_incremental_update_after_signing_still_fails_with_padding_after_it(
    signed_pdf, seal_keys
):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_pdf))
    writer.root["/PageMode"] = writer.root["/PageMode"]
    writer.update_root()
    appended = io.BytesIO()
    writer.write(appended)
    check = verify_pdf_signature(appended.getvalue() + b"\n", trusted_cert=seal_keys.cert)
    assert check.changed_after_signing
    assert not check.valid
    assert check.signed_length == len(signed_pdf)


def test_verification_reports_the_sealing_station(signed_pdf, seal_keys):
    assert verify_pdf_signature(signed_pdf).location == "3号窗口"


def test_signature_by_another_key_is_intact_but_not_trusted(signed_pdf):
    other = generate_seal_key(
        subject_common_name="另一枚章", organization=AUTHORITY, issued_at=ISSUED_AT
    )
    check = verify_pdf_signature(signed_pdf, trusted_cert=other.cert)
    assert check.intact
    assert not check.trusted
    assert not check.valid


def test_without_a_trusted_certificate_integrity_is_still_checked(signed_pdf):
    check = verify_pdf_signature(signed_pdf)
    assert check.signed and check.intact and check.covers_whole_file
    assert not check.trusted


def test_unsigned_pdf_is_reported_unsigned():
    check = verify_pdf_signature(make_pdf())
    assert not check.signed
    assert not check.intact


@pytest.mark.parametrize("garbage", [b"", b"not a pdf at all", b"%PDF-1.4\n%%EOF\n"])
def test_unreadable_input_is_reported_unsigned(garbage):
    check = verify_pdf_signature(garbage)
    assert not check.signed
    assert check.problem


def test_truncated_signed_pdf_is_not_intact(signed_pdf):
    check = verify_pdf_signature(signed_pdf[: len(signed_pdf) // 2])
    assert not check.intact


# -- determinism -----------------------------------------------------------------------------


def test_signing_the_same_pdf_twice_gives_the_same_bytes(signed_pdf, seal_keys):
    assert sign(make_pdf(), seal_keys) == signed_pdf


def test_signature_does_not_depend_on_the_clock_or_on_randomness(
    signed_pdf, seal_keys, monkeypatch
):
    # Move pyHanko's clock five years on and make its random bytes different: the
    # signed bytes must not change, or a re-print could never match its recorded hash.
    class LaterDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2031, 5, 6, 7, 8, 9, tzinfo=tz or UTC)

    monkeypatch.setattr("pyhanko.pdf_utils.metadata.info.datetime", LaterDatetime)
    monkeypatch.setattr("pyhanko.sign.signers.pdf_signer.datetime", LaterDatetime)
    monkeypatch.setattr(os, "urandom", lambda n: b"\x5a" * n)
    assert sign(make_pdf(), seal_keys) == signed_pdf


def test_a_different_signing_time_gives_different_bytes(signed_pdf, seal_keys):
    later = sign(make_pdf(), seal_keys, at=SIGNING_TIME + timedelta(seconds=1))
    assert later != signed_pdf
    assert verify_pdf_signature(later, trusted_cert=seal_keys.cert).valid


def test_signing_needs_a_timezone_aware_time(seal_keys):
    with pytest.raises(ValueError):
        sign(make_pdf(), seal_keys, at=datetime(2026, 11, 23, 10, 0))


@pytest.mark.parametrize(
    "when",
    [ISSUED_AT - timedelta(days=2), ISSUED_AT + timedelta(days=3653)],
    ids=["before-the-certificate", "after-it-expired"],
)
def test_signing_outside_the_certificate_validity_is_refused(seal_keys, when):
    pdf = make_pdf()
    with pytest.raises(SealCertificateNotValid):
        sign(pdf, seal_keys, at=when)


def test_signing_at_the_edges_of_the_certificate_validity_is_allowed(seal_keys):
    for when in (seal_keys.cert.not_valid_before_utc, seal_keys.cert.not_valid_after_utc):
        signed = sign(make_pdf(), seal_keys, at=when)
        assert verify_pdf_signature(signed, trusted_cert=seal_keys.cert).valid


def test_signing_refuses_a_non_rsa_key(seal_keys):
    ec_key = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(TypeError):
        sign_pdf(
            make_pdf(),
            ec_key,
            seal_keys.cert,
            reason="",
            location="",
            signing_time=SIGNING_TIME,
        )


def test_signing_garbage_raises_a_signing_error(seal_keys):
    with pytest.raises(SealSigningError):
        sign(b"not a pdf", seal_keys)


# -- the seal's certificate --------------------------------------------------------------------


def test_seal_certificate_names_the_authority_and_the_seal(seal_keys):
    subject = seal_keys.cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == COMMON_NAME
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == AUTHORITY
    assert seal_keys.cert.issuer == subject  # self-signed


def test_seal_certificate_is_valid_for_ten_years(seal_keys):
    validity = seal_keys.cert.not_valid_after_utc - seal_keys.cert.not_valid_before_utc
    assert timedelta(days=3652) <= validity <= timedelta(days=3654)
    assert seal_keys.cert.not_valid_before_utc <= ISSUED_AT


def test_seal_key_is_rsa_for_deterministic_signatures(seal_keys):
    assert isinstance(seal_keys.key, rsa.RSAPrivateKey)
    assert seal_keys.key.key_size >= 2048


def test_seal_certificate_is_for_document_signing_only(seal_keys):
    usage = seal_keys.cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign


# -- the file key store ----------------------------------------------------------------------


def fixed_clock() -> datetime:
    return ISSUED_AT


def test_file_store_makes_a_key_on_first_use_and_reuses_it(tmp_path):
    store = FileSealKeyStore(tmp_path / "keys")
    first = ensure_seal_key(store, "seal-1", COMMON_NAME, AUTHORITY, clock=fixed_clock)
    again = ensure_seal_key(store, "seal-1", COMMON_NAME, AUTHORITY, clock=fixed_clock)
    assert certificate_fingerprint(again.cert) == certificate_fingerprint(first.cert)
    assert again.key.private_numbers() == first.key.private_numbers()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_file_store_key_is_readable_by_its_owner_only(tmp_path, seal_keys):
    store = FileSealKeyStore(tmp_path / "keys")
    store.save("seal-1", seal_keys)
    assert stat.S_IMODE(store.path_for("seal-1").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_file_store_refuses_a_key_file_others_can_read(tmp_path, seal_keys):
    store = FileSealKeyStore(tmp_path)
    store.save("seal-1", seal_keys)
    store.path_for("seal-1").chmod(0o644)
    with pytest.raises(SealKeyError):
        store.load("seal-1")


def test_file_store_leaves_no_temporary_files(tmp_path, seal_keys):
    FileSealKeyStore(tmp_path).save("seal-1", seal_keys)
    assert [p.name for p in tmp_path.iterdir()] == ["seal-1.p12"]


def test_file_store_with_passphrase_needs_it_to_load(tmp_path, seal_keys):
    FileSealKeyStore(tmp_path, passphrase=b"machine secret").save("seal-1", seal_keys)
    loaded = FileSealKeyStore(tmp_path, passphrase=b"machine secret").load("seal-1")
    assert loaded is not None and loaded.cert == seal_keys.cert
    with pytest.raises(SealKeyError):
        FileSealKeyStore(tmp_path, passphrase=b"wrong").load("seal-1")


def test_file_store_never_overwrites_a_key(tmp_path, seal_keys):
    store = FileSealKeyStore(tmp_path)
    store.save("seal-1", seal_keys)
    with pytest.raises(SealKeyExists):
        store.save("seal-1", seal_keys)


def test_damaged_key_file_is_an_error_not_a_new_key(tmp_path, seal_keys):
    store = FileSealKeyStore(tmp_path)
    store.save("seal-1", seal_keys)
    store.path_for("seal-1").write_bytes(b"damaged")
    with pytest.raises(SealKeyError):
        ensure_seal_key(store, "seal-1", COMMON_NAME, AUTHORITY, clock=fixed_clock)


def test_file_store_forgets_a_deleted_key(tmp_path, seal_keys):
    store = FileSealKeyStore(tmp_path)
    store.save("seal-1", seal_keys)
    store.delete("seal-1")
    store.delete("seal-1")  # deleting twice is fine
    assert store.load("seal-1") is None


@pytest.mark.parametrize("seal_id", ["../escape", "", ".hidden", "a/b", "a\\b"])
def test_key_stores_refuse_seal_ids_that_are_not_plain_names(tmp_path, seal_id):
    with pytest.raises(ValueError):
        FileSealKeyStore(tmp_path).load(seal_id)


def test_key_from_the_file_store_signs_verifiably(tmp_path):
    store = FileSealKeyStore(tmp_path)
    keys = ensure_seal_key(store, "seal-1", COMMON_NAME, AUTHORITY, clock=fixed_clock)
    reloaded = FileSealKeyStore(tmp_path).load("seal-1")
    assert reloaded is not None
    signed = sign(make_pdf(), keys)
    assert verify_pdf_signature(signed, trusted_cert=reloaded.cert).valid


# -- the keyring key store ---------------------------------------------------------------------


def test_keyring_store_makes_a_key_under_the_seal_id(memory_keyring):
    store = KeyringSealKeyStore()
    keys = ensure_seal_key(store, "seal-1", COMMON_NAME, AUTHORITY, clock=fixed_clock)
    assert (KEYRING_SERVICE, "seal-1") in memory_keyring.entries
    reloaded = store.load("seal-1")
    assert reloaded is not None
    assert reloaded.cert == keys.cert
    assert reloaded.key.private_numbers() == keys.key.private_numbers()


def test_keyring_entries_fit_windows_credential_manager(memory_keyring, seal_keys):
    KeyringSealKeyStore().save("seal-1", seal_keys)
    # CredWrite takes at most 2,560 bytes, and keyring stores UTF-16.
    assert len(memory_keyring.entries) > 1
    assert all(len(v.encode("utf-16-le")) <= 2560 for v in memory_keyring.entries.values())


def test_keyring_store_reuses_the_stored_key(memory_keyring, seal_keys):
    store = KeyringSealKeyStore()
    store.save("seal-1", seal_keys)
    keys = ensure_seal_key(store, "seal-1", COMMON_NAME, AUTHORITY, clock=fixed_clock)
    assert keys.cert == seal_keys.cert


def test_keyring_store_detects_a_damaged_part(memory_keyring, seal_keys):
    KeyringSealKeyStore().save("seal-1", seal_keys)
    part = memory_keyring.entries[(KEYRING_SERVICE, "seal-1#2")]
    memory_keyring.entries[(KEYRING_SERVICE, "seal-1#2")] = part[::-1]
    with pytest.raises(SealKeyError):
        KeyringSealKeyStore().load("seal-1")


def test_keyring_store_detects_a_missing_part(memory_keyring, seal_keys):
    KeyringSealKeyStore().save("seal-1", seal_keys)
    del memory_keyring.entries[(KEYRING_SERVICE, "seal-1#1")]
    with pytest.raises(SealKeyError):
        KeyringSealKeyStore().load("seal-1")


def test_keyring_store_never_overwrites_a_key(memory_keyring, seal_keys):
    store = KeyringSealKeyStore()
    store.save("seal-1", seal_keys)
    with pytest.raises(SealKeyExists):
        store.save("seal-1", seal_keys)


def test_keyring_store_deletes_every_part(memory_keyring, seal_keys):
    store = KeyringSealKeyStore()
    store.save("seal-1", seal_keys)
    store.delete("seal-1")
    store.delete("seal-1")
    assert memory_keyring.entries == {}
    assert store.load("seal-1") is None


def test_keys_of_different_seals_are_kept_apart(memory_keyring, seal_keys):
    store = KeyringSealKeyStore()
    store.save("seal-1", seal_keys)
    assert store.load("seal-2") is None
