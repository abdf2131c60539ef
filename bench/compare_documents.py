"""Benchmark: the sealed acceptance notice in two checkouts, interleaved, beside its floor.

    .venv/bin/python bench/compare_documents.py /work/main [--rounds 8] [--per-round 15]

One warm worker process per checkout (this one and the one given), each importing its
own ``app``. Rounds alternate between them (A B A B ..., the order swapped every other
round, so drift of the shared machine falls on both); in each round a worker renders
``--per-round`` sealed acceptance notices, each for a new case (own number and QR
code), and as many Paragraph floors (``bench_documents.floor_paragraphs``: plain
platypus Paragraphs of the same texts, the same embedded fonts). Prints medians, the
range of the round medians and the load average, as a Markdown table. With ``--cold N``,
also the first and second notice in N fresh processes of each checkout, alternating.
Timings only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Runs in each checkout; uses only what both checkouts have (bench_documents.variant,
# floor_paragraphs and block_texts are unchanged since before issue 19).
WORKER = r"""
import gc, json, sys, time
sys.path.insert(0, {checkout!r})
from bench.bench_documents import ACCEPTANCE, block_texts, floor_paragraphs, variant
from app.print_templates import render_pdf, resolve_fonts
fonts = resolve_fonts()
texts = block_texts(variant(ACCEPTANCE, 0))
case = 0
for _ in range(5):  # warm-up: fonts parsed, first subsets, caches
    render_pdf(variant(ACCEPTANCE, case), fonts=fonts); floor_paragraphs(texts, fonts); case += 1
print("ready", flush=True)
for line in sys.stdin:
    count = int(line)
    contexts = [variant(ACCEPTANCE, case + i) for i in range(count)]
    case += count
    notice, floor = [], []
    gc.collect()
    for context in contexts:
        started = time.perf_counter_ns()
        render_pdf(context, fonts=fonts)
        notice.append((time.perf_counter_ns() - started) / 1e6)
        started = time.perf_counter_ns()
        floor_paragraphs(texts, fonts)
        floor.append((time.perf_counter_ns() - started) / 1e6)
    print(json.dumps({{"notice": notice, "floor": floor}}), flush=True)
"""


def start(checkout: Path) -> subprocess.Popen[str]:
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER.format(checkout=str(checkout))],
        cwd=checkout,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker.stdout is not None
    if worker.stdout.readline().strip() != "ready":
        raise RuntimeError(f"worker in {checkout} did not start")
    return worker


def cold(checkouts: dict[str, Path], repeats: int) -> None:
    """bench_documents' fresh-process script, alternating between the checkouts."""
    from bench.bench_documents import COLD_SCRIPT

    results: dict[str, list[list[float]]] = {name: [] for name in checkouts}
    for _ in range(repeats):
        for name, path in checkouts.items():
            done = subprocess.run([sys.executable, "-c", COLD_SCRIPT.format(root=str(path))],
                                  capture_output=True, text=True, check=True, cwd=path)
            results[name].append([float(v) for v in done.stdout.split()])
    print(f"\nfresh processes ({repeats} each, alternating), medians in ms:\n")
    print("| checkout | import | resolve_fonts | first notice | second notice |")
    print("|---|--:|--:|--:|--:|")
    for name, runs in results.items():
        medians = [statistics.median(run[i] for run in runs) for i in range(4)]
        print(f"| {name} | " + " | ".join(f"{m:.0f}" for m in medians) + " |")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def commit(checkout: Path) -> str:
    done = subprocess.run(["git", "-C", str(checkout), "log", "-1", "--format=%h %s"],
                          capture_output=True, text=True)
    return done.stdout.strip()[:70]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the other checkout (e.g. /work/main)")
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--per-round", type=int, default=15)
    parser.add_argument("--cold", type=int, default=0, help="fresh processes per checkout")
    args = parser.parse_args(argv)
    checkouts = {"before": args.before.resolve(), "after": ROOT}
    load_start = loadavg()
    workers = {name: start(path) for name, path in checkouts.items()}
    samples: dict[str, dict[str, list[float]]] = {
        name: {"notice": [], "floor": []} for name in workers
    }
    round_medians: dict[str, dict[str, list[float]]] = {
        name: {"notice": [], "floor": []} for name in workers
    }
    loads = [load_start]
    for round_number in range(args.rounds):
        order = list(workers) if round_number % 2 == 0 else list(reversed(workers))
        for name in order:
            worker = workers[name]
            assert worker.stdin is not None and worker.stdout is not None
            worker.stdin.write(f"{args.per_round}\n")
            worker.stdin.flush()
            result = json.loads(worker.stdout.readline())
            for key in ("notice", "floor"):
                samples[name][key] += result[key]
                round_medians[name][key].append(statistics.median(result[key]))
        loads.append(loadavg())
    for worker in workers.values():
        assert worker.stdin is not None
        worker.stdin.close()
        worker.wait()

    print(f"{args.rounds} rounds x {args.per_round} renders per checkout, interleaved; "
          f"load average (1/5/15 min) {loads[0]} at the start, {loads[-1]} at the end, "
          f"1-min load {min(float(x.split()[0]) for x in loads):.2f}-"
          f"{max(float(x.split()[0]) for x in loads):.2f} over the rounds\n")
    print("| checkout | sealed acceptance notice: median ms | round medians | min "
          "| Paragraph floor: median ms | round medians | notice / floor |")
    print("|---|--:|--:|--:|--:|--:|--:|")
    for name, path in checkouts.items():
        notice, floor = samples[name]["notice"], samples[name]["floor"]
        rn, rf = round_medians[name]["notice"], round_medians[name]["floor"]
        print(f"| {name}: `{commit(path)}` | **{statistics.median(notice):.1f}** "
              f"| {min(rn):.1f}-{max(rn):.1f} | {min(notice):.1f} "
              f"| {statistics.median(floor):.1f} | {min(rf):.1f}-{max(rf):.1f} "
              f"| {statistics.median(notice) / statistics.median(floor):.2f} |")
    if args.cold:
        cold(checkouts, args.cold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
