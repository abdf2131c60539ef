"""Runtime files of the desktop program: the style sheet and the icons.

Everything under ``resources/`` is reached through ``app.resources.resource_path``,
which works from a source checkout and from a PyInstaller bundle.
"""

from __future__ import annotations

from functools import lru_cache

from PyQt6.QtGui import QIcon

from app.resources import resource_path


def load_style_sheet() -> str:
    """The program's style sheet, or "" when the file is missing (plain Qt look)."""
    path = resource_path("resources", "style.qss")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return ""
    # url(@icons/x.svg) in the sheet: the icons folder wherever the program runs from.
    return text.replace("@icons/", resource_path("resources", "icons").as_posix() + "/")


@lru_cache(maxsize=64)
def icon(name: str) -> QIcon:
    """An icon from ``resources/icons/<name>.svg`` (an empty icon when missing)."""
    path = resource_path("resources", "icons", f"{name}.svg")
    return QIcon(str(path)) if path.exists() else QIcon()
