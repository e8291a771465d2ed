import dataclasses

import pytest
import yaml

from core.errors import SpecError
from core.families import get_family
from core.families.instance_segmentation.spec import InstanceSegmentationSpec, cpu_sized
from core.specs import fields_of, load_spec_file, save_spec_file, spec_from_dict, spec_from_yaml, spec_to_yaml


def test_yaml_round_trip_keeps_every_value(tmp_path):
    spec = cpu_sized(InstanceSegmentationSpec())
    spec.train.learning_rate_steps = [10, 20]
    spec.train.total_steps = 30
    spec.train.warmup_steps = 5
    spec.model.freeze_blocks = [0, 1]
    path = tmp_path / "spec.yaml"
    save_spec_file(spec, path)
    again = load_spec_file(InstanceSegmentationSpec, path)
    assert again == spec
    # the file is plain YAML with help comments
    text = path.read_text()
    assert "# Learning rate reached at the end of warmup." in text
    assert yaml.safe_load(text)["train"]["total_steps"] == 30


def test_missing_keys_take_defaults():
    spec = spec_from_dict(InstanceSegmentationSpec, {"train": {"batch_size": 8}})
    assert spec.train.batch_size == 8
    assert spec.train.init_learning_rate == InstanceSegmentationSpec().train.init_learning_rate
    assert spec.model.backbone == "resnet50"


def test_validation_lists_every_problem_with_dotted_keys():
    with pytest.raises(SpecError) as err:
        spec_from_dict(InstanceSegmentationSpec, {
            "train": {"batch_size": 0, "momentum": "fast", "totl_steps": 5},
            "model": {"backbone": "vgg", "freeze_blocks": [7]},
        })
    msg = str(err.value)
    assert "train.batch_size must be >= 1, got 0" in msg
    assert "train.momentum must be a number" in msg
    assert "train.totl_steps is not a known setting (did you mean train.total_steps?)" in msg
    assert "model.backbone must be one of resnet18, resnet34, resnet50, resnet101" in msg


def test_cross_field_rules():
    with pytest.raises(SpecError, match="same length"):
        spec_from_dict(InstanceSegmentationSpec, {"train": {"learning_rate_steps": [5], "learning_rate_decay_levels": []}})
    with pytest.raises(SpecError, match="must be increasing"):
        spec_from_dict(InstanceSegmentationSpec, {"train": {"learning_rate_steps": [9, 5], "learning_rate_decay_levels": [0.1, 0.01]}})
    with pytest.raises(SpecError, match="freeze_blocks must be between 0 and 4"):
        spec_from_dict(InstanceSegmentationSpec, {"model": {"freeze_blocks": [5]}})


def test_types_are_strict():
    with pytest.raises(SpecError, match="train.total_steps must be an integer"):
        spec_from_dict(InstanceSegmentationSpec, {"train": {"total_steps": 2.5}})
    with pytest.raises(SpecError, match="train.amp must be true or false"):
        spec_from_dict(InstanceSegmentationSpec, {"train": {"amp": "yes"}})
    assert spec_from_dict(InstanceSegmentationSpec, {"train": {"init_learning_rate": 1}}).train.init_learning_rate == 1.0


def test_bad_yaml_reports_position():
    with pytest.raises(SpecError, match="The spec is not valid YAML at line 2, column 15: mapping values"):
        spec_from_yaml(InstanceSegmentationSpec, "train:\n  batch_size: : 1\n")


def test_field_metadata_drives_forms():
    infos = {f.path: f for f in fields_of(InstanceSegmentationSpec().train.__class__, "train.")}
    bs = infos["train.batch_size"]
    assert bs.min == 1 and bs.unit == "images" and bs.help
    device = infos["train.device"]
    assert device.choices == ("auto", "cpu", "cuda") and device.advanced
    sections = [f for f in fields_of(InstanceSegmentationSpec) if f.is_section]
    assert [s.name for s in sections] == ["train", "data", "model", "evaluate", "export"]


def test_family_default_specs_validate():
    family = get_family("instance_segmentation")
    for profile in ("cpu", "gpu"):
        spec = family.default_spec(profile)
        assert spec_from_yaml(InstanceSegmentationSpec, spec_to_yaml(spec)) == spec
    assert family.default_spec("cpu").model.fpn_channels < family.default_spec("gpu").model.fpn_channels
    assert dataclasses.is_dataclass(family.spec_class)


def test_spec_check_reads_the_task_from_the_file(tmp_path, capsys):
    from studio.cli import main

    good = tmp_path / "spec.yaml"
    save_spec_file(InstanceSegmentationSpec(), good)
    assert main(["spec", "check", str(good)]) == 0                       # no --task: the file says it
    assert capsys.readouterr().out.strip() == f"{good}: valid instance_segmentation spec"
    assert main(["spec", "check", str(good), "--task", "instance_segmentation"]) == 0
    capsys.readouterr()
    assert main(["spec", "check", str(good), "--task", "detection"]) == 2  # checked against the file
    assert f"{good} says task: instance_segmentation, not detection; drop --task" in capsys.readouterr().err
    bare = tmp_path / "bare.yaml"
    bare.write_text("train:\n  batch_size: 2\n")
    assert main(["spec", "check", str(bare)]) == 2
    err = capsys.readouterr().err
    assert f"{bare} does not say which model family it is for: add a `task:` line" in err and "or pass --task" in err
    assert main(["spec", "check", str(bare), "--task", "instance_segmentation"]) == 0
    capsys.readouterr()
    other = tmp_path / "other.yaml"
    other.write_text("task: segmentation\n")
    assert main(["spec", "check", str(other)]) == 2
    assert "names the task 'segmentation', which is not a model family Studio knows" in capsys.readouterr().err
    broken = tmp_path / "broken.yaml"
    broken.write_text("task: [instance_segmentation\n")
    assert main(["spec", "check", str(broken)]) == 2
    assert "is not valid YAML at line" in capsys.readouterr().err
    bad_value = tmp_path / "bad_value.yaml"
    bad_value.write_text("task: instance_segmentation\ntrain:\n  total_steps: -3\n")
    assert main(["spec", "check", str(bad_value)]) == 2
    assert "total_steps" in capsys.readouterr().err


def test_with_total_steps_keeps_the_schedule_fractions():
    from core.specs.sections import TrainSpec

    t = TrainSpec()                       # 2000 steps, warmup 200, decays at 1400 and 1800
    short = t.with_total_steps(60)
    assert (short.total_steps, short.warmup_steps, short.learning_rate_steps) == (60, 6, [42, 54])
    # intervals that would not fit keep their fractions; one that fits stays
    assert (short.num_steps_per_eval, short.checkpoint_interval, short.log_interval) == (15, 3, 10)
    assert t.total_steps == 2000 and t.warmup_steps == 200            # a copy: the original is unchanged
    assert short.learning_rate_decay_levels == t.learning_rate_decay_levels and short.batch_size == t.batch_size
    long = t.with_total_steps(4000)
    assert (long.warmup_steps, long.learning_rate_steps, long.checkpoint_interval) == (400, [2800, 3600], 100)
    assert TrainSpec(num_steps_per_eval=0).with_total_steps(60).num_steps_per_eval == 0   # 0 = only at the end
    tiny = t.with_total_steps(2)          # decays never land at or past the end, and stay in order
    assert tiny.learning_rate_steps == [1, 1] and tiny.warmup_steps == 0 and tiny.check() == []
    for n in (1, 7, 60, 333, 2000, 10_000):
        assert t.with_total_steps(n).check() == [], n
    with pytest.raises(SpecError, match="train.total_steps must be an integer >= 1, got 0"):
        t.with_total_steps(0)


def test_a_yaml_that_gives_only_total_steps_gets_a_schedule_that_follows_it():
    spec = spec_from_yaml(InstanceSegmentationSpec, "train:\n  total_steps: 60\n")
    t = spec.train
    assert (t.warmup_steps, t.learning_rate_steps, t.checkpoint_interval, t.num_steps_per_eval) == (6, [42, 54], 3, 15)
    # what the user gives is kept; only what is left out follows
    t = spec_from_dict(InstanceSegmentationSpec, {"train": {"total_steps": 60, "warmup_steps": 20,
                                                            "checkpoint_interval": 50}}).train
    assert (t.warmup_steps, t.learning_rate_steps, t.checkpoint_interval) == (20, [42, 54], 50)
    # without total_steps nothing moves
    assert spec_from_dict(InstanceSegmentationSpec, {"train": {"batch_size": 2}}).train.learning_rate_steps == [1400,
                                                                                                                1800]


def test_a_decay_at_or_past_the_end_is_refused_with_a_sentence():
    with pytest.raises(SpecError) as err:
        spec_from_dict(InstanceSegmentationSpec, {"train": {"total_steps": 60, "warmup_steps": 200,
                                                            "learning_rate_steps": [1400, 1800]}})
    msg = str(err.value)
    assert "train.warmup_steps (200) must not exceed train.total_steps (60)" in msg
    assert "train.learning_rate_steps must be below train.total_steps (60), got 1400, 1800" in msg
    with pytest.raises(SpecError, match=r"must be below train.total_steps \(60\), got 60"):
        spec_from_dict(InstanceSegmentationSpec, {"train": {"total_steps": 60, "learning_rate_steps": [30, 60]}})
    assert spec_from_dict(InstanceSegmentationSpec, {"train": {"total_steps": 60, "warmup_steps": 60,
                                                               "learning_rate_steps": [30, 59]}})


def test_the_builder_hook_is_generic():
    """Any spec dataclass may derive defaults from the keys given; given keys always win."""
    from dataclasses import dataclass

    from core.specs import param

    @dataclass
    class Clip:
        frames: int = param(16, "Frames per clip.", min=1)
        stride: int = param(8, "Frames between clips.", min=1)

        @classmethod
        def derived_defaults(cls, given, base=None):
            return {"stride": max(1, given["frames"] // 2)} if "frames" in given else {}

    @dataclass
    class Top:
        clip: Clip = param(Clip, "Clips.")

    assert spec_from_dict(Top, {"clip": {"frames": 4}}).clip == Clip(4, 2)
    assert spec_from_dict(Top, {"clip": {"frames": 4, "stride": 3}}).clip == Clip(4, 3)
    assert spec_from_dict(Top, {}).clip == Clip(16, 8)


def test_an_empty_spec_is_refused_with_a_sentence(tmp_path):
    for text in ("", "# only a comment\n", "{}\n"):
        path = tmp_path / "empty.yaml"
        path.write_text(text)
        with pytest.raises(SpecError) as err:
            load_spec_file(InstanceSegmentationSpec, path)
        assert str(err.value) == (
            f"The spec file {path} is empty: it sets nothing, and would train every built-in default. Start from "
            "`studio spec default --task instance_segmentation` and change what you need.")


def test_messages_keep_file_names_and_plural_types(tmp_path):
    path = tmp_path / "badyaml.yaml"
    path.write_text("train:\n  batch_size: : 1\n")
    with pytest.raises(SpecError) as err:
        load_spec_file(InstanceSegmentationSpec, path)
    assert str(err.value).startswith(f"The spec file {path} is not valid YAML at line 2")
    assert "Badyaml" not in str(err.value)
    with pytest.raises(SpecError, match="The spec of run r1 is not valid YAML"):
        spec_from_yaml(InstanceSegmentationSpec, "a: : b", source="the spec of run r1")
    with pytest.raises(SpecError) as err:
        spec_from_dict(InstanceSegmentationSpec, {"model": {"freeze_blocks": 3}, "train": {"amp": None,
                                                  "learning_rate_decay_levels": "x"}})
    msg = str(err.value)
    assert "model.freeze_blocks must be a list of integers, got 3" in msg
    assert "train.learning_rate_decay_levels must be a list of numbers" in msg
    assert "train.amp needs a value (true or false)" in msg
    assert " an integers" not in msg
