"""The Mask R-CNN builder: backbones, freezing, and local pretrained weights (weights_only)."""
import pickle

import pytest
import torch
from torchvision.models import resnet
from torchvision.ops.misc import FrozenBatchNorm2d

from core.errors import CheckpointError
from core.families.instance_segmentation.family import FAMILY
from core.families.instance_segmentation.model import build_model
from core.families.instance_segmentation.spec import InstanceSegmentationSpec, cpu_sized
from core.models.weights import transfer_weights
from core.project.catalog import Category

CATS2 = [Category(1, "a"), Category(2, "b")]


def _full_spec(**model):
    spec = cpu_sized(InstanceSegmentationSpec())
    spec.data.image_size = 64
    for k, v in model.items():
        setattr(spec.model, k, v)
    return spec


def _spec(**model):
    return _full_spec(**model).model


def transfer(path, categories=CATS2):
    """A fresh model for `categories` with the weights of `path` transferred (as the trainer does)."""
    spec = _full_spec()
    model = FAMILY.build_model(spec, categories)
    model, report, _ = transfer_weights(model, FAMILY, spec, categories, path)
    return model, report


@pytest.mark.parametrize("backbone,channels", [("resnet18", 512), ("resnet34", 512), ("resnet50", 2048),
                                               ("resnet101", 2048)])
def test_backbones_build_with_the_right_depth(backbone, channels):
    model = build_model(_spec(backbone=backbone), num_classes=3, image_size=64)
    assert model.backbone.body.layer4[-1].conv1.in_channels == channels
    assert model.roi_heads.box_predictor.cls_score.out_features == 4  # 3 classes + background


def test_freeze_blocks_keeps_those_weights_fixed():
    model = build_model(_spec(freeze_blocks=[0, 1]), num_classes=2, image_size=64)
    frozen = {k: v.clone() for k, v in model.backbone.body.state_dict().items() if k.startswith(("conv1", "layer1"))}
    trainable_before = model.backbone.body.layer2[0].conv1.weight.clone()
    model.train()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    images = [torch.rand(3, 64, 64)]
    targets = [{"boxes": torch.tensor([[8.0, 8.0, 40.0, 40.0]]), "labels": torch.tensor([1]),
                "masks": torch.zeros(1, 64, 64, dtype=torch.uint8).index_fill_(1, torch.arange(8, 40), 1)}]
    loss = sum(model(images, targets).values())
    loss.backward()
    opt.step()
    after = model.backbone.body.state_dict()
    for k, v in frozen.items():
        if "running" in k or "num_batches" in k:
            continue
        assert torch.equal(after[k], v), k
    assert not torch.equal(model.backbone.body.layer2[0].conv1.weight, trainable_before)


def test_freeze_bn_uses_frozen_batchnorm():
    model = build_model(_spec(freeze_bn=True), num_classes=2, image_size=64)
    norms = [m for m in model.backbone.body.modules() if isinstance(m, (FrozenBatchNorm2d, torch.nn.BatchNorm2d))]
    assert norms and all(isinstance(m, FrozenBatchNorm2d) for m in norms)


def test_backbone_weights_load_into_the_body(tmp_path):
    torch.manual_seed(1)
    source = resnet.resnet18(weights=None).state_dict()
    torch.save(source, tmp_path / "resnet18.pth")
    model, report = transfer(tmp_path / "resnet18.pth")
    assert torch.equal(model.backbone.body.layer3[0].conv2.weight, source["layer3.0.conv2.weight"])
    assert report.kind == "backbone" and report.loaded == len([k for k in source if not k.startswith("fc.")])
    assert not report.ignored   # the classifier (fc) of the backbone file is left out, not "ignored"


def test_full_checkpoint_of_another_class_count_transfers_all_but_the_predictors(tmp_path):
    donor = build_model(_spec(), num_classes=5, image_size=64)
    torch.save({"format": "studio-checkpoint/1", "task": "instance_segmentation",
                "categories": [{"id": i, "name": f"c{i}"} for i in range(1, 6)], "model": donor.state_dict()},
               tmp_path / "donor.pt")
    model, report = transfer(tmp_path / "donor.pt")
    assert report.kind == "studio checkpoint"
    assert "roi_heads.box_predictor.cls_score.weight" in report.reinitialized
    assert "roi_heads.mask_predictor.mask_fcn_logits.weight" in report.reinitialized and not report.skipped
    assert torch.equal(model.roi_heads.mask_head[0][0].weight, donor.roi_heads.mask_head[0][0].weight)
    assert torch.equal(model.backbone.fpn.layer_blocks[0][0].weight, donor.backbone.fpn.layer_blocks[0][0].weight)
    assert any("Re-initialized for this project's classes" in s for s in report.sentences())


def test_same_class_count_other_classes_reinitializes_the_head(tmp_path):
    """Two classes each, but other ones: class k of the donor is not class k here."""
    donor = build_model(_spec(), num_classes=2, image_size=64)
    torch.save({"format": "studio-checkpoint/1", "task": "instance_segmentation",
                "categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"}], "model": donor.state_dict()},
               tmp_path / "donor.pt")
    model, report = transfer(tmp_path / "donor.pt")
    assert "roi_heads.box_predictor.cls_score.weight" in report.reinitialized
    assert not torch.equal(model.roi_heads.box_predictor.cls_score.weight, donor.roi_heads.box_predictor.cls_score.weight)
    same, report = transfer(tmp_path / "donor.pt", [Category(1, "cat"), Category(2, "dog")])
    assert not report.reinitialized
    assert torch.equal(same.roi_heads.box_predictor.cls_score.weight, donor.roi_heads.box_predictor.cls_score.weight)


def test_a_checkpoint_of_another_family_is_refused(tmp_path):
    torch.save({"format": "studio-checkpoint/1", "task": "pose", "categories": [], "model": {"x": torch.zeros(1)}},
               tmp_path / "pose.pt")
    with pytest.raises(CheckpointError, match="pose model"):
        transfer(tmp_path / "pose.pt")


class Evil:
    def __reduce__(self):
        return (print, ("this would run arbitrary code",))


def test_untrusted_pickles_are_refused(tmp_path):
    with open(tmp_path / "evil.pt", "wb") as f:
        pickle.dump({"conv1.weight": Evil()}, f)
    with pytest.raises(CheckpointError) as refused:
        transfer(tmp_path / "evil.pt")
    message = str(refused.value)
    assert "holds code" in message and "will not load it" in message
    assert "weights_only=False" not in message and "\n" not in message    # one sentence, not torch's advice
    torch.save({"something": torch.zeros(2)}, tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="No tensor of other.pt fits this model"):
        transfer(tmp_path / "other.pt")
    with pytest.raises(CheckpointError, match="does not exist"):
        transfer(tmp_path / "missing.pt")
    (tmp_path / "cut.pt").write_bytes((tmp_path / "other.pt").read_bytes()[:40])
    with pytest.raises(CheckpointError, match="truncated or damaged"):
        transfer(tmp_path / "cut.pt")
