"""Test set-up shared by the whole suite.

Qt must run offscreen before any Qt import, and no test may touch the real user's
data, config or keyring.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from argon2 import PasswordHasher


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real argon2, with cheap parameters: the suite creates many accounts."""
    import app.services.accounts as accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                            parallelism=1))
