"""Test set-up shared by the whole suite.

Qt must run offscreen before any Qt import, and no test may touch the real user's
data, config or keyring.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
