"""Entry point of the PyInstaller bundle: the same ``app.cli.main`` as ``python -m app``.

``build_installer.spec`` freezes this script twice: ``CounterDesk`` (windowed on Windows,
no console) for the counter staff, and ``counterdesk-cli`` (console) for the IT staff's
commands (``--self-test``, ``backup``, ``restore``, ``db upgrade``, ...).
"""

from __future__ import annotations

import multiprocessing
import os
import sys


def _ensure_streams() -> None:
    # A windowed Windows executable has no console: print() must not fail there.
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    multiprocessing.freeze_support()
    _ensure_streams()
    from app.cli import main

    sys.exit(main())
