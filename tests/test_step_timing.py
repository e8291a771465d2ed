"""What the wizard's presets and estimates stand on, without Qt: a training step measured by the
shared trainer (in this process and in a child process), the presets' lengths, a spec edited in
YAML whose schedule follows its total_steps, the overlay sizes rule, and the check `studio gui`
makes for missing X11 libraries."""
from __future__ import annotations

import pytest

from core.families import EXTRA_FAMILIES_ENV
from gui_journeys import TOY


@pytest.fixture
def toy_spec(monkeypatch):
    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    from core.families.spec_lookup import default_spec_for

    return default_spec_for("toy_colors", "cpu")


def test_a_step_is_measured_through_the_trainer(toy_spec):
    pytest.importorskip("torch")
    from core.setup.step_timing import measure_step_time

    timing = measure_step_time("toy_colors", toy_spec, steps=3)
    assert timing.steps == 3 and timing.device == "cpu" and timing.batch_size == toy_spec.train.batch_size
    assert 0 < timing.seconds_per_step < 30


def test_a_step_is_measured_in_a_child_process_and_failures_say_why(toy_spec, monkeypatch):
    pytest.importorskip("torch")
    from core.errors import StudioError
    from core.families import family_info
    from core.setup.step_timing import measure_in_subprocess

    timing = measure_in_subprocess("toy_colors", toy_spec, steps=2)
    assert timing.steps == 2 and timing.seconds_per_step > 0
    import dataclasses

    import core.families as families
    no_sample = dataclasses.replace(family_info("toy_colors"), sample_data=None)
    monkeypatch.setattr(families, "family_info", lambda name: no_sample)
    from core.setup import step_timing

    with pytest.raises(StudioError, match="no built-in sample data to time a training step"):
        step_timing.measure_step_time("toy_colors", toy_spec)


def test_the_sizing_key_ignores_the_schedule_and_the_weights_but_not_the_size(toy_spec):
    import copy

    from core.setup.step_timing import sizing_key

    key = sizing_key("toy_colors", toy_spec)
    longer = copy.deepcopy(toy_spec)
    longer.train = longer.train.with_total_steps(4000)
    longer.model.pretrained = "/somewhere/else.pt"
    longer.train.seed = 7
    assert sizing_key("toy_colors", longer) == key
    bigger = copy.deepcopy(toy_spec)
    bigger.train.batch_size *= 2
    assert sizing_key("toy_colors", bigger) != key
    wider = copy.deepcopy(toy_spec)
    wider.data.image_size = 48
    assert sizing_key("toy_colors", wider) != key


def test_presets_size_the_run_and_the_schedule_follows():
    from core.families.instance_segmentation.spec import InstanceSegmentationSpec
    from core.setup.presets import apply_preset, duration_text, presets

    spec = InstanceSegmentationSpec()                       # 2000 steps, warmup 200, decays 1400 / 1800
    quick, standard, long = presets(2000, step_s=0.5)
    assert (quick.total_steps, quick.seconds) == (240, 120.0)          # about two minutes of steps
    assert (standard.total_steps, long.total_steps) == (2000, 6000)
    assert duration_text(quick.seconds) == "about 2 min" and duration_text(long.seconds) == "about 50 min"
    assert presets(2000, step_s=None)[0].total_steps == 100 and presets(2000, None)[0].seconds is None
    assert presets(2000, step_s=60.0)[0].total_steps == 10           # at least a few steps
    sized = apply_preset(spec, "quick", 0.5)
    assert sized.train == spec.train.with_total_steps(240)
    assert (sized.train.warmup_steps, sized.train.learning_rate_steps) == (24, [168, 216])
    assert spec.train.total_steps == 2000                              # the original is left alone


def test_an_edited_total_steps_carries_the_schedule_unless_the_user_set_it():
    from core.errors import SpecError
    from core.families.instance_segmentation.spec import InstanceSegmentationSpec as S
    from core.specs import spec_from_yaml, spec_to_yaml

    base = S()
    text = spec_to_yaml(base).replace("total_steps: 2000", "total_steps: 60")
    spec = spec_from_yaml(S, text, base=base)
    assert (spec.train.total_steps, spec.train.warmup_steps, spec.train.learning_rate_steps) == (60, 6, [42, 54])
    own = text.replace("warmup_steps: 200", "warmup_steps: 10")
    assert spec_from_yaml(S, own, base=base).train.warmup_steps == 10
    late = text.replace("learning_rate_steps: [1400, 1800]", "learning_rate_steps: [30, 1800]")
    with pytest.raises(SpecError, match=r"learning_rate_steps must be below train.total_steps \(60\), got 1800"):
        spec_from_yaml(S, late, base=base)
    with pytest.raises(SpecError, match="warmup_steps"):             # without its base, the text is what it says
        spec_from_yaml(S, text)


def test_overlay_sizes_follow_the_frame():
    import numpy as np

    from core.predictions import Instances
    from core.video.draw import draw_label, overlay_style
    from core.video.overlay import draw_instances

    small, big = overlay_style((192, 192, 3)), overlay_style((1080, 1920, 3))
    assert (small.font_scale, small.line_width, small.text_thickness) == (0.3, 1, 1)
    assert (big.font_scale, big.line_width, big.text_thickness) == (1.0, 3, 2)
    frame = np.zeros((192, 192, 3), np.uint8)
    x1, y1, x2, y2 = draw_label(frame, "triangle 0.93", 10, 60, (200, 200, 200))
    assert y2 - y1 <= 16 and x2 - x1 <= 80                           # a tag, not a third of the picture
    hd = np.zeros((1080, 1920, 3), np.uint8)
    hx1, hy1, hx2, hy2 = draw_label(hd, "triangle 0.93", 10, 200, (200, 200, 200))
    assert (hy2 - hy1) > 2 * (y2 - y1)                               # and readable on a big one
    pred = Instances(boxes=np.array([[20, 20, 120, 120]], np.float32), labels=np.array([1]),
                     scores=np.array([0.9], np.float32))
    out = draw_instances(np.zeros((192, 192, 3), np.uint8), pred, {1: "circle"})
    hd_out = draw_instances(np.zeros((1080, 1080, 3), np.uint8), pred, {1: "circle"})

    def edge_width(img):          # lit pixels across the box's left edge (antialiased), below the tag
        return int((img[60:100, 14:27].max(axis=2) > 100).sum(axis=1).max())
    assert edge_width(out) <= 2 < edge_width(hd_out)                  # 1 px lines here, 3 px on a big frame


def test_studio_gui_names_missing_libraries_and_their_packages(monkeypatch, capsys):
    import studio.system_check as check
    from studio.cli import main

    monkeypatch.setattr(check, "_loads", lambda soname: soname not in ("libxcb-cursor.so.0",
                                                                       "libxkbcommon-x11.so.0"))
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    assert main(["gui"]) == 2                    # said before Qt is started (and aborts)
    err = capsys.readouterr().err
    assert "libxcb-cursor.so.0, libxkbcommon-x11.so.0" in err
    assert "sudo apt-get install libxcb-cursor0 libxkbcommon-x11-0" in err
    assert "--screenshot" in err
    monkeypatch.setenv("QT_QPA_PLATFORM", "wayland")
    assert check.gui_problem() is None           # not the X11 plugin: nothing to check
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setattr(check, "_loads", lambda soname: True)
    monkeypatch.delenv("DISPLAY")
    assert "no display is set" in check.gui_problem()
    assert [lib for lib, _ in check.XCB_LIBRARIES][:2] == ["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"]
