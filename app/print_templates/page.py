"""Page set-up shared by the renderers, after GB/T 9704-2012 (党政机关公文格式)."""

from __future__ import annotations

PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
MARGIN_TOP_MM = 37.0
MARGIN_BOTTOM_MM = 35.0
MARGIN_LEFT_MM = 28.0
MARGIN_RIGHT_MM = 26.0
TITLE_SIZE = 22.0
"""二号."""
BODY_SIZE = 16.0
"""三号."""
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
MAX_LINES_PER_PAGE = 25
"""The tightest spacing used to keep a signature off a page of its own (7.3.5)."""
"""GB/T 9704 5.2.3: 28 characters a line, 22 lines a page."""
TABLE_SIZE = 12.0
"""小四, so that a four-column table stays readable."""
LEDGER_TABLE_SIZE = 10.5
"""五号, for the nine columns of the seal ledger."""
NOTE_SIZE = 12.0
PAGE_NUMBER_SIZE = 14.0
"""四号."""
PAGE_NUMBER_GAP_MM = 7.0
"""Page numbers sit 7 mm below the text block."""
QR_SIZE_MM = 24.0
DRAFT_LABEL = "草稿"
DRAFT_BANNER = "草稿（未经用印，不作为正式文书）"
INFO_LABEL_CHARS = 6.5
"""Label columns of an info table hold 承诺办结日期 on one line."""
