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
