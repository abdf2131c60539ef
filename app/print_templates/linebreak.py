"""Chinese line breaking (避头尾) for the PDF renderer.

reportlab's CJK wrapping lets a closing mark hang past the right margin and lets an
opening bracket end a line. Official documents do neither: a line never starts with
``，。、；：？！）”》`` and never ends with ``（“《``; the character before is carried
over instead (推出). Runs of Latin letters and digits (case numbers, phone numbers,
dates) are not broken unless a run is longer than a whole line.
"""

from __future__ import annotations

from collections.abc import Sequence

CANNOT_START = frozenset("，。、；：？！）」』】〕》〉”’…—·％‰℃,.;:?!)]}%")
CANNOT_END = frozenset("（「『【〔《〈“‘([{￥$")
_FUZZ = 1e-6


def _is_latin(ch: str) -> bool:
    """Part of a run of letters, digits and ASCII signs (``10:32``, ``0512-12345678``)."""
    return ch.isascii() and not ch.isspace()


def break_lines(
    text: str, widths: Sequence[float], max_widths: Sequence[float]
) -> list[tuple[float, str]]:
    """Split ``text`` (one width per character) into lines of at most ``max_widths[n]``.

    Returns ``(unused width, line text)`` pairs, as reportlab's ``wordSplit`` does.
    """
    lines: list[tuple[float, str]] = []
    start = 0
    n = len(text)
    while start < n:
        limit = max_widths[min(len(lines), len(max_widths) - 1)]
        used = 0.0
        end = start
        while end < n and used + widths[end] <= limit + _FUZZ:
            used += widths[end]
            end += 1
        if end >= n:
            lines.append((limit - used, text[start:]))
            break
        end = max(end, start + 1)  # always progress, even if one glyph is too wide
        end = _adjust(text, start, end)
        line_width = sum(widths[start:end])
        lines.append((limit - line_width, text[start:end]))
        start = end
    return lines


def _adjust(text: str, start: int, end: int) -> int:
    """Move the break at ``end`` back so the rules hold; never before ``start + 1``.

    The rules are applied until none moves the break: carrying a character over for a
    closing mark can land the break inside a number (``〔2026〕``), which then goes over
    whole."""
    candidate = end
    while True:
        before = candidate
        # Keep a run of Latin letters/digits together.
        if _is_latin(text[candidate]) and _is_latin(text[candidate - 1]):
            run_start = candidate - 1
            while run_start > start and _is_latin(text[run_start - 1]):
                run_start -= 1
            if run_start > start:
                candidate = run_start
        # A closing mark may not start the next line: carry the character before it over.
        while candidate > start + 1 and text[candidate] in CANNOT_START:
            candidate -= 1
        # An opening mark may not end this line.
        while candidate > start + 1 and text[candidate - 1] in CANNOT_END:
            candidate -= 1
        if candidate == before:
            return candidate if candidate > start else end
