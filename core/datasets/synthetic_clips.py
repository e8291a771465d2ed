"""Synthetic action clips: a shape that moves left, right, up or down, circles, or grows, over a
textured background with still distractor shapes.

No single still frame can tell the class: every clip starts at a random place (the frame wraps
around: a shape leaving at one edge comes back at the opposite one) with a random speed, the distractors never move, and every shape turns a little; and the clips made by
`generate_action_folders` come in scenes — one background, distractors and moving shape, shown
doing every action — so what a scene looks like says nothing about the action either: only the
change from frame to frame does. Used by the action
recognition demo and the tests (video folders per class, through the real importer) and for the
demo's input video, where one shape does one action after another.
"""
from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

from core.datasets.synthetic import CLASSES as SHAPES
from core.datasets.synthetic import _background, _random_color, _texture, _vertices

ACTIONS: tuple[str, ...] = ("move_left", "move_right", "move_up", "move_down", "circle", "grow")

# How far the shape moves each frame, as a fraction of the frame's size (drawn per clip).
SPEED = (0.025, 0.045)

_DIRECTIONS = {"move_left": (-1.0, 0.0), "move_right": (1.0, 0.0), "move_up": (0.0, -1.0), "move_down": (0.0, 1.0)}


def _contrasting(rng: np.random.Generator, canvas: np.ndarray, least: float = 150.0) -> np.ndarray:
    """A color at least `least` away (BGR distance) from the canvas's mean color, when one of
    a few random tries is; else the farthest tried."""
    mean = canvas.mean(axis=(0, 1))
    best, best_d = None, -1.0
    for _ in range(24):
        c = _random_color(rng)
        d = float(np.linalg.norm(c - mean))
        if d >= least:
            return c
        if d > best_d:
            best, best_d = c, d
    return best


class _Mover:
    """The moving shape: where it is and how big at each frame of a segment."""

    def __init__(self, rng: np.random.Generator, size: int, canvas: np.ndarray) -> None:
        self.shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
        self.radius = float(rng.uniform(0.08, 0.2) * size)
        self.pos = rng.uniform(0, size, 2)
        self.angle = float(rng.uniform(0, 2 * math.pi))
        self.spin = float(rng.uniform(-0.06, 0.06))
        self.fill = np.clip(_texture(rng, size, _contrasting(rng, canvas)), 0, 255)

    def path(self, rng: np.random.Generator, action: str, frames: int, size: int
             ) -> list[tuple[float, float, float]]:
        """(x, y, radius) for each of `frames` frames of `action`, starting where the shape is."""
        speed = float(rng.uniform(*SPEED) * size)
        x, y = self.pos
        r = self.radius
        if action in _DIRECTIONS:        # the frame wraps around: where a clip starts says nothing
            dx, dy = _DIRECTIONS[action]
            out = [((x + dx * speed * t) % size, (y + dy * speed * t) % size, r) for t in range(frames)]
        elif action == "circle":
            # a full loop every 9-14 frames, so any window of the clip sees the shape turn back
            orbit = float(rng.uniform(0.1, 0.16) * size)
            omega = float(rng.uniform(0.45, 0.7)) * (1 if rng.random() < 0.5 else -1)
            phase = float(rng.uniform(0, 2 * math.pi))
            cx, cy = x - orbit * math.cos(phase), y - orbit * math.sin(phase)
            out = [((cx + orbit * math.cos(phase + omega * t)) % size, (cy + orbit * math.sin(phase + omega * t)) % size,
                    r) for t in range(frames)]
        elif action == "grow":
            r0 = float(rng.uniform(0.06, 0.1) * size)
            r1 = min(float(rng.uniform(1.8, 2.4)) * r0, 0.24 * size)
            out = [(x, y, r0 + (r1 - r0) * t / max(frames - 1, 1)) for t in range(frames)]
        else:
            raise ValueError(f"unknown action {action!r}; one of {ACTIONS}")
        jitter = rng.normal(0, 0.3, (frames, 2))
        out = [(px + jx, py + jy, pr) for (px, py, pr), (jx, jy) in zip(out, jitter)]
        self.pos = np.array(out[-1][:2]) % size
        self.radius = float(np.clip(out[-1][2], 0.08 * size, 0.2 * size))
        return out


def _scene(rng: np.random.Generator, size: int) -> np.ndarray:
    """Float background (textured, its contrast halved) with 0-1 still distractor shapes on it."""
    canvas = _background(rng, size)
    mean = canvas.mean(axis=(0, 1), keepdims=True)
    canvas = mean + 0.5 * (canvas - mean)
    for _ in range(int(rng.integers(0, 2))):
        shape = SHAPES[int(rng.integers(0, len(SHAPES)))]
        radius = float(rng.uniform(0.08, 0.15) * size)
        cx, cy = rng.uniform(radius, size - radius, 2)
        _paint(canvas, shape, cx, cy, radius, float(rng.uniform(0, 2 * math.pi)),
               np.clip(_texture(rng, size, _random_color(rng)), 0, 255))
    return canvas


def _paint(canvas: np.ndarray, shape: str, cx: float, cy: float, radius: float, angle: float,
           fill: np.ndarray, wrap: bool = False) -> None:
    """Paint a shape; with `wrap`, the part beyond an edge comes back in at the opposite one."""
    size = canvas.shape[0]
    mask = np.zeros((size, size), np.uint8)
    shifts = [-size, 0, size] if wrap else [0]
    for ox in shifts:
        for oy in shifts:
            if -radius < cx + ox < size + radius and -radius < cy + oy < size + radius:
                pts = np.round(_vertices(shape, cx + ox, cy + oy, radius, angle) * 4).astype(np.int32)
                cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=2)     # 2 bits of subpixel
    m = mask.astype(bool)
    canvas[m] = fill[m]


def _render(rng: np.random.Generator, canvas: np.ndarray, mover: _Mover,
            path: Sequence[tuple[float, float, float]]) -> list[np.ndarray]:
    frames = []
    size = canvas.shape[0]
    for x, y, r in path:
        frame = canvas.copy()
        # the fill travels with the shape (a texture fixed to the frame would stand still inside a moving outline)
        fill = np.roll(mover.fill, (int(round(y - size / 2)), int(round(x - size / 2))), axis=(0, 1))
        _paint(frame, mover.shape, x, y, r, mover.angle, fill, wrap=True)
        mover.angle += mover.spin
        frame += rng.normal(0, 2.5, frame.shape)
        frames.append(np.clip(frame, 0, 255).astype(np.uint8))
    return frames


def render_clip(rng: np.random.Generator, action: str, size: int = 64, num_frames: int = 24,
                scene: tuple[np.ndarray, "_Mover"] | None = None) -> np.ndarray:
    """One clip of `action`: (num_frames, size, size, 3) BGR uint8, in a new scene or in `scene`
    (`new_scene`: its background and moving shape, which then starts at a random place)."""
    if num_frames < 2:
        raise ValueError(f"a clip needs at least 2 frames, got {num_frames}")
    if scene is None:
        canvas = _scene(rng, size)
        mover = _Mover(rng, size, canvas)
    else:
        canvas, template = scene
        mover = copy.copy(template)
        mover.pos = rng.uniform(0, size, 2)
        mover.angle = float(rng.uniform(0, 2 * math.pi))
    return np.stack(_render(rng, canvas, mover, mover.path(rng, action, num_frames, size)))


def new_scene(rng: np.random.Generator, size: int) -> tuple[np.ndarray, "_Mover"]:
    """A background with its distractors and the look of its moving shape, for `render_clip`."""
    canvas = _scene(rng, size)
    return canvas, _Mover(rng, size, canvas)


# Lossless clips: at 24-32 px, mp4v changes a frame by 7-9 grey levels on average (measured: mean
# absolute error of the decoded frames), more than the moving shape changes from one frame to the
# next (4-6); a 3D network then never left chance. FFV1 in Matroska decodes to the exact pixels.
CLIP_SUFFIX = ".mkv"
_LOSSLESS_FOURCC = "FFV1"


def write_video(path: str | Path, frames: Sequence[np.ndarray], fps: float = 12.0) -> Path:
    """BGR frames as a video (`core.video.writer.VideoWriter`, written whole or not at all):
    `.mkv` lossless (FFV1), `.mp4` mp4v (lossy)."""
    from core.video.writer import VideoWriter

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (CLIP_SUFFIX, ".mp4"):
        raise ValueError(f"write_video writes .mkv (lossless) or .mp4, not {path.suffix or 'no suffix'}")
    with VideoWriter(path, fps, fourcc=_LOSSLESS_FOURCC if suffix == CLIP_SUFFIX else None) as writer:
        for f in frames:
            writer.write(f)
    return path


def write_frames(folder: str | Path, frames: Sequence[np.ndarray]) -> Path:
    """BGR frames as `folder/000001.png`, `000002.png` ..."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for i, f in enumerate(frames):
        cv2.imwrite(str(folder / f"{i + 1:06d}.png"), f)
    return folder


def generate_action_folders(root: str | Path, clips_per_class: int, size: int = 64, num_frames: int = 24,
                            seed: int = 0, actions: Sequence[str] = ACTIONS, frame_folders: bool = False,
                            fps: float = 12.0) -> Path:
    """Video folders per class: `root/<action>/<action>_000.mkv`, lossless (`CLIP_SUFFIX`; or, with `frame_folders`,
    `root/<action>/<action>_000/rgb/000001.png ...`), `clips_per_class` clips of each action; clip
    k of every action is shot in scene k."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    for k in range(clips_per_class):
        scene = new_scene(rng, size)
        for action in actions:
            frames = render_clip(rng, action, size, num_frames, scene)
            name = f"{action}_{k:03d}"
            if frame_folders:
                write_frames(root / action / name / "rgb", frames)
            else:
                write_video(root / action / f"{name}{CLIP_SUFFIX}", frames, fps)
    return root


def generate_action_video(path: str | Path, segments: int = 8, segment_frames: int = 24, size: int = 64,
                          seed: int = 1, scale: int = 2, fps: float = 12.0,
                          actions: Sequence[str] = ACTIONS) -> tuple[Path, list[str]]:
    """A video of one shape doing `segments` actions one after another (each `segment_frames`
    frames, over one background), upscaled `scale` times. Returns (path, action of each frame)."""
    rng = np.random.default_rng(seed)
    canvas = _scene(rng, size)
    mover = _Mover(rng, size, canvas)
    frames, labels = [], []
    order = [actions[i % len(actions)] for i in rng.permutation(max(segments, len(actions)))][:segments]
    for action in order:
        frames += _render(rng, canvas, mover, mover.path(rng, action, segment_frames, size))
        labels += [action] * segment_frames
    if scale != 1:
        frames = [cv2.resize(f, (size * scale, size * scale), interpolation=cv2.INTER_NEAREST) for f in frames]
    return write_video(path, frames, fps), labels
