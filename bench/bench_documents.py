"""Benchmark: rendering every document to PDF and Word, against a bare reportlab page.

    .venv/bin/python bench/bench_documents.py [--runs 50] [--warmup 5] [--out FILE]

For each document kind (``app.print_templates.samples.sample_context``; sealed where
the kind requires it) it times, median over ``--runs`` renders after ``--warmup``:

* ``render_pdf`` and ``render_docx`` exactly as the application calls them;
* two floors with the same text and the same embedded TrueType fonts: a bare reportlab
  canvas that ``drawString``s the lines read back from the real PDF (no layout at all),
  and a platypus page of plain ``Paragraph`` objects (CJK word wrap) holding the
  template's texts (layout, no tables, no seal, no QR);
* a floor for Word: a bare python-docx document with the same texts as paragraphs.

Every timed run renders a different case (its own case number, document number,
verification code and so its own QR code), so the QR encoder's cache never helps;
fonts are found and registered once per process, as in the running program, and the
cost of that first call is measured separately in fresh processes.

Then, for the acceptance notice (the target, issue 19: with seal, QR and embedded font
at most 15 ms): the same notice as a draft (no seal, no QR), with a cached QR, and with
the glyph check alone, with a rare (extension B) name character; the PAdES signature
the application adds when sealing (``app.signing.sign_pdf``, with a cProfile of it), its verification,
the key generation and loading a key from its PKCS#12 file.

Writes a Markdown report (``--out``, default bench/RESULTS-documents.md). Anything
below a ``<!-- notes -->`` line of an existing report is kept. Timings only: nothing
is asserted.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gc
import io
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import docx  # noqa: E402
import pypdf  # noqa: E402
from pyhanko.sign.signers import pdf_cms  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.lib.units import mm  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import Paragraph, SimpleDocTemplate  # noqa: E402

from app.print_templates import (  # noqa: E402
    DocumentContext,
    DocumentKind,
    FontSet,
    render_docx,
    render_pdf,
    resolve_fonts,
    seal_context,
)
from app.print_templates.blocks import (  # noqa: E402
    Addressee,
    DocumentNumberLine,
    InfoTable,
    Note,
    NumberedList,
    Para,
    Signature,
    SignLines,
    Table,
    Title,
)
from app.print_templates.coverage import check_layout  # noqa: E402
from app.print_templates.page import (  # noqa: E402
    BODY_SIZE,
    LINES_PER_PAGE,
    MARGIN_BOTTOM_MM,
    MARGIN_LEFT_MM,
    MARGIN_RIGHT_MM,
    MARGIN_TOP_MM,
    TITLE_SIZE,
)
from app.print_templates.samples import (  # noqa: E402
    SAMPLE_SEAL,
    SAMPLE_SEALED_AT,
    SAMPLE_SERVER,
    SAMPLE_VERIFICATION_CODE,
    sample_context,
)
from app.print_templates.templates import build_layout  # noqa: E402
from app.signing import (  # noqa: E402
    FileSealKeyStore,
    generate_seal_key,
    sign_pdf,
    verify_pdf_signature,
)
from bench.measured_on import machine  # noqa: E402

TARGET_MS = 15.0
ACCEPTANCE = DocumentKind.ACCEPTANCE_NOTICE
SIGNING_TIME = datetime(2026, 11, 23, 2, 32, tzinfo=UTC)

# --------------------------------------------------------------------------- timing


@dataclasses.dataclass
class Timing:
    samples_ms: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p90(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]

    @property
    def min(self) -> float:
        return min(self.samples_ms)


def timed(work: Callable[[Any], object], inputs: Sequence[Any], warmup: int) -> Timing:
    """Run ``work`` on each input; the first ``warmup`` runs are not counted."""
    samples: list[float] = []
    for i, item in enumerate(inputs):
        started = time.perf_counter_ns()
        work(item)
        elapsed = (time.perf_counter_ns() - started) / 1e6
        if i >= warmup:
            samples.append(elapsed)
    return Timing(samples)


# --------------------------------------------------------------------------- inputs


def variant(
    kind: DocumentKind, i: int, *, sealed: bool = True, draft: bool = False
) -> DocumentContext:
    """The sample document for another case: its own numbers and so its own QR code."""
    base = sample_context(kind, sealed=False, draft=draft)
    context = dataclasses.replace(
        base,
        case_number=f"XC01-20261123-{i + 1:04d}",
        document_number=base.document_number.replace("第00", f"第{i % 100:02d}") or "",
    )
    if sealed and not draft and kind.requires_seal:
        context = seal_context(
            context, appearance=SAMPLE_SEAL, sealed_at_text=SAMPLE_SEALED_AT,
            document_id=f"5d0c1c43-8d0e-4c52-9b0a-{i:012d}",
            verification_code=SAMPLE_VERIFICATION_CODE, verification_base=SAMPLE_SERVER,
        )
    return context


def block_texts(context: DocumentContext) -> list[tuple[str, bool]]:
    """Every text of the template's layout, in order; True marks the title."""
    texts: list[tuple[str, bool]] = []
    for block in build_layout(context).blocks:
        match block:
            case Title(text):
                texts.append((text, True))
            case DocumentNumberLine(text) | Addressee(text) | Para(text) | Note(text):
                texts.append((text, False))
            case InfoTable(rows):
                texts.extend((f"{label}：{value}", False) for row in rows for label, value in row)
            case NumberedList(items):
                texts.extend((f"{n}．{item}", False) for n, item in enumerate(items, start=1))
            case Table(columns, rows):
                texts.append(("　".join(c.header for c in columns), False))
                texts.extend(("　".join(row), False) for row in rows)
            case Signature(authority, date_text):
                texts.extend([(authority, False), (date_text, False)])
            case SignLines(labels):
                texts.append(("　".join(labels), False))
    return texts


def pdf_lines(pdf: bytes) -> list[str]:
    """The text of a rendered PDF, line by line, as pypdf reads it back."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    lines: list[str] = []
    for page in reader.pages:
        lines.extend(line for line in page.extract_text().splitlines() if line.strip())
    return lines


# --------------------------------------------------------------------------- floors

LEADING = (A4[1] - (MARGIN_TOP_MM + MARGIN_BOTTOM_MM) * mm) / LINES_PER_PAGE


def floor_canvas(lines: Sequence[str], fonts: FontSet) -> bytes:
    """A bare canvas: each line drawn once, title face for the first, body for the rest."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=1)
    x = MARGIN_LEFT_MM * mm
    y = A4[1] - MARGIN_TOP_MM * mm
    for n, line in enumerate(lines):
        if y < MARGIN_BOTTOM_MM * mm:
            canvas.showPage()
            y = A4[1] - MARGIN_TOP_MM * mm
        canvas.setFont(fonts.title if n == 0 else fonts.body, TITLE_SIZE if n == 0 else BODY_SIZE)
        canvas.drawString(x, y, line)
        y -= LEADING
    canvas.showPage()
    canvas.save()
    return out.getvalue()


def floor_paragraphs(texts: Sequence[tuple[str, bool]], fonts: FontSet) -> bytes:
    """Plain platypus Paragraphs (CJK wrap) of the same texts on the same page frame."""
    title = ParagraphStyle(
        "t",
        fontName=fonts.title,
        fontSize=TITLE_SIZE,
        leading=TITLE_SIZE * 1.5,
        alignment=1,
        wordWrap="CJK",
    )
    body = ParagraphStyle(
        "b",
        fontName=fonts.body,
        fontSize=BODY_SIZE,
        leading=LEADING,
        firstLineIndent=2 * BODY_SIZE,
        wordWrap="CJK",
    )
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN_LEFT_MM * mm,
        rightMargin=MARGIN_RIGHT_MM * mm,
        topMargin=MARGIN_TOP_MM * mm,
        bottomMargin=MARGIN_BOTTOM_MM * mm,
        invariant=1,
    )
    doc.build([Paragraph(escape(text), title if is_title else body) for text, is_title in texts])
    return out.getvalue()


def floor_docx(texts: Sequence[tuple[str, bool]]) -> bytes:
    """A bare python-docx document: the same texts, one paragraph each, default styles."""
    document = docx.Document()
    for text, is_title in texts:
        if is_title:
            document.add_heading(text, level=1)
        else:
            document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------- signing


def profile_top(work: Callable[[], object], limit: int) -> str:
    """cProfile's top entries by own time, trimmed to function names."""
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(limit)
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
    site = str(Path(pdf_cms.__file__).parents[3])
    return "\n".join(
        line.replace(site + "/", "").replace(str(ROOT) + "/", "")
        for line in [lines[0]] + lines[start:]
    )


# --------------------------------------------------------------------------- cold start

COLD_SCRIPT = """
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from app.print_templates import DocumentKind, render_pdf, resolve_fonts
from app.print_templates.samples import sample_context
t1 = time.perf_counter()
fonts = resolve_fonts()
t2 = time.perf_counter()
render_pdf(sample_context(DocumentKind.ACCEPTANCE_NOTICE), fonts=fonts)
t3 = time.perf_counter()
render_pdf(sample_context(DocumentKind.ACCEPTANCE_NOTICE), fonts=fonts)
t4 = time.perf_counter()
print((t1 - t0) * 1000, (t2 - t1) * 1000, (t3 - t2) * 1000, (t4 - t3) * 1000)
"""


def cold_start(repeats: int) -> list[list[float]]:
    """[import, resolve_fonts, first render, second render] ms, in fresh processes."""
    results = []
    for _ in range(repeats):
        done = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT.format(root=str(ROOT))],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        results.append([float(v) for v in done.stdout.split()])
    return results


# --------------------------------------------------------------------------- machine


# --------------------------------------------------------------------------- main


def fmt(value: float) -> str:
    return f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--cold", type=int, default=3, help="fresh processes for the first call")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "RESULTS-documents.md")
    args = parser.parse_args(argv)
    runs, warmup = args.runs, args.warmup
    total = runs + warmup
    started_at = datetime.now().astimezone()
    bench_started = time.perf_counter()

    info = machine(["reportlab", "python-docx", "pyHanko", "pypdf", "cryptography", "qrcode",
                    "Pillow"])
    print(f"{info['python']} | {info['cpu']} | {info['memory']}")

    cold = cold_start(args.cold)
    cold_median = [statistics.median(c[i] for c in cold) for i in range(4)]
    print(
        "fresh process (median of {}): import {:.0f} ms, resolve_fonts {:.0f} ms, "
        "first acceptance notice {:.0f} ms, second {:.0f} ms".format(args.cold, *cold_median)
    )

    fonts = resolve_fonts()
    print(f"fonts: body {fonts.body_file}, title {fonts.title_file}")

    # The floors must embed the same fonts: check the real renderer does embed them.
    rows: list[dict[str, Any]] = []
    header = (
        f"{'document':<22}{'pages':>6}{'PDF ms':>9}{'p90':>7}{'KB':>6}"
        f"{'canvas floor':>14}{'Paragraph floor':>17}{'x floor':>9}"
        f"{'DOCX ms':>9}{'p90':>7}{'KB':>6}{'docx floor':>12}"
    )
    print(header)
    for kind in DocumentKind:
        contexts = [variant(kind, i) for i in range(total)]
        sample_pdf = render_pdf(contexts[0], fonts=fonts)
        sample_docx = render_docx(contexts[0], fonts=fonts)
        pages = len(pypdf.PdfReader(io.BytesIO(sample_pdf)).pages)
        lines = pdf_lines(sample_pdf)
        texts = block_texts(contexts[0])
        pdf_t = timed(lambda c: render_pdf(c, fonts=fonts), contexts, warmup)
        docx_t = timed(lambda c: render_docx(c, fonts=fonts), contexts, warmup)
        canvas_t = timed(lambda lines: floor_canvas(lines, fonts), [lines] * total, warmup)
        para_t = timed(lambda texts: floor_paragraphs(texts, fonts), [texts] * total, warmup)
        docx_floor_t = timed(floor_docx, [texts] * total, warmup)
        row = {
            "kind": kind,
            "pages": pages,
            "pdf": pdf_t,
            "pdf_kb": len(sample_pdf) / 1024,
            "docx": docx_t,
            "docx_kb": len(sample_docx) / 1024,
            "canvas": canvas_t,
            "para": para_t,
            "docx_floor": docx_floor_t,
            "canvas_kb": len(floor_canvas(lines, fonts)) / 1024,
            "para_kb": len(floor_paragraphs(texts, fonts)) / 1024,
            "sealed": contexts[0].seal is not None,
        }
        rows.append(row)
        print(
            f"{kind.value:<22}{pages:>6}{pdf_t.median:>9.1f}{pdf_t.p90:>7.1f}"
            f"{row['pdf_kb']:>6.0f}{canvas_t.median:>14.1f}{para_t.median:>17.1f}"
            f"{pdf_t.median / para_t.median:>8.1f}x{docx_t.median:>9.1f}{docx_t.p90:>7.1f}"
            f"{row['docx_kb']:>6.0f}{docx_floor_t.median:>12.1f}"
        )

    # ---- the acceptance notice, variations
    print("\nacceptance notice variations")
    variations: list[tuple[str, Timing, str]] = []
    fresh = rows[[r["kind"] for r in rows].index(ACCEPTANCE)]["pdf"]
    variations.append(
        (
            "sealed, seal + QR + embedded fonts, new case each run (the target)",
            fresh,
            "as in the table above",
        )
    )
    same = variant(ACCEPTANCE, 0)
    variations.append(
        (
            "sealed, the same case every run (QR matrix cached)",
            timed(lambda c: render_pdf(c, fonts=fonts), [same] * total, warmup),
            "`qr_matrix` is lru_cached; a re-print hits it",
        )
    )
    drafts = [variant(ACCEPTANCE, i, draft=True) for i in range(total)]
    variations.append(
        (
            "draft: no seal, no QR (DRAFT watermark), embedded fonts",
            timed(lambda c: render_pdf(c, fonts=fonts), drafts, warmup),
            "the cost of seal + QR is the difference",
        )
    )
    sealed_ctx = [variant(ACCEPTANCE, i) for i in range(total)]
    variations.append(
        (
            "the glyph check alone (every character has a face), sealed notice",
            timed(lambda c: check_layout(build_layout(c), fonts), sealed_ctx, warmup),
            "included in every render above; refuses a document with a missing glyph",
        )
    )
    rare_ctx = [dataclasses.replace(c, applicant_name="𠮷䶮喆") for c in sealed_ctx]
    variations.append(
        (
            "sealed, a CJK extension B name character (a third face, HanaMinB, embedded)",
            timed(lambda c: render_pdf(c, fonts=fonts), rare_ctx, warmup),
            "the face is loaded once a process, when a document first needs it",
        )
    )
    variations.append(
        (
            "sealed, Word (.docx) reference copy: QR picture, no seal",
            rows[[r["kind"] for r in rows].index(ACCEPTANCE)]["docx"],
            "no seal picture (Word copies of sealed documents carry none); QR PNG made per case",
        )
    )
    for label, timing, _note in variations:
        print(f"  {label:<72}{timing.median:>7.1f} ms  (p90 {timing.p90:.1f})")

    # ---- PAdES
    print("\nPAdES (app.signing)")
    keygen = timed(
        lambda _: generate_seal_key(
            subject_common_name="某某县行政审批局行政审批专用章",
            organization="某某县行政审批局",
            issued_at=SIGNING_TIME,
        ),
        range(6),
        1,
    )
    key_pair = generate_seal_key(
        subject_common_name="某某县行政审批局行政审批专用章",
        organization="某某县行政审批局",
        issued_at=SIGNING_TIME,
    )

    def sign(pdf: bytes, at: datetime = SIGNING_TIME) -> bytes:
        return sign_pdf(pdf, key_pair.key, key_pair.cert, reason="受理通知书",
                        location="XC01", signing_time=at)

    pdfs = [render_pdf(c, fonts=fonts) for c in sealed_ctx]
    sign_t = timed(sign, pdfs, warmup)
    signed = [sign(pdf, SIGNING_TIME + timedelta(seconds=i)) for i, pdf in enumerate(pdfs)]
    check = verify_pdf_signature(signed[0], key_pair.cert)
    assert check.valid, check
    verify_t = timed(lambda pdf: verify_pdf_signature(pdf, key_pair.cert), signed, warmup)
    render_sign_t = timed(lambda c: sign(render_pdf(c, fonts=fonts)), sealed_ctx, warmup)
    whole_t = timed(
        lambda c: (sign(render_pdf(c, fonts=fonts)), render_docx(c, fonts=fonts)),
        sealed_ctx,
        warmup,
    )
    with tempfile.TemporaryDirectory() as keys_dir:
        store = FileSealKeyStore(keys_dir)
        store.save("bench-seal", key_pair)
        load_t = timed(lambda _: store.load("bench-seal"), range(6), 1)
    sign_profile = profile_top(lambda: [sign(pdf) for pdf in pdfs[:5]], 8)
    pades = [
        (
            "generate_seal_key (RSA-3072 + self-signed certificate), once per seal",
            keygen,
            f"median of {len(keygen.samples_ms)}",
        ),
        (
            "FileSealKeyStore.load (PKCS#12 file), done by every use_seal via ensure_seal_key",
            load_t,
            f"median of {len(load_t.samples_ms)}; RSA key validation on load",
        ),
        (
            "sign_pdf: PAdES certification signature on the acceptance notice",
            sign_t,
            f"+{(len(signed[0]) - len(pdfs[0])) / 1024:.1f} KB incremental update",
        ),
        ("verify_pdf_signature (trusted certificate)", verify_t, ""),
        ("render_pdf + sign_pdf (acceptance notice)", render_sign_t, ""),
        (
            "render_pdf + sign_pdf + render_docx: what sealing a document renders",
            whole_t,
            "app.services.seals.use_seal, without the database",
        ),
    ]
    for label, timing, _note in pades:
        print(f"  {label:<72}{timing.median:>7.1f} ms  (p90 {timing.p90:.1f})")

    target = fresh.median
    verdict = "met" if target <= TARGET_MS else "NOT met"
    print(
        f"\ntarget: sealed acceptance notice with seal, QR and embedded font at most "
        f"{TARGET_MS:.0f} ms: {target:.1f} ms median -> {verdict}"
    )
    elapsed = time.perf_counter() - bench_started

    write_report(
        args.out,
        info=info,
        started_at=started_at,
        runs=runs,
        warmup=warmup,
        cold=cold_median,
        cold_repeats=args.cold,
        fonts=fonts,
        rows=rows,
        variations=variations,
        pades=pades,
        target=target,
        verdict=verdict,
        elapsed=elapsed,
        sign_profile=sign_profile,
    )
    print(f"written {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")
    return 0


def write_report(
    path: Path,
    *,
    info: dict[str, str],
    started_at: datetime,
    runs: int,
    warmup: int,
    cold: list[float],
    cold_repeats: int,
    fonts: FontSet,
    rows: list[dict[str, Any]],
    variations: list[tuple[str, Timing, str]],
    pades: list[tuple[str, Timing, str]],
    target: float,
    verdict: str,
    elapsed: float,
    sign_profile: str,
) -> None:
    notes = ""
    if path.exists():
        old = path.read_text(encoding="utf-8")
        marker = "<!-- notes -->"
        if marker in old:
            notes = old[old.index(marker) :]
    out: list[str] = []
    w = out.append
    w("# Benchmark: documents (PDF and Word)\n")
    w(
        f"One run of `.venv/bin/python bench/bench_documents.py` on "
        f"{started_at:%Y-%m-%d %H:%M %Z} ({elapsed:.0f} s): median of {runs} runs after "
        f"{warmup} warm-up runs, per document kind. Timings only; nothing is asserted.\n"
    )
    w("Machine:\n")
    for key in ("python", "cpu", "memory", "os", "libraries", "code"):
        w(f"- {key}: {info[key]}")
    w(
        f"- fonts found: body `{fonts.body_file.path if fonts.body_file else fonts.body}`, "
        f"title `{fonts.title_file.path if fonts.title_file else fonts.title}` "
        "(TrueType, subset and embedded in every PDF)\n"
    )
    w("## Target\n")
    w(
        f"**Acceptance notice (受理通知书) with seal, QR code and embedded TrueType font: "
        f"{target:.1f} ms median, target at most {TARGET_MS:.0f} ms: {verdict}.**\n"
    )
    w("## Every document, PDF and Word\n")
    w(
        "Every run renders a different case (own case number, document number and "
        'verification code, so its own QR code). "canvas floor": a bare reportlab '
        "`Canvas` drawing the lines read back from the real PDF with `drawString`, same "
        'fonts, embedded (no layout). "Paragraph floor": plain platypus `Paragraph`s '
        "(CJK wrap) of the template's texts in the same page frame and fonts (layout, no "
        'tables, seal or QR). "x floor" = PDF median / Paragraph floor. "docx floor": '
        "a bare python-docx document with the same texts as paragraphs.\n"
    )
    w(
        "| document | sealed | pages | PDF median ms | PDF p90 | PDF KB | canvas floor ms "
        "| Paragraph floor ms | x floor | DOCX median ms | DOCX p90 | DOCX KB "
        "| docx floor ms |"
    )
    w("|---|:-:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for r in rows:
        w(
            f"| {r['kind'].label} `{r['kind'].value}` | {'yes' if r['sealed'] else ''} "
            f"| {r['pages']} | **{fmt(r['pdf'].median)}** | {fmt(r['pdf'].p90)} "
            f"| {r['pdf_kb']:.0f} | {fmt(r['canvas'].median)} | {fmt(r['para'].median)} "
            f"| {r['pdf'].median / r['para'].median:.1f} | **{fmt(r['docx'].median)}** "
            f"| {fmt(r['docx'].p90)} | {r['docx_kb']:.0f} | {fmt(r['docx_floor'].median)} |"
        )
    w("")
    w("## The acceptance notice, taken apart\n")
    w("| variant | median ms | p90 ms | min ms | note |")
    w("|---|--:|--:|--:|---|")
    for label, timing, note in variations:
        w(f"| {label} | {fmt(timing.median)} | {fmt(timing.p90)} | {fmt(timing.min)} | {note} |")
    w("")
    w("## PAdES signature (app.signing)\n")
    w("| step | median ms | p90 ms | min ms | note |")
    w("|---|--:|--:|--:|---|")
    for label, timing, note in pades:
        w(f"| {label} | {fmt(timing.median)} | {fmt(timing.p90)} | {fmt(timing.min)} | {note} |")
    w("")
    w("cProfile of 5 `sign_pdf` calls, top entries by own time:\n")
    w("```")
    w(sign_profile.rstrip())
    w("```\n")
    w(f"## First call in a fresh process (median of {cold_repeats} processes)\n")
    w("| step | ms |")
    w("|---|--:|")
    for label, value in zip(
        (
            "import app.print_templates (reportlab, Pillow, qrcode ...)",
            "resolve_fonts(): scan font folders, parse and register the TrueType CJK fonts",
            "first render_pdf of the acceptance notice",
            "second render_pdf of the same notice",
        ),
        cold,
        strict=True,
    ):
        w(f"| {label} | {value:.0f} |")
    w("")
    text = "\n".join(out) + "\n"
    if notes:
        text += "\n" + notes
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    gc.enable()
    sys.exit(main())
