"""Scans from the document camera: pages as JPEG, one PDF per material, kept by hash.

The camera's pages arrive as JPEG bytes (the screen's pipeline straightens and crops
them); :func:`jpeg_pages_pdf` wraps them in a PDF as they are (DCTDecode, no
re-encoding), so a page costs what its JPEG costs, and :func:`keep_scan` stores the PDF
in the profile's content-addressed attachments folder, described like a picked file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.domain.errors import ValidationError
from app.store.database import Profile

A4_WIDTH_PT = 595.28  # every page is A4 wide; its height follows the photo's proportions


@dataclass(frozen=True)
class JpegPage:
    """One captured page: its JPEG bytes and pixel size."""

    jpeg: bytes
    width: int
    height: int


def jpeg_pages_pdf(pages: list[JpegPage]) -> bytes:
    """A PDF with one page per JPEG, each A4 wide; the same pages give the same bytes."""
    if not pages:
        raise ValidationError("no_pages", "尚未拍摄任何页面。", field="pages")
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in once the pages are known
    tree = add(b"")
    kids = []
    for index, page in enumerate(pages):
        if not page.jpeg.startswith(b"\xff\xd8"):
            raise ValidationError("not_jpeg", f"第{index + 1}页不是 JPEG 图像。", field="pages")
        width_pt = A4_WIDTH_PT
        height_pt = round(A4_WIDTH_PT * page.height / page.width, 2)
        image = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                    b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode "
                    b"/Length %d >>\nstream\n" % (page.width, page.height, len(page.jpeg))
                    + page.jpeg + b"\nendstream")
        drawing = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (width_pt, height_pt)
        content = add(b"<< /Length %d >>\nstream\n" % len(drawing) + drawing + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
                        b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                        % (tree, width_pt, height_pt, image, content)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                         + b"] /Count %d >>" % len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += (b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, catalog, xref))
    return bytes(out)


def keep_scan(data_dir: Path, content: bytes, *, name: str) -> dict[str, Any]:
    """Store a scan in the profile's attachments folder by its SHA-256 and describe it
    as the materials checklist describes a picked file (name, path, size, sha256)."""
    digest = hashlib.sha256(content).hexdigest()
    target = Profile(Path(data_dir)).attachments_dir / digest
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".scan-", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(content)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return {"name": name, "path": str(target), "size": len(content), "sha256": digest}
