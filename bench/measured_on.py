"""What a benchmark ran on: the machine, the libraries measured and the commit.

Shared by the benchmarks that write a RESULTS file, so every report names its machine
the same way.
"""

from __future__ import annotations

import contextlib
import platform
import subprocess
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def machine(libraries: Sequence[str]) -> dict[str, str]:
    """Python, CPU, memory, OS, the given distributions' versions and the commit."""
    cpu, cores = "unknown", 0
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and cpu == "unknown":
                cpu = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                cores += 1
    memory = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB RAM"
    return {
        "code": source_version(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cpu": f"{cpu}, {cores} logical CPU(s) (/proc/cpuinfo)",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "libraries": ", ".join(f"{name} {version(name)}" for name in libraries),
    }


def source_version() -> str:
    """The commit measured, and whether app/ or server/ had uncommitted changes."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT,
                              check=False)
        return done.stdout.strip()

    head = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "app", "server")
    return f"commit {head}" + (" plus uncommitted changes in app/ or server/" if dirty else "")
