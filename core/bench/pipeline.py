"""The video pipeline against its parts: end-to-end FPS (decode ahead on a thread, infer in batches,
draw, encode on a thread) divided by the slower of decode-only and inference-only FPS. A ratio near
1 means the pipeline hides decoding and encoding behind inference."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from core.bench.timing import record


def pipeline_ratio(setup, quick: bool) -> dict[str, Any]:
    import cv2

    from core.inference.pipeline import run_inference
    from core.runtime import load_runner
    from core.runtime.convert import checkpoint_to_onnx
    from core.video.reader import FrameReader

    frames = 24 if quick else 60
    with tempfile.TemporaryDirectory(prefix="studio-bench-video-") as tmp:
        video = Path(tmp) / "in.mp4"
        size = 128
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"mp4v"), 12.0, (size, size))
        base = cv2.resize(cv2.cvtColor(setup.inputs[0], cv2.COLOR_RGB2BGR) if setup.inputs[0].ndim == 3
                          else cv2.cvtColor(setup.inputs[0][0], cv2.COLOR_RGB2BGR), (size, size))
        for i in range(frames):
            writer.write(cv2.putText(base.copy(), str(i), (4, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (255, 255, 255)))
        writer.release()
        onnx = checkpoint_to_onnx(setup.checkpoint, Path(tmp) / "model.onnx").path
        with load_runner(onnx, stages=False) as runner:
            t0 = time.perf_counter()
            with FrameReader(video) as reader:
                decoded = [cv2.cvtColor(f.image, cv2.COLOR_BGR2RGB) for f in reader]
            decode_fps = len(decoded) / (time.perf_counter() - t0)
            window = runner.window
            t0 = time.perf_counter()
            if window.frames > 1:
                import numpy as np

                span = window.span
                calls = range(span - 1, len(decoded), max(1, window.stride))
                for end in calls:
                    runner([np.stack(decoded[end - span + 1:end + 1][::max(1, window.subsample)])])
            else:
                for start in range(0, len(decoded), 4):
                    runner(decoded[start:start + 4])
            infer_fps = len(decoded) / (time.perf_counter() - t0)
            result = run_inference(runner, None, video, Path(tmp) / "out.mp4", batch_size=4)
    bound = min(decode_fps, infer_fps)
    return record(f"video pipeline ({setup.info.title}, ONNX Runtime, {frames} frames of {size} px)",
                  "min(decode-only, inference-only) FPS", bound, "end-to-end FPS", result["fps"], "FPS",
                  result["fps"] / bound if bound > 0 else None, 0.9, decode_fps=round(decode_fps, 2),
                  inference_fps=round(infer_fps, 2), family=setup.task)
