"""受理登记, part ②: reading the applicant's ID card (F2) instead of typing it.

The panel runs the configured reader in the background and hands the checked card to
the registration, which fills the fields from it; the card's photo and the facts the
form has no field for (gender, ethnicity, birth date, validity, issuing authority) are
shown here. A missing reader, an empty reader or a failed read says why and leaves
every field as typed.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt, pyqtSignal
from PyQt6.QtGui import QPixmap
from PyQt6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.domain.id_card import IdCard
from app.services import id_cards
from app.ui.context import AppContext
from app.ui.feedback import restyle


class IdCardPanel(QWidget):
    """The 读身份证 button, the last card's photo and facts."""

    cardRead = pyqtSignal(object)  # IdCard
    readFailed = pyqtSignal(object)  # DomainError

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("idCardPanel")
        self.context = context
        self.card: IdCard | None = None
        self._reading = False
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.read_button = QPushButton(self.tr("读身份证(F2)"), self)
        self.read_button.setObjectName("readCardButton")
        self.read_button.setToolTip(self.tr("将身份证放在阅读器上，按 F2 读取姓名、号码、住址和照片"))
        column = QVBoxLayout()
        column.addWidget(self.read_button)
        column.addStretch(1)
        layout.addLayout(column)
        self.photo_label = QLabel(self)
        self.photo_label.setObjectName("cardPhotoLabel")
        self.photo_label.setFixedSize(68, 84)
        self.photo_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.photo_label.hide()
        layout.addWidget(self.photo_label)
        self.facts_label = QLabel(self)
        self.facts_label.setObjectName("cardFactsLabel")
        self.facts_label.setWordWrap(True)
        layout.addWidget(self.facts_label, 1)
        self.read_button.setVisible(context.id_card_reader is not None)
        self._connect_signals()

    def _connect_signals(self) -> None:
        self.read_button.clicked.connect(self._on_read_button_clicked)

    def _on_read_button_clicked(self) -> None:
        self.read()

    def read(self) -> None:
        """Read the card now (in the background); the result comes by signal."""
        if self._reading:
            return
        self._reading = True
        self.read_button.setEnabled(False)
        reader = self.context.id_card_reader
        self.context.runner.run(
            lambda: id_cards.read_card(reader),
            on_done=self._on_card, on_error=self._on_error,
            # Not the database's worker: a slow reader must not hold up saving.
            network=True, label=self.tr("正在读卡…"), parent=self)

    def _on_card(self, card: IdCard) -> None:
        self._reading = False
        self.read_button.setEnabled(True)
        self.show_card(card)
        self.cardRead.emit(card)

    def _on_error(self, error: BaseException) -> None:
        self._reading = False
        self.read_button.setEnabled(True)
        self.readFailed.emit(error)

    def show_card(self, card: IdCard) -> None:
        self.card = card
        pixmap = QPixmap()
        if card.photo and pixmap.loadFromData(card.photo):
            self.photo_label.setPixmap(pixmap.scaled(
                self.photo_label.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
            self.photo_label.show()
        self.facts_label.setProperty("role", "fieldOk")
        self.facts_label.setText(self.tr(
            "✓ 已读取身份证：{0}，{1}，{2}族，{3:%Y年%m月%d日}出生\n签发机关：{4}\n有效期限：{5}"
        ).format(card.name, card.gender, card.ethnicity, card.birth_date,
                 card.issuing_authority, card.validity_text))
        restyle(self.facts_label)

    def clear(self) -> None:
        """The card no longer describes the form (another applicant, or edited fields)."""
        self.card = None
        self.photo_label.clear()
        self.photo_label.hide()
        self.facts_label.clear()
