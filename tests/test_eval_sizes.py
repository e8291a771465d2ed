"""The input-resolution trade-off (`studio evaluate --sizes`, core.evaluation.sizes) for the other
families: Mask R-CNN is compared at other sizes too (its longer side), a family whose input cannot
change says so. The pose family's own trade-off, through the command line: test_pose_family.py."""
from __future__ import annotations

import json

import pytest

pytest.importorskip("torch")

from core.errors import SpecError  # noqa: E402
from family_smoke import smoke_project, with_toy  # noqa: E402


def test_mask_rcnn_is_compared_at_each_input_size(tmp_path):
    from core.evaluation.sizes import evaluate_sizes, parse_sizes, read_sizes

    project, run = smoke_project(tmp_path, "instance_segmentation", images=8)
    ckpt = project.run_dir(run) / "checkpoints" / "model.pt"
    done = evaluate_sizes(project, run, parse_sizes("64x64, 96x96"), ckpt)
    assert done == read_sizes(project, run) and done["headline"] == "mask_AP" and done["trained_at"] == "64px"
    assert [r["size"] for r in done["sizes"]] == ["64x64", "96x96"]
    boxes = []
    for row in done["sizes"]:
        assert row["latency_ms"] > 0 and row["ap"]["all"] == row["metrics"]["mask_AP"]
        assert row["ap"]["medium"] == row["metrics"]["mask_APm"] and row["ap"]["large"] == row["metrics"]["mask_APl"]
        found = json.loads((project.run_dir(run) / "eval" / "sizes" / row["size"] / "predictions.json").read_text())
        boxes.append([d["bbox"] for d in found])
    assert boxes[0] and boxes[0] != boxes[1]            # the model ran at another size
    project.close()


def test_a_family_whose_input_cannot_change_says_so(tmp_path):
    from core.evaluation.sizes import evaluate_sizes

    with with_toy():
        project, run = smoke_project(tmp_path, "toy_colors")
        with pytest.raises(SpecError) as err:
            evaluate_sizes(project, run, [(32, 32)], project.run_dir(run) / "checkpoints" / "model.pt")
    assert str(err.value) == ("Toy colors models keep the input size they were trained at, so they cannot be compared "
                              "at other sizes.")
    project.close()
