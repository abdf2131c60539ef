"""``python -m app``: the desktop program, or a command (see ``app.cli``)."""

from __future__ import annotations

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
