"""Micro benchmarks of the data and drawing code: each returns one `compare(...)` record (or a
list of records)."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import cv2
import numpy as np

from core.bench.timing import compare, record


def overlay_vectorized_vs_loop() -> dict:
    """Drawing 20 alpha-blended masks on a 512x512 frame: one numpy pass vs a loop per mask."""
    from core.video.draw import blend_masks, colors_for

    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (512, 512, 3), dtype=np.uint8)
    masks = np.zeros((20, 512, 512), bool)
    for k in range(20):
        x, y = rng.integers(0, 400, 2)
        masks[k, y:y + 100, x:x + 100] = True
    labels = np.arange(20) % 5 + 1
    colors = colors_for(labels)

    def loop():
        out = frame.astype(np.float32)
        for k in range(len(masks)):
            m = masks[k]
            out[m] = out[m] * 0.55 + colors[k].astype(np.float32) * 0.45
        return out.astype(np.uint8)

    return compare("overlay: 20 masks on 512x512", "loop per mask", loop, "blend_masks (vectorized)",
                   lambda: blend_masks(frame.copy(), masks, colors, 0.45), repeats=20)


def mask_decode_batch_vs_single() -> dict:
    """Decoding the masks of one image with 12 RLE annotations: one call vs one call each."""
    from core.datasets.masks import annotation_mask, annotation_masks, encode_mask
    from core.project.catalog import Annotation

    rng = np.random.default_rng(1)
    anns = []
    for k in range(12):
        m = np.zeros((256, 256), bool)
        x, y = rng.integers(0, 200, 2)
        m[y:y + 50, x:x + 40] = True
        anns.append(Annotation(None, 1, 1, (float(x), float(y), 40.0, 50.0), seg_kind="rle",
                               segmentation=encode_mask(m)))
    return compare("mask decode: 12 RLEs of 256x256", "annotation_mask each",
                   lambda: np.stack([annotation_mask(a, 256, 256) for a in anns]),
                   "annotation_masks (one call)", lambda: annotation_masks(anns, 256, 256), repeats=50)


def thumbnail_reduced_vs_full() -> dict:
    """A thumbnail of a 1024x1024 PNG: full decode + resize vs cv2's reduced decode."""
    rng = np.random.default_rng(2)
    image = cv2.GaussianBlur(rng.integers(0, 255, (1024, 1024, 3), dtype=np.uint8), (9, 9), 3)
    folder = Path(tempfile.mkdtemp(prefix="studio-bench-"))
    path = str(folder / "big.jpg")
    cv2.imwrite(path, image)

    def full():
        return cv2.resize(cv2.imread(path, cv2.IMREAD_COLOR), (128, 128), interpolation=cv2.INTER_AREA)

    def reduced():
        return cv2.resize(cv2.imread(path, cv2.IMREAD_REDUCED_COLOR_8), (128, 128), interpolation=cv2.INTER_AREA)

    return compare("thumbnail of a 1024 px JPEG", "full decode + resize", full, "IMREAD_REDUCED_COLOR_8 + resize",
                   reduced, repeats=20)


def clip_windows_from_video_vs_extracted_frames() -> list[dict]:
    """Why an action import reads clip frames on the fly instead of extracting them: one HMDB-sized
    clip (320x240, 150 frames, MPEG-4 part 2 as HMDB's .avi), read as training windows of 8 and 32
    consecutive frames at random starts through the one clip reader (`read_frames`) from the video
    against from its frames extracted as PNGs (`<clip>/rgb/000001.png`, TAO's layout); and what
    extraction costs at import (decode + PNG encode of every frame, against the frame count the
    importer reads) and on disk."""
    folder = Path(tempfile.mkdtemp(prefix="studio-bench-clip-"))
    try:
        return _clip_window_records(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _clip_window_records(folder: Path) -> list[dict]:
    from core.video.clip_frames import count_frames, read_frames

    rng = np.random.default_rng(3)
    video, frames_dir = folder / "clip.mp4", folder / "clip" / "rgb"
    w, h, n = 320, 240, 150
    scene = cv2.GaussianBlur(rng.integers(0, 255, (h, w + n, 3), dtype=np.uint8), (0, 0), 3)
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, (w, h))
    for i in range(n):              # a camera panning over texture, a moving object, sensor noise
        frame = scene[:, i:i + w].astype(np.int16) + rng.normal(0, 3, (h, w, 3)).astype(np.int16)
        frame = np.clip(frame, 0, 255).astype(np.uint8)
        cv2.circle(frame, (20 + i * 2 % (w - 40), 60 + int(40 * np.sin(i / 9))), 18, (40, 200, 220), -1)
        writer.write(frame)
    writer.release()

    def extract():
        frames_dir.mkdir(parents=True, exist_ok=True)
        cap = cv2.VideoCapture(str(video))
        k = 0
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            k += 1
            cv2.imwrite(str(frames_dir / f"{k:06d}.png"), frame)
        cap.release()

    results = [compare("action import of a 150-frame 320x240 clip", "extract every frame to PNG", extract,
                       "count its frames (read on the fly)", lambda: count_frames(video), repeats=3, warmup=1)]
    png_bytes = sum(f.stat().st_size for f in frames_dir.iterdir())
    results.append(record("disk held by a 150-frame 320x240 clip", "extracted PNG frames", png_bytes / 1e6,
                          "the video (read on the fly)", video.stat().st_size / 1e6, "MB",
                          png_bytes / max(1, video.stat().st_size)))
    for t in (8, 32):
        starts = [int(s) for s in rng.integers(0, n - t, 12)]
        windows = iter(range(10**9))

        def window(source):
            start = starts[next(windows) % len(starts)]
            return read_frames(source, range(start, start + t))

        results.append(compare(f"a training window of {t} frames of that clip", "from extracted PNG frames",
                               lambda: window(frames_dir), "decoded from the video (seek + decode)",
                               lambda: window(video), repeats=12))
    return results


CASES = (overlay_vectorized_vs_loop, mask_decode_batch_vs_single, thumbnail_reduced_vs_full,
         clip_windows_from_video_vs_extracted_frames)
