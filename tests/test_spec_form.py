"""The spec form is generated from the spec dataclasses: widgets match fields, edits validate
through spec_from_dict with sentences naming the key, YAML round-trips, advanced fields hide."""
from dataclasses import dataclass

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QSpinBox

from conftest import tiny_spec
from core.families.instance_segmentation.spec import InstanceSegmentationSpec
from core.specs import fields_of, load_spec_file, param, save_spec_file
from studio.ui.spec_form import SpecForm


@dataclass
class Deep:
    depth: int = param(2, "Depth of a section inside a section.", min=0, max=5)


@dataclass
class Inner:
    rate: float = param(0.0002, "A learning rate.", min=0.0, max=1.0)
    sizes: list[int] = param([1400, 1800], "Decay steps.", unit="steps")
    secret: int = param(3, "An advanced knob.", min=1, max=9, advanced=True)
    deep: Deep = param(Deep, "A nested section.")

    def check(self):
        return ["inner.sizes must be increasing"] if list(self.sizes) != sorted(self.sizes) else []


@dataclass
class TinySpec:
    task: str = param("tiny", "Family.", choices=("tiny",))
    flag: bool = param(True, "A switch.")
    count: int = param(5, "How many.", unit="items", min=1, max=10)
    mode: str = param("a", "Mode.", choices=("a", "b"))
    pretrained: str = param("", "Weights file.")
    inner: Inner = param(Inner, "Inner section.")


def _all_fields(cls, prefix=""):
    out = []
    for info in fields_of(cls, prefix):
        out += _all_fields(info.type, info.path + ".") if info.is_section else [info]
    return out


def _type_text(qtbot, widget, text):
    widget.selectAll()
    qtbot.keyClicks(widget, text)


def test_widgets_match_the_fields_for_any_spec_class(qtbot):
    from core.families.detection.spec import DetectionSpec
    from core.families.gesture.spec import GestureSpec

    for cls in (TinySpec, InstanceSegmentationSpec, DetectionSpec, GestureSpec):
        form = SpecForm(cls)
        qtbot.addWidget(form)
        infos = _all_fields(cls)
        assert sorted(form.rows) == sorted(i.path for i in infos)
        for info in infos:
            w = form.rows[info.path].editor.widget
            assert info.help in w.toolTip() and info.path in w.toolTip()
            if info.choices:
                assert isinstance(w, QComboBox) and w.count() == len(info.choices)
            elif info.type is bool:
                assert isinstance(w, QCheckBox)
            elif info.type is int:
                assert isinstance(w, QSpinBox)
                if info.min is not None:
                    assert w.minimum() == info.min
                if info.max is not None:
                    assert w.maximum() == info.max
        assert form.spec() == cls()                  # the defaults come back as they went in
    form = SpecForm(InstanceSegmentationSpec)
    qtbot.addWidget(form)
    assert form.tabs.count() == 5   # train, data, model, evaluate, export
    assert form.rows["model.pretrained"].editor.browse is not None   # a file picker for weights
    # a learning rate like 0.0002 keeps its digits; units are shown
    assert form.rows["train.warmup_learning_rate"].editor.widget.text() == "0.0002"
    assert form.spec() == InstanceSegmentationSpec()


def test_an_invalid_edit_names_the_key_and_spec_is_none(qtbot):
    form = SpecForm(InstanceSegmentationSpec)
    qtbot.addWidget(form)
    form.show()
    lr = form.rows["train.init_learning_rate"].editor.widget
    with qtbot.waitSignal(form.validity_changed) as blocker:
        _type_text(qtbot, lr, "abc")
    assert blocker.args == [False]
    assert form.spec() is None
    assert "train.init_learning_rate must be a number" in form.error_label.text()
    assert form.error_label.isVisible()
    assert form.invalid_fields() == ["train.init_learning_rate"]
    assert "⚠" in form.tabs.tabText(0)
    _type_text(qtbot, lr, "2e-4")                       # scientific notation
    assert form.spec().train.init_learning_rate == pytest.approx(0.0002)
    assert not form.error_label.isVisible() and form.invalid_fields() == []
    # a bound checked by the spec (not the widget): a float above its max
    _type_text(qtbot, form.rows["train.momentum"].editor.widget, "1.5")
    assert form.spec() is None and "train.momentum must be <= 0.999, got 1.5" in form.error_label.text()
    _type_text(qtbot, form.rows["train.momentum"].editor.widget, "0.8")
    # a cross-field rule: both keys named, both highlighted
    form.rows["train.warmup_steps"].editor.widget.setValue(5000)
    assert form.spec() is None
    assert "train.warmup_steps (5000) must not exceed train.total_steps" in form.error_label.text()
    assert set(form.invalid_fields()) == {"train.warmup_steps", "train.total_steps"}
    form.reset_field("train.warmup_steps")              # the per-field reset brings the default back
    assert form.spec() is not None and form.spec().train.warmup_steps == 200
    # lists are typed as "1400, 1800"
    _type_text(qtbot, form.rows["train.learning_rate_steps"].editor.widget, "100, 50")
    assert "train.learning_rate_steps must be increasing" in form.error_label.text()
    _type_text(qtbot, form.rows["train.learning_rate_steps"].editor.widget, "100, x")
    assert "train.learning_rate_steps (item 2) must be an integer, got 'x'" in form.error_label.text()
    _type_text(qtbot, form.rows["train.learning_rate_steps"].editor.widget, "100 300")
    assert form.spec().train.learning_rate_steps == [100, 300]


def test_reset_button_shows_only_for_changed_fields(qtbot):
    form = SpecForm(TinySpec)
    qtbot.addWidget(form)
    form.show()
    row = form.rows["count"]
    assert not row.reset.isVisible()
    row.editor.widget.setValue(7)
    assert row.reset.isVisible() and "5" in row.reset.toolTip()
    qtbot.mouseClick(row.reset, Qt.MouseButton.LeftButton)
    assert form.spec().count == 5 and not row.reset.isVisible()


def test_yaml_round_trip_and_bad_file(qtbot, tmp_path):
    spec = tiny_spec(total_steps=8, checkpoint_interval=2)
    form = SpecForm(InstanceSegmentationSpec)
    qtbot.addWidget(form)
    form.set_spec(spec)
    assert form.spec() == spec
    out = tmp_path / "spec.yaml"
    assert form.save_yaml(out)
    assert load_spec_file(InstanceSegmentationSpec, out) == spec
    other = SpecForm(InstanceSegmentationSpec)
    qtbot.addWidget(other)
    assert other.load_yaml(out) and other.spec() == spec
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  batch_size: 0\n")
    assert not other.load_yaml(bad)
    assert "train.batch_size must be >= 1, got 0" in other.error_label.text()
    assert other.spec() == spec          # a refused file leaves the form as it was
    # saving refuses while the form is invalid, and writes nothing
    _type_text(qtbot, other.rows["train.momentum"].editor.widget, "oops")
    assert not other.save_yaml(tmp_path / "never.yaml") and not (tmp_path / "never.yaml").exists()


def test_advanced_toggle_and_tiny_spec(qtbot, tmp_path):
    form = SpecForm(TinySpec)
    qtbot.addWidget(form)
    form.show()
    secret = form.rows["inner.secret"]
    assert not secret.editor.widget.isVisible() and not secret.label.isVisible()
    assert form.rows["count"].editor.widget.isVisible()
    qtbot.mouseClick(form.advanced, Qt.MouseButton.LeftButton)
    form.tabs.setCurrentIndex(0)
    assert secret.editor.widget.isVisible()
    form.advanced.setChecked(False)
    # generic editors: a list, a choice, a bool, a file field
    assert isinstance(form.rows["inner.sizes"].editor.widget, QLineEdit)
    assert form.rows["inner.sizes"].editor.widget.text() == "1400, 1800"
    form.rows["mode"].editor.widget.setCurrentIndex(1)
    form.rows["flag"].editor.widget.setChecked(False)
    form.rows["pretrained"].editor.edit.setText("/w.pth")
    form.rows["pretrained"].editor.on_change()
    form.rows["inner.deep.depth"].editor.widget.setValue(4)      # a section two levels down
    spec = form.spec()
    assert (spec.mode, spec.flag, spec.pretrained, spec.inner.deep.depth) == ("b", False, "/w.pth", 4)
    save_spec_file(spec, tmp_path / "t.yaml")
    assert load_spec_file(TinySpec, tmp_path / "t.yaml") == spec
    # read-only view: editors do not edit, reset buttons hide
    form.set_read_only(True, "kept")
    assert form.rows["inner.sizes"].editor.widget.isReadOnly()
    assert form.note_label.text() == "kept"


def test_the_schedule_follows_total_steps_from_the_spec_shown(qtbot, tmp_path):
    """Derived fields scale from the spec the form was given (a loaded YAML here), not from the
    class defaults; the user's own values stay; showing another spec starts afresh."""
    spec = tiny_spec(total_steps=400, warmup_steps=50, learning_rate_steps=[300, 360],
                     learning_rate_decay_levels=[0.1, 0.01], checkpoint_interval=100)
    save_spec_file(spec, tmp_path / "s.yaml")
    form = SpecForm(InstanceSegmentationSpec)
    qtbot.addWidget(form)
    form.show()
    assert form.load_yaml(tmp_path / "s.yaml")
    rows = form.rows
    _type_text(qtbot, rows["train.total_steps"].editor.widget, "800")
    t = form.spec().train
    assert (t.warmup_steps, t.learning_rate_steps, t.checkpoint_interval) == (100, [600, 720], 100)
    _type_text(qtbot, rows["train.learning_rate_steps"].editor.widget, "500, 700")
    _type_text(qtbot, rows["train.total_steps"].editor.widget, "200")
    t = form.spec()
    assert t is None and "got 500, 700" in form.error_label.text()      # the user's decays are theirs to fix
    assert rows["train.warmup_steps"].editor.value() == 25 and rows["train.checkpoint_interval"].editor.value() == 100
    form.set_spec(spec)                                  # a new spec shown: nothing is the user's any more
    _type_text(qtbot, rows["train.total_steps"].editor.widget, "200")
    assert form.spec().train.learning_rate_steps == [150, 180]
    # a spec class without the hook: editing one field changes no other
    tiny = SpecForm(TinySpec)
    qtbot.addWidget(tiny)
    tiny.rows["inner.deep.depth"].editor.widget.setValue(4)
    tiny.rows["count"].editor.widget.setValue(9)
    assert tiny.spec() == TinySpec(count=9, inner=Inner(deep=Deep(depth=4)))
