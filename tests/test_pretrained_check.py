"""Checking local pretrained weights: state dicts only, ResNet depth from the keys, no download."""
from __future__ import annotations

import pytest
import torch
from torchvision.models import resnet

from core.errors import CheckpointError
from core.families.pretrained import cached_weights, check_weights, inspect_weights, resnet_architecture


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
    with pytest.raises(CheckpointError, match="cannot be loaded safely"):
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
    with pytest.raises(CheckpointError, match="cannot be loaded safely"):
        inspect_weights(tmp_path / "evil.pth")


def test_cached_weights_lists_only_weight_files(tmp_path):
    for name in ("b.pth", "a.PT", "notes.txt"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "sub.pth").mkdir()
    assert [p.name for p in cached_weights(tmp_path)] == ["a.PT", "b.pth"]
    assert cached_weights(tmp_path / "nope") == []


def test_the_check_runs_in_a_child_process_with_the_same_sentences(tmp_path):
    from core.families.pretrained import check_weights_in_subprocess

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
