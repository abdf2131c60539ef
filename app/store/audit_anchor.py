"""The audit chain's head, kept outside the database.

A hash chain shows a record changed or removed in the middle, but not the newest ones
cut off the end: what is left is still a valid chain. So after every commit that adds
audit records the station writes the head (sequence and hash of the newest record) to
a small file beside the database, and ``audit verify`` (and every sync, against the head
the server last saw) checks that the chain still reaches it with the same hash.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ANCHOR_NAME = "audit-head.json"


class AuditAnchor:
    """``<profile>/audit-head.json``: ``{"sequence": N, "hash": "…"}``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> tuple[int, str] | None:
        """The anchored head, or None when there is none yet (or it cannot be read)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            sequence, digest = data["sequence"], data["hash"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if not isinstance(sequence, int) or not isinstance(digest, str):
            return None
        return sequence, digest

    def advance(self, sequence: int, digest: str) -> None:
        """Anchor a newer head; never moves back (two processes commit in any order)."""
        held = self.read()
        if held is not None and held[0] >= sequence:
            return
        self.reset(sequence, digest)

    def reset(self, sequence: int, digest: str) -> None:
        """Anchor this head whatever was held (a restore of the whole database)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps({"sequence": sequence, "hash": digest}),
                             encoding="utf-8")
        os.replace(temporary, self.path)

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
