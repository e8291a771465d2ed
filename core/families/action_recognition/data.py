"""The action-recognition dataset adapter: clip samples -> (input array, class index).

Each item reads only the frames its window needs (`core.video.clip_frames`). Training windows
start at a random frame (and, with `random_interval`, take a random step between frames) and get
the spec's augmentations (flip, random crop, color jitter), all drawn from the per-item seed the
step sampler hands out, so a resumed run sees the same windows;
evaluation windows are the clip's center. A clip shorter than the window is padded (its last
frame repeated) or, with `data.short_clips: skip`, left out of training; `notes` says which and
how many, and the family's callback logs it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import torch
from torch.utils.data import Dataset

from core.datasets.crops import random_window
from core.errors import DataError
from core.families.action_recognition import frames as fr
from core.video.clip_frames import read_frames


@dataclass(frozen=True)
class _Item:
    clip_id: int
    path: str
    start: int
    num_frames: int
    label: int
    name: str


def class_order(spec: Any, categories: Sequence) -> list[int]:
    """Category ids in the model's output order: `data.label_map` (names) when given, else by id."""
    by_name = {c.name: c.id for c in categories}
    names = list(getattr(spec.data, "label_map", []) or [])
    if not names:
        return sorted(c.id for c in categories)
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise DataError(f"data.label_map names {', '.join(unknown)}, which the project has no class for (its classes: "
                        f"{', '.join(sorted(by_name))}).")
    if len(set(names)) != len(names):
        raise DataError(f"data.label_map lists a class twice: {names}.")
    return [by_name[n] for n in names]


class ClipDataset(Dataset):
    def __init__(self, project, samples: Sequence, class_index: dict[int, int], spec: Any, train: bool) -> None:
        self.spec, self.train = spec, train
        self.frames = spec.model.rgb_seq_length
        self.rate = spec.data.sample_rate
        need = fr.span(self.frames, self.rate)
        self.notes: list[str] = []
        items, short, unlabeled = [], [], 0
        for s in samples:
            if s.category_id not in class_index:
                unlabeled += 1
                continue
            name = f"{s.path}[{s.start_frame}:{s.end_frame + 1}]"
            if s.num_frames < need:
                short.append(name)
                if train and spec.data.short_clips == "skip":
                    continue
            items.append(_Item(s.id, str(project.resolve(s.path)), s.start_frame, s.num_frames,
                               class_index[s.category_id], name))
        self.items = items
        if short:
            example = short[0].split("/")[-1]
            done = ("left out of training" if train and spec.data.short_clips == "skip"
                    else "padded by repeating their last frame")
            self.notes.append(f"{len(short)} clip(s) have fewer than the {need} frames a window of "
                              f"{self.frames} frames every {self.rate} needs (e.g. {example}); they are {done}.")
        if unlabeled:
            self.notes.append(f"{unlabeled} clip(s) have no class of data.label_map (or no label) and are not used.")

    def __len__(self) -> int:
        return len(self.items)

    def indices(self, item: _Item, seed: int) -> list[int]:
        if self.train:
            rng = np.random.default_rng(seed)
            return fr.random_window(item.num_frames, self.frames, self.rate, self.spec.data.sample_strategy, rng)
        start = fr.center_start(item.num_frames, fr.span(self.frames, self.rate))
        return fr.consecutive_indices(item.num_frames, self.frames, self.rate, start)

    def __getitem__(self, key):
        index, seed = key if isinstance(key, tuple) else (key, 0)
        item = self.items[index]
        clip = read_frames(item.path, [item.start + i for i in self.indices(item, seed)])
        if self.train:
            clip = augment(clip, self.spec.data, seed)
        return torch.from_numpy(fr.to_input(clip, self.spec)), item.label


def augment(clip: np.ndarray, data: Any, seed: int) -> np.ndarray:
    """The training augmentations of `data` (flip, random crop, color jitter), the same for every
    frame of the clip, drawn from `seed`."""
    rng = np.random.default_rng([seed, 1])
    if data.horizontal_flip > 0 and rng.random() < data.horizontal_flip:
        clip = clip[:, :, ::-1]
    if data.random_crop_scale < 1.0:
        y, x, ch, cw = random_window(*clip.shape[1:3], data.random_crop_scale, rng)
        clip = clip[:, y:y + ch, x:x + cw]
    if data.color_jitter > 0:
        j = data.color_jitter
        gains = rng.uniform(1 - j, 1 + j, 3).astype(np.float32)
        shift = np.float32(rng.uniform(-j, j) * 64)
        clip = np.clip(clip.astype(np.float32) * gains + shift, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(clip)


def collate(items: list) -> tuple[torch.Tensor, torch.Tensor]:
    inputs, labels = zip(*items)
    return torch.stack(inputs), torch.tensor(labels, dtype=torch.int64)
