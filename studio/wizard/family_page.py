"""Step 1: which model family — a list (title and one sentence each) and, for the selected one,
its picture, model, data formats and whether it trains in this version."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWizardPage

from core.datasets.formats import formats_for
from core.families import FamilyInfo, family_infos
from core.families.spec_lookup import is_trainable
from studio.wizard.widgets import Message

PICTURES = Path(__file__).resolve().parents[2] / "resources" / "families"


def family_trainable(name: str) -> bool:
    """True when the family has a trainer (its `family` module exists); imports nothing heavy."""
    return is_trainable(name)


def picture(info: FamilyInfo) -> QPixmap:
    return QPixmap(str(PICTURES / info.picture))


class FamilyPage(QWizardPage):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setTitle("What should the model do?")
        self.setSubTitle("Choose the kind of model. It decides which data the project takes and how it is "
                         "trained and evaluated.")
        self.infos = family_infos()
        self.list = QListWidget()
        self.list.setObjectName("FamilyList")
        self.list.setIconSize(QSize(96, 64))
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setMinimumWidth(330)
        self.list.setToolTip("Use the arrow keys to move between families.")
        for info in self.infos:
            suffix = "" if family_trainable(info.name) else "\n(training arrives in a later version)"
            icon = QIcon()
            for mode in (QIcon.Mode.Normal, QIcon.Mode.Selected):  # no selection tint over the picture
                icon.addPixmap(picture(info), mode)
            item = QListWidgetItem(icon, f"{info.title}\n{info.summary}{suffix}")
            item.setData(Qt.ItemDataRole.UserRole, info.name)
            item.setSizeHint(QSize(320, 78))
            self.list.addItem(item)

        self.picture = QLabel()
        self.picture.setFixedSize(240, 160)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.name = QLabel()
        self.name.setProperty("role", "title")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.availability = Message()
        detail = QVBoxLayout()
        for w in (self.picture, self.name, self.summary, self.details, self.availability):
            detail.addWidget(w)
        detail.addStretch(1)
        lay = QHBoxLayout(self)
        lay.addWidget(self.list, 1)
        lay.addSpacing(12)
        lay.addLayout(detail, 1)
        self.list.currentRowChanged.connect(self._show)
        self.list.setCurrentRow(0)

    # -- state ------------------------------------------------------------------------------
    def family(self) -> FamilyInfo:
        return self.infos[max(0, self.list.currentRow())]

    def select(self, name: str) -> None:
        self.list.setCurrentRow([i.name for i in self.infos].index(name))

    def trainable(self) -> bool:
        return family_trainable(self.family().name)

    def _show(self, row: int) -> None:
        if row < 0:
            return
        info = self.infos[row]
        self.picture.setPixmap(picture(info))
        self.name.setText(info.title)
        self.summary.setText(info.summary)
        formats = ", ".join(f.short for f in formats_for(info))
        if info.sample_data:
            formats += ", or the built-in sample data"
        self.details.setText(f"<b>Model:</b> {info.model}<br><b>Data:</b> {formats}<br>"
                             f"<b>Compared by:</b> {info.headline_metric}")
        if family_trainable(info.name):
            self.availability.ok("Trains in this version: the wizard ends by starting the first training run.")
        else:
            self.availability.note(f"Training {info.title.lower()} models arrives in a later version of Studio. "
                                   "You can create the project and import its data now; the wizard then ends at "
                                   "“Create project”.")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self.list.currentRow() >= 0
