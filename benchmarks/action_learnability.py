"""Whether the action demo's data can be learned, without the importer or the trainer: synthetic
clips (`core.datasets.synthetic_clips`, every scene doing every action) rendered in memory, split
70/30 by clip (or, with `--split scene`, by scene), and the family's 2D or 3D network trained by a
plain loop (AdamW or SGD, one-cycle or warmup + MultiStep), printing held-out accuracy per epoch.

    python -m benchmarks.action_learnability --scenes 600 --epochs 10 --opt adamw --lr 0.001
    python -m benchmarks.action_learnability --type 3d --bb mc3_18 --size 24 --T 5 --rate 2 --bs 8 \
        --opt adamw --lr 0.001 --scenes 300 --epochs 5 --model-type rgb_diff

The README's "Why the full demo did not learn" numbers come from here (2-core AMD EPYC, NT=2).
"""
import os, time, numpy as np, torch, torch.nn.functional as F
from core.datasets.synthetic_clips import ACTIONS, new_scene, render_clip
from core.families.action_recognition.model import build_2d, build_3d, ActionNet
import argparse
ap = argparse.ArgumentParser()
ap.add_argument("--scenes", type=int, default=60); ap.add_argument("--size", type=int, default=32)
ap.add_argument("--frames", type=int, default=16); ap.add_argument("--T", type=int, default=8)
ap.add_argument("--rate", type=int, default=1); ap.add_argument("--lr", type=float, default=0.005)
ap.add_argument("--epochs", type=int, default=10); ap.add_argument("--bs", type=int, default=16)
ap.add_argument("--opt", default="sgd"); ap.add_argument("--crop", type=float, default=1.0)
ap.add_argument("--type", default="2d"); ap.add_argument("--bb", default="r3d_18"); ap.add_argument("--split", default="clip")
ap.add_argument("--speed", type=float, nargs=2, default=None); ap.add_argument("--jitter", type=float, default=0.0); ap.add_argument("--wd", type=float, default=1e-4)
ap.add_argument("--scene-per-clip", action="store_true", help="every clip in a scene of its own (else every scene does every action)")
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--model-type", default="rgb", help="rgb, or rgb_diff (the network sees differences of consecutive frames)")
a = ap.parse_args()
import core.datasets.synthetic_clips as SC
if a.speed: SC.SPEED = tuple(a.speed)
torch.manual_seed(a.seed); torch.set_num_threads(int(os.environ.get('NT', '1')))
rng = np.random.default_rng(a.seed)
clips, labels, scene_of = [], [], []
for k in range(a.scenes):
    sc = new_scene(rng, a.size)
    for i, act in enumerate(ACTIONS):
        if a.scene_per_clip:
            sc = new_scene(rng, a.size)
        clips.append(render_clip(rng, act, a.size, a.frames, sc)[..., ::-1].copy()); labels.append(i); scene_of.append(k)
clips = np.stack(clips); labels = np.array(labels); scene_of = np.array(scene_of)
perm = np.random.default_rng(1).permutation(len(clips))
if a.split == "clip":
    nval = int(0.3 * len(clips)); val_idx, tr_idx = perm[:nval], perm[nval:]
else:
    vs = set(range(int(0.7 * a.scenes), a.scenes)); val_idx = np.array([i for i in range(len(clips)) if scene_of[i] in vs]); tr_idx = np.array([i for i in range(len(clips)) if scene_of[i] not in vs])
span = (a.T - 1) * a.rate + 1
def window(c, start): return c[start:start + span:a.rate]
def to_x(w):  # (T,H,W,3) uint8 -> model input
    x = w.astype(np.float32) / 255
    return x.transpose(3, 0, 1, 2) if a.type == "3d" else x.transpose(0, 3, 1, 2).reshape(-1, a.size, a.size)
def aug(w, r):
    if a.crop < 1:
        f = r.uniform(a.crop, 1); ch = max(2, int(round(a.size * f))); y, x = r.integers(0, a.size - ch + 1, 2)
        import cv2
        w = np.stack([cv2.resize(fr[y:y + ch, x:x + ch], (a.size, a.size), interpolation=cv2.INTER_AREA) for fr in w])
    if a.jitter > 0:
        g = r.uniform(1 - a.jitter, 1 + a.jitter, 3).astype(np.float32); s = np.float32(r.uniform(-a.jitter, a.jitter) * 64)
        w = np.clip(w.astype(np.float32) * g + s, 0, 255).astype(np.uint8)
    return w
diff = a.model_type == "rgb_diff"
net = build_3d(a.bb, 6) if a.type == "3d" else build_2d("resnet18", 6, a.T - diff)
model = ActionNet(net, a.type, a.T, difference=diff)
opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=a.wd) if a.opt.startswith("sgd") else torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=a.wd)
r = np.random.default_rng(2); t0 = time.time()
steps_per_epoch = len(tr_idx) // a.bs
if a.opt != "sgd-ms":
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, a.lr, total_steps=a.epochs * steps_per_epoch)
else:
    W = steps_per_epoch; S = [int(a.epochs * 0.7) * steps_per_epoch, int(a.epochs * 0.9) * steps_per_epoch]
    f = lambda s: (0.1 + 0.9 * s / W) if s < W else 0.1 ** sum(s >= x for x in S)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, f)
for ep in range(a.epochs):
    model.train(); order = r.permutation(tr_idx); tl = []
    for b in range(steps_per_epoch):
        idx = order[b * a.bs:(b + 1) * a.bs]
        xb = torch.from_numpy(np.stack([to_x(aug(window(clips[i], int(r.integers(0, a.frames - span + 1))), r)) for i in idx]))
        loss = F.cross_entropy(model(xb), torch.from_numpy(labels[idx]))
        opt.zero_grad(); loss.backward(); opt.step(); sched.step(); tl.append(loss.item())
    model.eval(); st = (a.frames - span) // 2
    with torch.no_grad():
        xv = torch.from_numpy(np.stack([to_x(window(clips[i], st)) for i in val_idx]))
        pv = model(xv).argmax(1).numpy()
        xt = torch.from_numpy(np.stack([to_x(window(clips[i], st)) for i in tr_idx[:200]]))
        pt = model(xt).argmax(1).numpy()
    acc = (pv == labels[val_idx]).mean(); pcs = [ (pv[labels[val_idx]==c]==c).mean() for c in range(6)]
    print(f"ep{ep} loss {np.mean(tl):.3f} train_acc {(pt == labels[tr_idx[:200]]).mean():.2f} val_acc {acc:.3f} avgcls {np.mean(pcs):.3f} {np.round(pcs,2)} t={time.time()-t0:.0f}s", flush=True)
