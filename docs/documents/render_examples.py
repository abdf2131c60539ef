"""Render one example of each document to PNG for the README (this folder).

    .venv/bin/python docs/documents/render_examples.py

Each PDF comes from ``app.print_templates.samples.sample_context`` (sealed where the
kind requires a seal), rendered with the fonts this machine has, then rasterised with
``pdftoppm -r 70 -png -singlefile`` (poppler-utils): ``<kind>.png`` is the first page;
a document of several pages also gets its last page as ``<kind>-p<N>.png`` (where the
seal of a long decision lands).
"""

from __future__ import annotations

import io
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pypdf  # noqa: E402

from app.print_templates import DocumentKind, render_pdf, resolve_fonts  # noqa: E402
from app.print_templates.samples import sample_context  # noqa: E402


def _png(pdf: Path, page: int, name: str) -> None:
    command = ["pdftoppm", "-r", "70", "-png", "-singlefile", "-f", str(page), "-l", str(page)]
    subprocess.run([*command, str(pdf), str(HERE / name)], check=True)


def main() -> int:
    fonts = resolve_fonts()
    with tempfile.TemporaryDirectory() as scratch:
        for kind in DocumentKind:
            pdf = Path(scratch) / f"{kind.value}.pdf"
            data = render_pdf(sample_context(kind), fonts=fonts)
            pdf.write_bytes(data)
            pages = len(pypdf.PdfReader(io.BytesIO(data)).pages)
            _png(pdf, 1, kind.value)
            if pages > 1:
                _png(pdf, pages, f"{kind.value}-p{pages}")
            print(f"{kind.value}  {kind.label}  {pages} page(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
