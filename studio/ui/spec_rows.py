"""The rows of a spec form: label, editor, unit and a reset button per field, laid out in a
QFormLayout; one scrollable page per spec section (nested sections get a titled block)."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget

from core.specs import FieldInfo, fields_of
from studio.ui.spec_fields import FieldEditor, make_editor

ACRONYMS = {"fpn": "FPN", "rpn": "RPN", "nms": "NMS", "bn": "BN", "amp": "AMP", "lr": "LR", "l2": "L2",
            "im": "image", "mrcnn": "Mask R-CNN", "ap": "AP", "onnx": "ONNX", "rgb": "RGB", "pth": "pth"}


def pretty_label(label: str) -> str:
    """"rpn pre nms top n train" -> "RPN pre NMS top n train"; first letter capitalized."""
    text = " ".join(ACRONYMS.get(w.lower(), w) for w in label.split(" "))
    return text[:1].upper() + text[1:]


class FieldRow:
    """One field's widgets; `tab` is the index of its section's tab (-1 above the tabs)."""

    def __init__(self, info: FieldInfo, editor: FieldEditor, form: QFormLayout, label: QLabel,
                 reset: QToolButton, tab: int):
        self.info, self.editor, self.form, self.label, self.reset, self.tab = info, editor, form, label, reset, tab


def add_rows(form: QFormLayout, infos: list[FieldInfo], tab: int, on_change: Callable[[str], None],
             on_reset: Callable[[str], None]) -> list[FieldRow]:
    """Rows for `infos`; `on_change(path)` is called after each edit of the field at `path`."""
    rows: list[FieldRow] = []
    for info in infos:
        if info.is_section:   # deeper nesting: a titled block of its own rows
            title = QLabel(f"<b>{pretty_label(info.label)}</b>")
            title.setToolTip(info.help)
            form.addRow(title)
            rows += add_rows(form, list(fields_of(info.type, info.path + ".")), tab, on_change, on_reset)
        else:
            rows.append(_row(form, info, tab, on_change, on_reset))
    return rows


def _row(form: QFormLayout, info: FieldInfo, tab: int, on_change, on_reset) -> FieldRow:
    editor = make_editor(info, lambda p=info.path: on_change(p))
    label = QLabel(pretty_label(info.label))
    label.setToolTip(editor.widget.toolTip() + ("\n(advanced setting)" if info.advanced else ""))
    if info.advanced:
        label.setProperty("role", "hint")
    label.setBuddy(editor.focus_widget)
    holder = QWidget()
    line = QHBoxLayout(holder)
    line.setContentsMargins(0, 0, 0, 0)
    line.addWidget(editor.widget, 1)
    unit = QLabel(info.unit or "")
    unit.setProperty("role", "hint")
    unit.setMinimumWidth(max(40, unit.sizeHint().width()))    # "images" never cut to "image:"
    line.addWidget(unit)
    reset = QToolButton(text="↺")
    reset.setObjectName(f"reset:{info.path}")
    reset.setAutoRaise(True)
    policy = reset.sizePolicy()
    policy.setRetainSizeWhenHidden(True)   # the editor keeps its width when the reset hides
    reset.setSizePolicy(policy)
    reset.clicked.connect(lambda _=False, p=info.path: on_reset(p))
    line.addWidget(reset)
    form.addRow(label, holder)
    return FieldRow(info, editor, form, label, reset, tab)


def section_page(section: FieldInfo, tab: int, on_change, on_reset) -> tuple[QScrollArea, list[FieldRow]]:
    """A scrollable page with a section's help line and its rows."""
    page = QWidget()
    outer = QVBoxLayout(page)
    if section.help:
        hint = QLabel(section.help)
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        outer.addWidget(hint)
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)   # too narrow: the editor goes under its label
    outer.addLayout(form)
    outer.addStretch(1)
    rows = add_rows(form, list(fields_of(section.type, section.path + ".")), tab, on_change, on_reset)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setWidget(page)
    # never narrower than its rows (wrapped when they must be): the form scrolls up and down, never sideways
    scroll.setMinimumWidth(page.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width() + 4)
    return scroll, rows
