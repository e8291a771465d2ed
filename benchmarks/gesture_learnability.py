"""Whether the gesture demo's crops can be learned, without the importer or the trainer: hands of
synthetic scenes (`core.datasets.synthetic_hands`) cut with the demo's margin, rendered in memory,
split 80/20 by scene, and the family's classifier trained by a plain loop (AdamW or SGD,
one-cycle or warmup + MultiStep), printing held-out accuracy per epoch.

    python -m benchmarks.gesture_learnability --scenes 800 --epochs 12 --opt adamw --lr 0.002
    python -m benchmarks.gesture_learnability --scenes 2400 --size 48 --epochs 8            # upright hands
    python -m benchmarks.gesture_learnability --scenes 2400 --size 48 --epochs 8 --tilt 180 --rot   # any angle

The README's gesture numbers come from here (2-core AMD EPYC, NT=2).
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from core.datasets.crops import crop, xywh_to_xyxy
from core.datasets.synthetic_hands import GESTURES, TILT, render_hands
from core.families.gesture.augment import augment_crop
from core.families.gesture.family import Classifier, to_input


def crops(scenes: int, size: int, margin: float, seed: int, tilt: float = TILT):
    rng = np.random.default_rng(seed)
    out, labels, scene_of, occluded = [], [], [], []
    for k in range(scenes):
        image, hands = render_hands(rng, size, tilt=tilt)
        rgb = image[..., ::-1]
        for hand in hands:
            out.append(np.ascontiguousarray(crop(rgb, xywh_to_xyxy(hand.box), margin)))
            labels.append(GESTURES.index(hand.gesture))
            scene_of.append(k)
            occluded.append(hand.occluded)
    return out, np.array(labels), np.array(scene_of), np.array(occluded)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenes", type=int, default=800)
    ap.add_argument("--scene-size", type=int, default=128)
    ap.add_argument("--margin", type=float, default=0.25)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--bs", type=int, default=32)
    ap.add_argument("--lr", type=float, default=0.002)
    ap.add_argument("--opt", default="adamw", choices=("adamw", "sgd"))
    ap.add_argument("--backbone", default="resnet18")
    ap.add_argument("--rot", action="store_true", help="augment with a random 90-degree rotation")
    ap.add_argument("--rotation", type=float, default=0.0,
                    help="augment with a random turn of up to this many degrees (instead of --rot)")
    ap.add_argument("--crop-scale", type=float, default=1.0,
                    help="augment with a random window of at least this fraction of each side")
    ap.add_argument("--init", default="", help="a detection checkpoint whose ResNet body starts the classifier")
    ap.add_argument("--tilt", type=float, default=float(np.degrees(TILT)),
                    help="hands turned up to this many degrees from upright (180: any angle)")
    a = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get("NT", "2")))
    t0 = time.time()
    pieces, labels, scene_of, occluded = crops(a.scenes, a.scene_size, a.margin, seed=11, tilt=np.radians(a.tilt))
    x = np.stack([to_input(p, a.size) for p in pieces])
    val = scene_of >= int(0.8 * a.scenes)
    xtr, ytr, xva, yva = x[~val], labels[~val], x[val], labels[val]
    raw_tr = [p for p, v in zip(pieces, val) if not v]
    per_crop = a.rotation > 0 or a.crop_scale < 1     # the family's own augment_crop, crop by crop
    side = np.array([max(p.shape[:2]) for p in pieces])[val]
    hidden = occluded[val]
    print(f"{len(xtr)} train, {len(xva)} val crops, rendered in {time.time() - t0:.0f} s; "
          f"median box {np.median([p.shape[0] for p in pieces]):.0f} px", flush=True)
    model = Classifier(a.backbone, len(GESTURES))
    if a.init:
        from core.models.checkpoint import safe_load

        state = safe_load(a.init, "checkpoint")["model"]
        body = {k[len("backbone.body."):]: v for k, v in state.items() if k.startswith("backbone.body.")}
        missing, _ = model.net.load_state_dict(body, strict=False)
        print(f"started from {len(body)} tensors of {a.init}; {len(missing)} of the classifier's are new", flush=True)
    if a.opt == "adamw":
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=1e-4)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=1e-4)
    per_epoch = len(xtr) // a.bs
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.epochs * per_epoch)
    r = np.random.default_rng(2)
    t0 = time.time()
    for epoch in range(a.epochs):
        model.train()
        order = r.permutation(len(xtr))
        for b in range(per_epoch):
            idx = order[b * a.bs:(b + 1) * a.bs]
            if per_crop:
                xb = torch.from_numpy(np.stack([to_input(augment_crop(raw_tr[i], r, 0.5, a.rot, a.rotation,
                                                                      a.crop_scale), a.size) for i in idx]))
            else:
                xb = torch.from_numpy(xtr[idx])
                flip = torch.from_numpy(r.random(len(idx)) < 0.5)
                xb[flip] = xb[flip].flip(-1)
                if a.rot:
                    xb = torch.rot90(xb, int(r.integers(4)), (2, 3))
            loss = F.cross_entropy(model(xb), torch.from_numpy(ytr[idx]))
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        model.eval()
        with torch.no_grad():
            pred = torch.cat([model(torch.from_numpy(xva[i:i + 256])).argmax(1) for i in range(0, len(xva), 256)])
        acc = (pred.numpy() == yva).mean()
        per_class = [float((pred.numpy()[yva == k] == k).mean()) for k in range(len(GESTURES))]
        print(f"epoch {epoch + 1}: loss {loss.item():.3f} val acc {acc:.3f} per class "
              f"{' '.join(f'{g}={p:.2f}' for g, p in zip(GESTURES, per_class))} ({time.time() - t0:.0f} s)",
              flush=True)
    right = pred.numpy() == yva
    small = side < np.median(side)
    print(f"held out, by how much of the hand is hidden: <5% {right[hidden < 0.05].mean():.3f} "
          f"(n={int((hidden < 0.05).sum())}), >=5% {right[hidden >= 0.05].mean():.3f} "
          f"(n={int((hidden >= 0.05).sum())}); "
          f"by crop size: under the median ({np.median(side):.0f} px) {right[small].mean():.3f}, "
          f"the rest {right[~small].mean():.3f}; {time.time() - t0:.0f} s of training")


if __name__ == "__main__":
    main()
