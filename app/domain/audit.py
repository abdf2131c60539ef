"""The tamper-evident audit chain: each record holds the hash of the one before."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


# ``json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``
# without building an encoder for every call (it keeps no state between calls).
_CANONICAL_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(data: Any) -> str:
    """The one JSON form that hashes are taken of (sorted keys, no spaces, UTF-8)."""
    return _CANONICAL_ENCODER.encode(data)


def chain_hash(previous_hash: str, body: str) -> str:
    """SHA-256 over the previous record's hash and this record's canonical body."""
    return hashlib.sha256(f"{previous_hash}\n{body}".encode()).hexdigest()


@dataclass(frozen=True)
class AuditRecord:
    sequence: int
    body: str
    previous_hash: str
    record_hash: str


@dataclass(frozen=True)
class ChainBreak:
    """Where verification failed: the first record that does not fit the chain."""

    sequence: int
    reason: str


def verify_chain(records: Iterable[AuditRecord]) -> ChainBreak | None:
    """Check the chain in sequence order; return the first break, or None when intact."""
    expected_previous = GENESIS_HASH
    expected_sequence = 1
    for record in records:
        if record.sequence != expected_sequence:
            return ChainBreak(expected_sequence, f"缺少第 {expected_sequence} 条记录（已删除或顺序被改动）")
        if record.previous_hash != expected_previous:
            return ChainBreak(record.sequence, "前一条记录的哈希不符（前面的记录被删除或改动）")
        if chain_hash(record.previous_hash, record.body) != record.record_hash:
            return ChainBreak(record.sequence, "记录内容与哈希不符（记录被改动）")
        expected_previous = record.record_hash
        expected_sequence += 1
    return None
