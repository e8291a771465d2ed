"""Which light detector trains best on a CPU: each candidate trains for the same CPU-time budget on
the synthetic hands (from scratch, batch 4, 128 px, SGD with warmup and one decay, by elapsed time)
and is scored on held-out images with the family's own evaluation (COCO bbox AP by pycocotools,
VOC mAP@0.5).

    python -m benchmarks.detection_candidates [--budget 240] [--train 320] [--val 80] [--out FILE.json]

The budget is CPU time of this process (`time.process_time`), not wall time, so that a machine
shared with other jobs gives every candidate the same amount of computation; by default torch runs
one thread (`--threads 1`): with two threads on a busy machine, OpenMP's spinning threads burn CPU
time that computes nothing (measured: 2.7 CPU-s per step with 2 threads under load, 0.45 with 1).
Step times are reported both ways. The README's table of the light option comes from this script."""
from __future__ import annotations

import argparse
import json
import math
import statistics
import tempfile
import time
from pathlib import Path

CANDIDATES = (
    # name, architecture, backbone, learning rate; the two that lost are built here (they are not offered)
    ("Faster R-CNN R18-FPN (cpu_sized)", "faster_rcnn", "resnet18", 0.02),
    ("Faster R-CNN MobileNetV3-FPN", "faster_rcnn", "mobilenet_v3", 0.02),
    ("FCOS R18-FPN", "fcos", "resnet18", 0.01),
    ("RetinaNet R18-FPN", "retinanet", "resnet18", 0.01),
)
# MobileNetV3-Large `features` indices ending its stride 4, 8, 16 and 32 stages, and their channels
_MOBILENET_LEVELS = {"3": "0", "6": "1", "12": "2", "16": "3"}
_MOBILENET_CHANNELS = [24, 40, 112, 960]


def build_candidate(family, spec, categories, architecture: str, backbone: str):
    """The candidate's model: the family's own, or one of the two measured and not offered."""
    from torch import nn
    from torchvision.models import mobilenet_v3_large
    from torchvision.models.detection import RetinaNet
    from torchvision.models.detection.anchor_utils import AnchorGenerator
    from torchvision.models.detection.backbone_utils import BackboneWithFPN
    from torchvision.models.detection.retinanet import RetinaNetHead
    from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

    from core.families.detection import model as det

    m, k = spec.model, len(categories)
    if backbone == "mobilenet_v3":
        body = mobilenet_v3_large(weights=None, norm_layer=det.norm_layer(m)).features
        fpn = BackboneWithFPN(body, _MOBILENET_LEVELS, _MOBILENET_CHANNELS, m.fpn_channels,
                              extra_blocks=LastLevelMaxPool())
        return det.faster_rcnn(m, k, spec.data.image_size, backbone=fpn)
    if architecture == "retinanet":
        fpn = det.p3_p7_backbone(m)
        anchors = AnchorGenerator(tuple((s, int(s * 2 ** (1 / 3)), int(s * 2 ** (2 / 3)))
                                        for s in det.one_stage_sizes(m)), (tuple(m.anchor_aspect_ratios),) * 5)
        head = RetinaNetHead(fpn.out_channels, anchors.num_anchors_per_location()[0], k + 1,
                             norm_layer=lambda c: nn.GroupNorm(min(32, c // 2), c))
        for tower in (head.classification_head, head.regression_head):   # head_convs of torchvision's 4
            layers = list(tower.conv.children())
            tower.conv = nn.Sequential(*layers[:len(layers) // 4 * m.head_convs])
        return RetinaNet(fpn, k + 1, min_size=spec.data.image_size, max_size=spec.data.image_size,
                         anchor_generator=anchors, head=head, score_thresh=m.test_score_threshold,
                         nms_thresh=m.test_nms, detections_per_img=m.test_detections_per_image)
    return family.build_model(spec, categories)


def _lr(base: float, fraction: float) -> float:
    """Warmup over the first 8% of the budget from base/100, then base, then base/10 after 75%."""
    if fraction < 0.08:
        return base * (0.01 + 0.99 * fraction / 0.08)
    return base if fraction < 0.75 else base * 0.1


def train_for(project, spec, budget_s: float, base_lr: float, architecture: str, backbone: str, seed: int = 0
              ) -> dict:
    import torch
    from torch.utils.data import DataLoader

    from core.evaluation.predict import evaluate_runner
    from core.families import get_family
    from core.project import catalog
    from core.runtime.torch_backend import TorchRunner
    from core.specs import spec_to_yaml
    from core.training.sampler import StepBatchSampler

    torch.manual_seed(seed)
    family = get_family("detection")
    categories = catalog.categories(project)
    model = build_candidate(family, spec, categories, architecture, backbone)
    model.train()
    dataset = family.dataset(project, spec, "train", train=True)
    sampler = StepBatchSampler(len(dataset), spec.train.batch_size, seed=seed, start_step=0, total_steps=10**6)
    loader = DataLoader(dataset, batch_sampler=sampler, collate_fn=family.collate, num_workers=0)
    optimizer = torch.optim.SGD(family.param_groups(model, spec.train.l2_weight_decay), lr=base_lr,
                                momentum=spec.train.momentum)
    device = torch.device("cpu")
    times, cpu_times, losses = [], [], []
    start, wall_start = time.process_time(), time.perf_counter()
    steps = 0
    for batch in loader:
        elapsed = time.process_time() - start
        if elapsed >= budget_s:
            break
        for g in optimizer.param_groups:
            g["lr"] = _lr(base_lr, elapsed / budget_s)
        t0, c0 = time.perf_counter(), time.process_time()
        terms = family.training_losses(model, batch, device)
        loss = sum(terms.values())
        if not math.isfinite(loss.item()):
            return {"error": f"loss became {float(loss)} at step {steps}", "steps": steps}
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), spec.train.gradient_clip_norm)
        optimizer.step()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
        losses.append(loss.item())
        steps += 1
    wall = time.perf_counter() - wall_start
    model.eval()
    runner = TorchRunner.from_model(family, model, spec_to_yaml(spec), categories)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        summary = evaluate_runner(runner, project, "val", Path(tmp))
        eval_s = time.perf_counter() - t0
    m = summary["metrics"]
    return {"steps": steps, "wall_s": round(wall, 1), "step_s_median": round(statistics.median(times), 3),
            "step_cpu_s_median": round(statistics.median(cpu_times), 3),
            "params_M": round(sum(p.numel() for p in model.parameters()) / 1e6, 2),
            "final_loss": round(statistics.mean(losses[-20:]), 4), "AP": round(m["AP"], 4),
            "AP50": round(m["AP50"], 4), "voc_mAP": round(m["voc_mAP"], 4),
            "eval_ms_per_image": round(1000 * eval_s / max(1, summary["samples"]), 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=240.0, help="training CPU seconds per candidate")
    ap.add_argument("--train", type=int, default=320)
    ap.add_argument("--val", type=int, default=80)
    ap.add_argument("--only", default="", help="comma-separated architecture:backbone pairs")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (default 1; see the docstring)")
    ap.add_argument("--out", default="")
    args = ap.parse_args(argv)

    import torch

    from core.datasets.split import split_project
    from core.datasets.synthetic_hands import import_sample_hands
    from core.families.spec_lookup import default_spec_for
    from core.project import Project

    torch.set_num_threads(max(1, args.threads))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        with Project.create(Path(tmp) / "p", "detection") as project:
            total = args.train + args.val
            import_sample_hands(project, num_images=total, size=128, seed=0)
            split_project(project, val=args.val / total, seed=0)
            wanted = {s for s in args.only.split(",") if s}
            for name, arch, backbone, lr in CANDIDATES:
                if wanted and f"{arch}:{backbone}" not in wanted:
                    continue
                spec = default_spec_for("detection", "cpu")
                if arch == "fcos":
                    spec.model.architecture = arch
                record = {"candidate": name, "architecture": arch, "backbone": backbone, "lr": lr,
                          "budget_s": args.budget, **train_for(project, spec, args.budget, lr, arch, backbone)}
                results.append(record)
                print(json.dumps(record), flush=True)
    if args.out:
        Path(args.out).write_text(json.dumps({"threads": torch.get_num_threads(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
