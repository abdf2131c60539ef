"""The document preview: saving and opening elsewhere say what they did, and where."""

from __future__ import annotations

import stat
from pathlib import Path

from PyQt6.QtCore import Qt

from app.print_templates import DocumentKind, render_docx, render_pdf
from app.print_templates.samples import sample_context
from app.ui import documents
from app.ui.documents import DocumentPreviewDialog, PreviewItem
from tests.test_ui_support import GUI

pytestmark = GUI


def _dialog(qtbot) -> DocumentPreviewDialog:
    context = sample_context(DocumentKind.RECEIPT)
    item = PreviewItem("材料接收凭证", render_pdf(context), "receipt.pdf", render_docx(context))
    dialog = DocumentPreviewDialog([item])
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_opening_elsewhere_writes_a_private_copy_and_says_where(qtbot, monkeypatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr(documents.QDesktopServices, "openUrl",
                        lambda url: opened.append(url.toLocalFile()) or True)
    dialog = _dialog(qtbot)
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    [path] = [Path(p) for p in opened]
    assert path.read_bytes().startswith(b"%PDF")
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert str(path) in dialog.status_label.text() and "退出程序时删除" in dialog.status_label.text()


def test_saving_as_word_writes_the_word_file_and_says_so(qtbot, monkeypatch, tmp_path) -> None:
    target = tmp_path / "凭证"
    seen: list[str] = []

    def ask(_parent, _title, start, filters):
        seen.append(start)
        return str(target), "Word 文件 (*.docx)"

    monkeypatch.setattr(documents.QFileDialog, "getSaveFileName", ask)
    dialog = _dialog(qtbot)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = target.with_suffix(".docx")
    assert saved.read_bytes()[:2] == b"PK"
    assert Path(seen[0]).parent == Path(documents.documents_folder())
    assert f"已将Word 文件保存到 {saved}" == dialog.status_label.text()


def test_qt_own_buttons_and_dialogs_speak_chinese(qtbot) -> None:
    from PyQt6.QtCore import QCoreApplication
    from PyQt6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

    from app.main import configure_application

    configure_application(QApplication.instance())
    box = QMessageBox(QMessageBox.Icon.Question, "确认", "是否继续？",
                      QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    texts = {box.button(b).text().replace("&", "") for b in
             (QMessageBox.StandardButton.Ok, QMessageBox.StandardButton.Cancel)}
    assert texts == {"确定", "取消"}
    assert QCoreApplication.translate("QFileDialog", "Save As") == "另存为"
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save)
    qtbot.addWidget(buttons)
    assert "保存" in buttons.button(QDialogButtonBox.StandardButton.Save).text()


def test_the_word_button_saves_the_word_file_beside_the_pdf(qtbot, monkeypatch,
                                                            tmp_path) -> None:
    seen: list[tuple[str, str]] = []

    def ask(_parent, _title, start, filters):
        seen.append((start, filters))
        return str(tmp_path / Path(start).name), filters

    monkeypatch.setattr(documents.QFileDialog, "getSaveFileName", ask)
    dialog = _dialog(qtbot)
    assert dialog.save_word_button.isEnabled()
    qtbot.mouseClick(dialog.save_word_button, Qt.MouseButton.LeftButton)
    [(start, filters)] = seen
    assert Path(start).name == "receipt.docx" and filters == "Word 文件 (*.docx)"
    assert (tmp_path / "receipt.docx").read_bytes()[:2] == b"PK"
    assert "Word 文件" in dialog.status_label.text()


def test_without_a_word_file_the_word_button_is_off(qtbot) -> None:
    context = sample_context(DocumentKind.RECEIPT)
    dialog = DocumentPreviewDialog([PreviewItem("凭证", render_pdf(context), "r.pdf")])
    qtbot.addWidget(dialog)
    assert not dialog.save_word_button.isEnabled()
