"""Video files for the tests: a truncated one whose header claims more frames than it holds."""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

W, H = 64, 48


def truncated_avi(path: Path, frames: int, keep: int) -> Path:
    """An MJPG .avi written by cv2.VideoWriter with `frames` frames, cut after the first `keep`
    frame chunks: its header still claims `frames` (the index at the end is gone)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (W, H))
    rng = np.random.default_rng(0)
    for _ in range(frames):
        writer.write(rng.integers(0, 255, (H, W, 3), dtype=np.uint8))
    writer.release()
    data = path.read_bytes()
    pos = data.index(b"movi") + 4          # walk the RIFF chunks of the movi list
    seen = 0
    while seen < keep:
        size = int.from_bytes(data[pos + 4:pos + 8], "little")
        seen += data[pos + 2:pos + 4] in (b"dc", b"db")
        pos += 8 + size + (size & 1)
    path.write_bytes(data[:pos])
    cap = cv2.VideoCapture(str(path))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == frames   # the container still claims every frame
    cap.release()
    return path
