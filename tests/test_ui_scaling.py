"""150 % on a 1366x768 counter screen: the window fits and every primary action is in it.

The scale must be set before the QApplication exists, so the check runs in a process
of its own (tests/scaling_probe.py) with QT_SCALE_FACTOR=1.5 on an offscreen screen of
1366x768 physical pixels, that is 911x512 logical.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.test_ui_support import GUI

pytestmark = GUI
PROBE = Path(__file__).resolve().parent / "scaling_probe.py"


def test_at_150_percent_every_page_fits_and_its_primary_buttons_are_inside(
        tmp_path: Path) -> None:
    environment = {**os.environ, "QT_SCALE_FACTOR": "1.5"}
    environment.pop("QT_QPA_PLATFORM", None)  # the probe names its own screen
    done = subprocess.run([sys.executable, str(PROBE), str(tmp_path / "profile")],
                          capture_output=True, text=True, env=environment, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["scale"] == 1.5
    assert result["screen"][0] < 1024 and result["screen"][1] < 640  # the hard case
    assert set(result["windows"]) >= {"admin", "supervisor"}
    for name, window in result["windows"].items():
        assert window["size"][0] <= result["screen"][0], name
        assert window["size"][1] <= result["screen"][1], name
        assert window["minimum"][0] <= result["screen"][0], name
        assert window["minimum"][1] <= result["screen"][1], name
    assert result["problems"] == []
