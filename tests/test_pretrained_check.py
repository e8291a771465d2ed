"""Checking local pretrained weights: state dicts only, ResNet depth from the keys, Studio checkpoints
of the same family and backbone (other classes: the head is re-initialized), no download."""
from __future__ import annotations

import pytest
import torch
from torchvision.models import resnet

from core.errors import CheckpointError
from core.families.pretrained import (cached_weights, check_weights, check_weights_in_subprocess, inspect_weights,
                                      resnet_architecture)
from optimize_preview_support import trained_project_copy


def keys_of(name: str) -> dict:
    return {k: torch.zeros(1) for k in getattr(resnet, name)(weights=None).state_dict()}


@pytest.mark.parametrize("name", ["resnet18", "resnet34", "resnet50", "resnet101"])
def test_architecture_is_read_from_the_keys(name):
    assert resnet_architecture(keys_of(name)) == name


def test_backbone_file_of_the_right_depth_passes(tmp_path):
    path = tmp_path / "resnet18.pth"
    torch.save(keys_of("resnet18"), path)
    info = check_weights(path, "resnet18")
    assert (info.kind, info.architecture) == ("backbone", "resnet18")
    assert "ResNet backbone (resnet18)" in info.describe()


def test_wrong_depth_and_full_models_are_recognised(tmp_path):
    torch.save({"model": {f"backbone.body.{k}": v for k, v in keys_of("resnet50").items()}}, tmp_path / "m.pt")
    info = inspect_weights(tmp_path / "m.pt")
    assert (info.kind, info.architecture) == ("full_model", "resnet50")
    with pytest.raises(CheckpointError, match="holds resnet50 weights but the backbone is resnet18"):
        check_weights(tmp_path / "m.pt", "resnet18")


def test_files_that_are_not_state_dicts_are_refused(tmp_path):
    torch.save([1, 2, 3], tmp_path / "list.pth")
    with pytest.raises(CheckpointError, match="not a state dict"):
        inspect_weights(tmp_path / "list.pth")
    (tmp_path / "text.pth").write_text("hello")
    with pytest.raises(CheckpointError, match="text.pth is not a PyTorch weights file Studio can read"):
        inspect_weights(tmp_path / "text.pth")
    torch.save({"fc.weight": torch.zeros(2)}, tmp_path / "head.pth")
    with pytest.raises(CheckpointError, match="neither a ResNet backbone"):
        inspect_weights(tmp_path / "head.pth")
    with pytest.raises(CheckpointError, match="does not exist"):
        inspect_weights(tmp_path / "missing.pth")


def test_pickled_objects_are_not_executed(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))
    torch.save({"x": Evil()}, tmp_path / "evil.pth")
    with pytest.raises(CheckpointError, match="evil.pth holds code .* Studio will not load it"):
        inspect_weights(tmp_path / "evil.pth")


def test_cached_weights_lists_only_weight_files(tmp_path):
    for name in ("b.pth", "a.PT", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub.pth").mkdir()
    assert [p.name for p in cached_weights(tmp_path)] == ["a.PT", "b.pth"]
    assert cached_weights(tmp_path / "nope") == []


def test_the_check_runs_in_a_child_process_with_the_same_sentences(tmp_path):
    torch.save(keys_of("resnet34"), tmp_path / "r34.pth")
    info = check_weights_in_subprocess(tmp_path / "r34.pth", "resnet34")
    assert (info.kind, info.architecture, info.path) == ("backbone", "resnet34", tmp_path / "r34.pth")
    with pytest.raises(CheckpointError, match="holds resnet34 weights but the backbone is resnet50"):
        check_weights_in_subprocess(tmp_path / "r34.pth", "resnet50")
    with pytest.raises(CheckpointError, match="does not exist"):
        check_weights_in_subprocess(tmp_path / "nope.pth", "resnet50")


def test_hub_folder_follows_torch_without_importing_it(monkeypatch, tmp_path):
    from core.families.pretrained import hub_checkpoints_dir

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "th"))
    assert hub_checkpoints_dir() == tmp_path / "th" / "hub" / "checkpoints"
    assert torch.hub._get_torch_home() == str(tmp_path / "th")
    monkeypatch.delenv("TORCH_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert hub_checkpoints_dir() == tmp_path / "xdg" / "torch" / "hub" / "checkpoints"
    assert str(hub_checkpoints_dir().parent) == torch.hub._get_torch_home() + "/hub"


@pytest.fixture(scope="module")
def studio_checkpoint(tmp_path_factory):
    """The final checkpoint of a real (tiny) training run: resnet18, the sample data's 4 classes."""
    return trained_project_copy(tmp_path_factory) / "runs" / "r" / "checkpoints" / "model.pt"


def test_a_studio_checkpoint_of_the_family_is_accepted_and_says_what_it_was_trained_on(studio_checkpoint):
    info = check_weights(studio_checkpoint, "resnet18", "instance_segmentation")
    assert (info.kind, info.task, info.architecture) == ("studio_checkpoint", "instance_segmentation", "resnet18")
    assert info.classes == ("circle", "square", "triangle", "star")
    text = info.describe()
    assert text.startswith("model.pt: a Studio checkpoint of Instance segmentation, resnet18, trained on 4 classes "
                           "(circle, square, triangle, star).")
    assert "the class-dependent head is re-initialized when the project's classes differ" in text
    # the GUI's way, in a child process: the same facts come back
    child = check_weights_in_subprocess(studio_checkpoint, "resnet18", "instance_segmentation")
    assert child == info and child.describe() == text


def test_a_studio_checkpoint_of_another_backbone_or_family_is_refused(studio_checkpoint, tmp_path):
    with pytest.raises(CheckpointError, match="model.pt was trained with the resnet18 backbone but the backbone is "
                                              "resnet34: choose resnet18 as the backbone, or another file"):
        check_weights_in_subprocess(studio_checkpoint, "resnet34", "instance_segmentation")
    data = torch.load(studio_checkpoint, map_location="cpu", weights_only=True)
    data["task"] = "detection"
    torch.save(data, tmp_path / "detector.pt")
    with pytest.raises(CheckpointError, match="detector.pt is a Studio checkpoint of Object detection, not of "
                                              "Instance segmentation: its layers do not fit this project's model"):
        check_weights(tmp_path / "detector.pt", "resnet18", "instance_segmentation")
    with pytest.raises(CheckpointError, match="is a Studio checkpoint of Object detection"):
        check_weights_in_subprocess(tmp_path / "detector.pt", "resnet18", "instance_segmentation")


def test_a_truncated_studio_checkpoint_is_refused_in_one_sentence(studio_checkpoint, tmp_path):
    whole = studio_checkpoint.read_bytes()
    (tmp_path / "cut.pt").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CheckpointError, match=r"^cut.pt is truncated or damaged: it is not a complete PyTorch file.$"):
        check_weights(tmp_path / "cut.pt", "resnet18", "instance_segmentation")
