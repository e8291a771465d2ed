"""Step 2: the project's name and the folder it goes in, checked as the user types."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWizardPage

from core.project.location import check_location, suggest_name
from studio.settings import settings
from studio.wizard.widgets import Message, PathField

LAST_PARENT_KEY = "wizard/last_parent"


def default_parent() -> str:
    saved = settings().value(LAST_PARENT_KEY, "")
    return str(saved) if saved else str(Path.home() / "Studio projects")


class LocationPage(QWizardPage):
    def __init__(self, family_page, parent=None):
        super().__init__(parent)
        self.family_page = family_page
        self.setTitle("Name and folder")
        self.setSubTitle("The project is a folder holding its database, its imported media and its runs.")
        self.name = QLineEdit()
        self.name.setObjectName("ProjectName")
        self.name.setPlaceholderText("e.g. shapes-demo")
        self.name.setToolTip("Letters, digits, spaces, '-', '_' and '.'; it becomes the folder's name.")
        self.parent_folder = PathField("dir", "Choose the folder the project goes in", placeholder="/path/to/projects")
        self.parent_folder.setObjectName("ProjectParent")
        self.parent_folder.setText(default_parent())
        self.target = QLabel()
        self.target.setProperty("role", "hint")
        self.target.setWordWrap(True)
        self.message = Message()
        self.message.setObjectName("LocationMessage")
        form = QFormLayout()
        form.addRow("Project &name:", self.name)
        form.addRow("&In folder:", self.parent_folder)
        form.addRow("Project folder:", self.target)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.message)
        lay.addStretch(1)
        self._result = check_location("", "")
        self._named_for: str | None = None   # the family a suggested name was made for
        self._user_named = False
        self.name.textEdited.connect(self._edited)
        self.name.textChanged.connect(self._check)
        self.parent_folder.changed.connect(self._check)

    def initializePage(self) -> None:  # noqa: N802 - Qt override
        family = self.family_page.family().name
        if not self._user_named and self._named_for != family:
            base = family.replace("_", "-")
            self.name.setText(suggest_name(self.parent_folder.text() or ".", f"{base}-project"))
            self._named_for = family
        self._check()
        self.name.setFocus()
        self.name.selectAll()

    def cleanupPage(self) -> None:  # noqa: N802 - Back keeps what was entered
        pass

    def _edited(self, _text: str) -> None:
        self._user_named = True

    def _check(self, *_args) -> None:
        result = self._result = check_location(self.parent_folder.text(), self.name.text())
        self.target.setText(str(result.target) if result.target else "—")
        if result.problem:
            self.message.error(result.problem)
        else:
            self.message.note(result.note)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802 - Qt override
        return self._result.ok

    def validatePage(self) -> bool:  # noqa: N802 - Qt override
        self._check()   # the disk may have changed since the last keystroke
        if not self._result.ok:
            return False
        settings().setValue(LAST_PARENT_KEY, self.parent_folder.text())
        return True

    # -- results ----------------------------------------------------------------------------
    def project_name(self) -> str:
        return self.name.text()

    def project_root(self) -> Path:
        return Path(self.parent_folder.text()).expanduser() / self.name.text()
