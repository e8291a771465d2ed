"""A form generated from any spec dataclass (`core.specs.fields_of`): one tab per section, one row
per field (label, editor, unit, reset), tooltips from the help texts, advanced fields behind a
toggle, validation through `spec_from_dict` on every edit, Load/Save YAML. Fields whose values
follow another (the spec's `derived_defaults`: warmup and decay steps follow total_steps) are
updated when the user edits that one, unless the user set them too.

    form = SpecForm(InstanceSegmentationSpec, defaults=default_spec)
    form.set_spec(spec); form.spec()  # the validated dataclass, or None (form.errors says why)
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QCheckBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton, QTabWidget,
                               QVBoxLayout, QWidget)

from core.errors import SpecError
from core.specs import derived_defaults, fields_of, load_spec_file, save_spec_file, spec_from_dict, spec_to_dict
from studio.ui.spec_fields import fmt_value
from studio.ui.save_target import SavedNote
from studio.ui.spec_rows import FieldRow, add_rows, section_page

INVALID_STYLE = "border: 1px solid #d9443a; border-radius: 3px;"
class SpecForm(QWidget):
    changed = Signal()              # after any edit (valid or not)
    validity_changed = Signal(bool)

    def __init__(self, spec_cls: type, defaults: Any = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.spec_cls = spec_cls
        self.defaults = defaults if defaults is not None else spec_cls()
        self.rows: dict[str, FieldRow] = {}
        self.errors: list[str] = []
        self._spec: Any = None
        self._baseline: Any = self.defaults   # the spec last shown: derived fields scale from it
        self._user_edited: set[str] = set()   # fields the user set since then
        self._loading = False
        self._read_only = False

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self._tab_titles: list[str] = []
        self.top_form = QFormLayout()        # top-level scalars (e.g. task) sit above the tabs
        self._add_rows(add_rows(self.top_form, [i for i in fields_of(spec_cls) if not i.is_section], -1,
                                self._edited, self.reset_field))
        for info in fields_of(spec_cls):
            if info.is_section:
                tab = len(self._tab_titles)
                page, rows = section_page(info, tab, self._edited, self.reset_field)
                self._add_rows(rows)
                self.tabs.addTab(page, info.label.title())
                self.tabs.setTabToolTip(tab, info.help)
                self._tab_titles.append(info.label.title())

        self.advanced = QCheckBox("Advanced")
        self.advanced.setToolTip("Show the advanced settings: those most runs leave at their defaults")
        self.advanced.toggled.connect(self._apply_advanced)
        self.load_button = QPushButton("Load YAML...")
        self.load_button.setToolTip("Fill the form from a spec file (the same YAML `studio train --spec` reads)")
        self.load_button.clicked.connect(self._load_dialog)
        self.save_button = QPushButton("Save YAML...")
        self.save_button.setToolTip("Write the spec to a YAML file (with each key's help as a comment)")
        self.save_button.clicked.connect(self._save_dialog)
        bar = QHBoxLayout()
        bar.addWidget(self.advanced)
        bar.addStretch(1)
        bar.addWidget(self.load_button)
        bar.addWidget(self.save_button)

        self.error_label = QLabel()
        self.error_label.setObjectName("SpecErrors")
        self.error_label.setProperty("role", "error")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.note_label = QLabel()
        self.note_label.setProperty("role", "hint")
        self.note_label.setWordWrap(True)
        self.note_label.hide()
        self.saved_note = SavedNote()
        self.folder: Path | None = None     # where Load/Save YAML start (a project's exports folder)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addLayout(self.top_form)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.error_label)
        lay.addWidget(self.note_label)
        lay.addWidget(self.saved_note)
        self.set_spec(self.defaults)
        self._apply_advanced(False)

    def _add_rows(self, rows: list[FieldRow]) -> None:
        self.rows.update((r.info.path, r) for r in rows)

    # -- values -----------------------------------------------------------------------------
    def _default_of(self, path: str) -> Any:
        value = self.defaults
        for part in path.split("."):
            value = getattr(value, part)
        return value

    def set_spec(self, spec: Any) -> None:
        """Show a spec (any instance of the form's class) in the editors and validate it."""
        self.saved_note.clear_note()
        data = spec_to_dict(spec)
        self._baseline, self._user_edited = spec, set()
        self._loading = True
        try:
            for path, row in self.rows.items():
                value = data
                for part in path.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                row.editor.set_value(value)
        finally:
            self._loading = False
        self.validate()

    def reset_field(self, path: str) -> None:
        self.rows[path].editor.set_value(self._default_of(path))
        self._edited(path)

    def raw_values(self) -> tuple[dict[str, Any], list[str]]:
        """The nested dict the editors hold, plus sentences for texts that do not parse."""
        data: dict[str, Any] = {}
        problems: list[str] = []
        for path, row in self.rows.items():
            try:
                value = row.editor.value()
            except ValueError as exc:
                problems.append(str(exc))
                continue
            *parents, leaf = path.split(".")
            node = data
            for part in parents:
                node = node.setdefault(part, {})
            node[leaf] = value
        return data, problems

    def validate(self) -> Any:
        data, problems = self.raw_values()
        spec = None
        if problems:
            errors = problems
        else:
            try:
                spec, errors = spec_from_dict(self.spec_cls, data), []
            except SpecError as exc:
                errors = [line[2:] if line.startswith("- ") else line
                          for line in str(exc).removeprefix("The spec is not valid:").strip().splitlines()]
        was_valid = self._spec is not None
        self._spec, self.errors = spec, errors
        self._show_errors()
        self._update_resets(data)
        if was_valid != (spec is not None):
            self.validity_changed.emit(spec is not None)
        return spec

    def spec(self) -> Any:
        """The validated spec, or None while the form holds a problem (see `errors`)."""
        return self._spec

    def is_valid(self) -> bool:
        return self._spec is not None

    def _edited(self, path: str | None = None) -> None:
        if self._loading:
            return
        if path is not None:
            self._user_edited.add(path)
            self._follow(path)
        self.validate()
        self.changed.emit()

    def _follow(self, path: str) -> None:
        """Give the fields that follow `path` (in its section) their derived values, scaled from the
        spec last shown; fields the user set keep theirs."""
        parent = path.rpartition(".")[0]
        prefix = parent + "." if parent else ""
        cls, base = self.spec_cls, self._baseline
        for part in parent.split(".") if parent else ():
            cls = next(i.type for i in fields_of(cls) if i.name == part)
            base = getattr(base, part, None)
        given: dict[str, Any] = {}
        for p in self._user_edited:
            name = p[len(prefix):]
            if not p.startswith(prefix) or "." in name or p not in self.rows:
                continue
            try:
                given[name] = self.rows[p].editor.value()
            except ValueError:
                if p == path:
                    return          # the edited text does not parse yet: nothing follows from it
        try:
            derived = derived_defaults(cls, given, base)
        except (SpecError, ValueError, TypeError):
            return
        self._loading = True
        try:
            for name, value in derived.items():
                row = self.rows.get(prefix + name)
                if row is not None:
                    row.editor.set_value(value)
        finally:
            self._loading = False

    # -- presentation -----------------------------------------------------------------------
    def _show_errors(self) -> None:
        text = "\n".join(f"• {e.rstrip('.')}." for e in self.errors)
        self.error_label.setText(text)
        self.error_label.setVisible(bool(self.errors))
        bad_tabs: set[int] = set()
        for path, row in self.rows.items():
            pattern = re.compile(r"(?<![\w.])" + re.escape(path) + r"(?![\w])")
            bad = any(pattern.search(e) for e in self.errors)
            row.editor.focus_widget.setStyleSheet(INVALID_STYLE if bad else "")
            row.editor.widget.setProperty("invalid", bad)
            if bad:
                bad_tabs.add(row.tab)
                if row.info.advanced and not self.advanced.isChecked():
                    self.advanced.setChecked(True)   # never hide the field that needs fixing
        for i, title in enumerate(self._tab_titles):
            self.tabs.setTabText(i, f"{title} ⚠" if i in bad_tabs else title)

    def invalid_fields(self) -> list[str]:
        return [p for p, r in self.rows.items() if r.editor.widget.property("invalid")]

    def _update_resets(self, data: dict[str, Any]) -> None:
        for path, row in self.rows.items():
            value = data
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            default = self._default_of(path)
            differs = value != (list(default) if isinstance(default, tuple) else default)
            row.reset.setVisible(differs and not self._read_only)
            row.reset.setToolTip(f"Reset to the default: {fmt_value(default) or '(empty)'}")

    def _apply_advanced(self, show: bool) -> None:
        for row in self.rows.values():
            if row.info.advanced:
                row.form.setRowVisible(row.label, show)

    def set_read_only(self, read_only: bool, note: str = "") -> None:
        """Show without editing (an existing run keeps its spec); Save YAML still works."""
        self._read_only = read_only
        for row in self.rows.values():
            row.editor.set_read_only(read_only)
        self.load_button.setEnabled(not read_only)
        self.note_label.setText(note)
        self.note_label.setVisible(bool(note))
        self.validate()

    # -- files ------------------------------------------------------------------------------
    def load_yaml(self, path: str | Path) -> bool:
        """Fill the form from a YAML spec; on a problem, say so and keep the form as it was."""
        try:
            spec = load_spec_file(self.spec_cls, path)
        except SpecError as exc:
            self.errors = [f"Could not load {Path(path).name}: {exc}"]
            self.error_label.setText(self.errors[0])
            self.error_label.show()
            return False
        self.set_spec(spec)
        self.changed.emit()
        return True

    def save_yaml(self, path: str | Path) -> bool:
        spec = self.validate()
        if spec is None:
            self.error_label.setText("Fix the problems above before saving:\n" + self.error_label.text())
            return False
        save_spec_file(spec, path)
        self.saved_note.saved(path)
        return True

    def _start(self, name: str = "") -> str:
        folder = self.folder if self.folder is not None else Path.home()
        return str(folder / name) if name else str(folder)

    def _load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load a spec", self._start(),
                                              "YAML spec (*.yaml *.yml);;All files (*)")
        if path:
            self.load_yaml(path)

    def _save_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the spec", self._start("spec.yaml"),
                                              "YAML spec (*.yaml *.yml)")
        if path:
            self.save_yaml(path)
