"""Which frames of a clip make a model input, and how frames become the graph's input array.

Torch-free and numpy-only, so the dataset, evaluation, the runtimes and the tests share one
definition:

- `consecutive_indices(n, T, rate, start)`: T frames, every `rate`-th from `start`; a clip too
  short for the window repeats its last frame (padding);
- `center_start(n, span)` / `conv_starts(n, span, k)`: where the evaluation windows start (the
  middle one; k evenly spaced ones, TAO's `center` and `conv` modes);
- `random_window(n, T, rate, strategy, rng)`: a training window (random start; with
  `random_interval` also a random step between frames that still fits in the clip);
- `to_input(frames, spec)`: (T, H, W, 3) RGB uint8 -> float32 in [0, 1], resized to the spec's
  input size, laid out (3, T, H, W) for 3D models or (3*T, H, W) — frame after frame, each
  R, G, B — for 2D ones.
"""
from __future__ import annotations

from typing import Any

import cv2
import numpy as np


def span(frames: int, rate: int) -> int:
    """Frames of a clip a window of `frames` frames taken every `rate`-th covers."""
    return (frames - 1) * rate + 1


def consecutive_indices(num_frames: int, frames: int, rate: int = 1, start: int = 0) -> list[int]:
    """`frames` indices from `start`, `rate` apart, within 0..num_frames-1 (the last repeated)."""
    if num_frames < 1:
        raise ValueError("a clip has at least one frame")
    last = num_frames - 1
    return [min(start + k * rate, last) for k in range(frames)]


def center_start(num_frames: int, window_span: int) -> int:
    return max(0, (num_frames - window_span) // 2)


def conv_starts(num_frames: int, window_span: int, count: int) -> list[int]:
    """`count` window starts evenly spaced from the clip's first frame to the last start that
    still fits (all 0 for a clip shorter than the window)."""
    room = max(0, num_frames - window_span)
    if count <= 1:
        return [center_start(num_frames, window_span)]
    return [int(round(room * i / (count - 1))) for i in range(count)]


def random_window(num_frames: int, frames: int, rate: int, strategy: str, rng: np.random.Generator) -> list[int]:
    """A training window: `consecutive` takes every `rate`-th frame from a random start;
    `random_interval` draws the step between frames too, from 1 to the widest that still fits."""
    step = rate
    if strategy == "random_interval" and frames > 1:
        widest = max(1, (num_frames - 1) // (frames - 1))
        step = int(rng.integers(1, widest + 1))
    room = max(0, num_frames - span(frames, step))
    start = int(rng.integers(0, room + 1))
    return consecutive_indices(num_frames, frames, step, start)


def to_input(frames: np.ndarray, spec: Any) -> np.ndarray:
    """Frames (T, H, W, 3) RGB uint8 as the graph's input of one clip (see the module docstring)."""
    frames = np.asarray(frames)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"expected a clip of RGB frames (T, H, W, 3), got shape {frames.shape}")
    t_expected = spec.model.rgb_seq_length
    if frames.shape[0] != t_expected:
        raise ValueError(f"the model takes clips of {t_expected} frames, got {frames.shape[0]}")
    w, h = spec.data.input_width, spec.data.input_height
    if frames.shape[1:3] != (h, w):
        frames = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames])
    x = frames.astype(np.float32) * np.float32(1.0 / 255.0)          # (T, H, W, 3)
    if spec.model.input_type == "3d":
        return np.ascontiguousarray(x.transpose(3, 0, 1, 2))          # (3, T, H, W)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2).reshape(3 * t_expected, h, w))   # (3T, H, W)
