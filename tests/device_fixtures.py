"""The fake termb reader library, compiled from tests/fake_termb.c during the tests."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SOURCE = Path(__file__).with_name("fake_termb.c")
FIELD_ORDER = ("name", "gender", "ethnicity", "birth_date", "address", "id_number",
               "issuing_authority", "valid_from", "valid_until")
CARD = {
    "name": "王小丫", "gender": "女", "ethnicity": "汉", "birth_date": "19491231",
    "address": "北京市朝阳区建国路1号院2号楼3单元401", "id_number": "11010519491231002X",
    "issuing_authority": "北京市公安局朝阳分局", "valid_from": "20150301",
    "valid_until": "长期",
}
NO_READER, NO_CARD, CARD_ON, READ_FAILS, REMOVED_MID_READ = range(5)


@dataclass
class FakeTermb:
    """The compiled library and its controls (the same handle the adapter loads)."""

    path: Path
    library: ctypes.CDLL

    def put_card(self, **fields: str) -> None:
        for index, name in enumerate(FIELD_ORDER):
            self.library.Fake_SetField(index, {**CARD, **fields}[name].encode("gbk"))
        self.library.Fake_SetState(CARD_ON)

    def set_state(self, state: int) -> None:
        self.library.Fake_SetState(state)

    @property
    def open_port(self) -> int:
        return int(self.library.Fake_OpenPort())

    @property
    def close_calls(self) -> int:
        return int(self.library.Fake_CloseCalls())


@pytest.fixture(scope="session")
def fake_termb_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("gcc") or shutil.which("cc")
    if compiler is None or sys.platform == "win32":
        pytest.skip("no C compiler here (gcc or cc) to build the fake termb library")
    target = tmp_path_factory.mktemp("termb") / "libtermb.so"
    subprocess.run([compiler, "-shared", "-fPIC", "-O1", "-o", str(target), str(SOURCE)],
                   check=True, capture_output=True)
    return target


@pytest.fixture
def fake_termb(fake_termb_library: Path) -> FakeTermb:
    # dlopen hands back the one handle per path: the adapter's and these controls'.
    library = ctypes.CDLL(str(fake_termb_library))
    library.Fake_SetField.argtypes = [ctypes.c_int, ctypes.c_char_p]
    fake = FakeTermb(fake_termb_library, library)
    fake.put_card()
    return fake


def accept_on_page(qtbot: Any, page: Any, *, name: str = "", id_number: str = "",
                   phone: str = "13800138000") -> Any:
    """Type what is not filled yet, receive every material, 受理 with the password; the
    registration's Outcome once the page has finished."""
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QLineEdit, QPushButton

    from tests.profile_fixtures import PASSWORD
    from tests.test_ui_support import find, type_into, wait_idle

    for object_name, text in (("applicantNameEdit", name), ("applicantIdEdit", id_number),
                              ("applicantPhoneEdit", phone)):
        if text:
            type_into(qtbot, find(page, QLineEdit, object_name), text)
    for row in page.materials.rows:
        if not row.received_check.isChecked():
            row.received_check.click()
    with qtbot.waitSignal(page.registered, timeout=20000) as blocker:
        qtbot.mouseClick(find(page, QPushButton, "acceptButton"), Qt.MouseButton.LeftButton)
        find(page.accept_dialog, QLineEdit, "acceptPasswordEdit").setText(PASSWORD)
        qtbot.mouseClick(find(page.accept_dialog, QPushButton, "dialogSubmitButton"),
                         Qt.MouseButton.LeftButton)
    wait_idle(qtbot, page.context)
    if page.preview_dialog is not None:
        page.preview_dialog.close()
    return blocker.args[0]
