"""One editor per spec field type, made from a `core.specs.FieldInfo`.

Each editor holds a widget and converts between the widget and a plain value: `value()`
returns what goes into `spec_from_dict` (or raises `ValueError` with a sentence naming the
field when the text cannot even be parsed); `set_value(v)` shows a value. Bounds, choices and
cross-field rules are checked by the spec itself, so the GUI and the CLI never disagree.
"""
from __future__ import annotations

import re
import typing
from typing import Any, Callable

from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLineEdit, QSpinBox,
                               QToolButton, QWidget)

from core.specs import FieldInfo

INT_LIMIT = 2_000_000_000
FILE_FIELDS = ("pretrained", "checkpoint", "weights")
_SPLIT = re.compile(r"[,\s;]+")


def fmt_value(value: Any) -> str:
    """How a value reads in the form and in tooltips ("0.0002", "1400, 1800", "true")."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return ", ".join(fmt_value(v) for v in value)
    return "" if value is None else str(value)


def _parse_scalar(tp: type, text: str, key: str) -> Any:
    try:
        if tp is int:
            number = float(text)
            if not number.is_integer():
                raise ValueError
            return int(number)
        if tp is float:
            return float(text)
    except ValueError:
        what = "an integer" if tp is int else "a number (e.g. 0.0002 or 2e-4)"
        raise ValueError(f"{key} must be {what}, got {text!r}") from None
    return text


class FieldEditor:
    """Base: `widget` is what goes in the form; `on_change` is called after each edit."""

    def __init__(self, info: FieldInfo, on_change: Callable[[], None]):
        self.info = info
        self.on_change = on_change
        self.widget: QWidget = self._build()
        self.widget.setObjectName(f"field:{info.path}")
        self.widget.setToolTip(tooltip(info))

    def _build(self) -> QWidget:  # pragma: no cover - overridden
        raise NotImplementedError

    def value(self) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_value(self, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def set_read_only(self, read_only: bool) -> None:
        self.widget.setEnabled(not read_only)

    @property
    def focus_widget(self) -> QWidget:
        return self.widget


class IntEditor(FieldEditor):
    def _build(self) -> QWidget:
        box = QSpinBox()
        lo = self.info.min if self.info.min is not None else -INT_LIMIT
        hi = self.info.max if self.info.max is not None else INT_LIMIT
        box.setRange(int(max(lo, -INT_LIMIT)), int(min(hi, INT_LIMIT)))
        box.setAccelerated(True)
        box.setMinimumWidth(96)
        box.valueChanged.connect(lambda _v: self.on_change())
        return box

    def value(self) -> int:
        return self.widget.value()

    def set_value(self, value: Any) -> None:
        self.widget.setValue(int(value))

    def set_read_only(self, read_only: bool) -> None:
        self.widget.setReadOnly(read_only)


class TextEditor(FieldEditor):
    """Floats (scientific notation welcome), optional numbers, text; empty means None when allowed."""

    def _build(self) -> QWidget:
        edit = QLineEdit()
        edit.setMinimumWidth(96)
        edit.setPlaceholderText("empty = none" if self.info.optional else fmt_value(self.info.default))
        edit.textEdited.connect(lambda _t: self.on_change())
        return edit

    def value(self) -> Any:
        text = self.widget.text().strip()
        if not text and self.info.optional:
            return None
        if self.info.type is str:
            return self.widget.text()
        return _parse_scalar(self.info.type, text, self.info.path)

    def set_value(self, value: Any) -> None:
        self.widget.setText(fmt_value(value))

    def set_read_only(self, read_only: bool) -> None:
        self.widget.setReadOnly(read_only)


class ListEditor(TextEditor):
    """list[int|float|str] typed as "1400, 1800"."""

    def value(self) -> Any:
        text = self.widget.text().strip()
        if not text:
            return None if self.info.optional else []
        (inner,) = typing.get_args(self.info.type)
        return [_parse_scalar(inner, part, f"{self.info.path} (item {i + 1})")
                for i, part in enumerate(p for p in _SPLIT.split(text) if p)]


class BoolEditor(FieldEditor):
    def _build(self) -> QWidget:
        box = QCheckBox()
        box.toggled.connect(lambda _v: self.on_change())
        return box

    def value(self) -> bool:
        return self.widget.isChecked()

    def set_value(self, value: Any) -> None:
        self.widget.setChecked(bool(value))


class ChoiceEditor(FieldEditor):
    def _build(self) -> QWidget:
        box = QComboBox()
        for choice in self.info.choices or ():
            box.addItem(fmt_value(choice), choice)
        box.currentIndexChanged.connect(lambda _i: self.on_change())
        return box

    def value(self) -> Any:
        return self.widget.currentData()

    def set_value(self, value: Any) -> None:
        i = self.widget.findData(value)
        if i < 0:  # a value outside the choices (from a hand-written file): show it, validation says why
            self.widget.addItem(fmt_value(value), value)
            i = self.widget.count() - 1
        self.widget.setCurrentIndex(i)


class FileEditor(TextEditor):
    """Text plus a "..." button that picks a local file (weights)."""

    def _build(self) -> QWidget:
        self.edit = super()._build()
        self.edit.setPlaceholderText("empty = train from scratch")
        holder = QWidget()
        lay = QHBoxLayout(holder)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.edit, 1)
        self.browse = QToolButton(text="...")
        self.browse.setToolTip("Choose a local weights file (.pth / .pt)")
        self.browse.clicked.connect(self._pick)
        lay.addWidget(self.browse)
        return holder

    def _pick(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.widget, f"Choose {self.info.label}", self.edit.text(),
                                              "PyTorch weights (*.pth *.pt);;All files (*)")
        if path:
            self.edit.setText(path)
            self.on_change()

    def value(self) -> Any:
        text = self.edit.text()
        return None if not text.strip() and self.info.optional else text.strip()

    def set_value(self, value: Any) -> None:
        self.edit.setText(fmt_value(value))

    def set_read_only(self, read_only: bool) -> None:
        self.edit.setReadOnly(read_only)
        self.browse.setEnabled(not read_only)

    @property
    def focus_widget(self) -> QWidget:
        return self.edit


def make_editor(info: FieldInfo, on_change: Callable[[], None]) -> FieldEditor:
    tp = info.type
    if info.choices:
        return ChoiceEditor(info, on_change)
    if typing.get_origin(tp) is list:
        return ListEditor(info, on_change)
    if tp is bool:
        return BoolEditor(info, on_change)
    if tp is int and not info.optional:
        return IntEditor(info, on_change)
    if tp is str and (info.name in FILE_FIELDS or info.name.endswith(("_file", "_path"))):
        return FileEditor(info, on_change)
    return TextEditor(info, on_change)


def tooltip(info: FieldInfo) -> str:
    parts = [info.help or info.label, f"Key: {info.path}"]
    rng = []
    if info.min is not None:
        rng.append(f">= {fmt_value(info.min)}")
    if info.max is not None:
        rng.append(f"<= {fmt_value(info.max)}")
    if rng:
        parts.append("Range: " + " and ".join(rng) + (f" {info.unit}" if info.unit else ""))
    if info.choices:
        parts.append("One of: " + ", ".join(fmt_value(c) for c in info.choices))
    return "\n".join(parts)
