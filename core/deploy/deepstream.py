"""DeepStream configs for an exported model, in the key=value format nvinfer and nvdspreprocess
read (configparser can parse them):

- `config_infer_<name>.txt`: the `[property]` group for nvinfer — the model file, `labelfile-path`,
  `batch-size`, `network-mode` (0 FP32, 1 INT8, 2 FP16), `infer-dims`, `net-scale-factor` and
  `offsets` from the family's input format, `model-color-format`, `num-detected-classes`,
  `int8-calib-file` for an INT8 graph, and the family's own keys (`network-type` ...). A cascade's
  second stage is a secondary classifier: `process-mode=2`, `operate-on-gie-id`, `operate-on-class-ids`;
- `config_preprocess_<name>.txt` for clip models: nvdspreprocess with `network-input-shape`
  N;3;T;H;W (3D) or N;3T;H;W (2D), `network-input-order`, `stride`, `subsample`, `process-on-roi`
  and `roi-params-src-0`;
- `labels.txt`, one class name a line (the graph's class order);
- `deepstream_app_<name>.txt`, a deepstream-app config tying a file source, the inference and an
  on-screen display together.
"""
from __future__ import annotations

import configparser
import io
from pathlib import Path
from typing import Any, Mapping, Sequence

from core.fsutil import atomic_write_text

NETWORK_MODE = {"fp32": 0, "int8": 1, "fp16": 2}


def _format(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.8g}"
    if isinstance(value, (list, tuple)):
        return ";".join(_format(v) for v in value)
    return str(value)


def _write_groups(path: Path, groups: Mapping[str, Mapping[str, Any]], header: str) -> Path:
    lines = [f"# {line}" for line in header.splitlines()]
    for group, keys in groups.items():
        lines += ["", f"[{group}]"] + [f"{k}={_format(v)}" for k, v in keys.items() if v is not None]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def read_config(path: Path) -> configparser.ConfigParser:
    """Parse a written config back (what the tests check, and what DeepStream reads)."""
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    parser.read_string(Path(path).read_text())
    return parser


def class_names(categories: Sequence[Any]) -> list[str]:
    """Class names in the graph's order: by sorted project category id (the families' label map)."""
    cats = sorted(categories, key=lambda c: c["id"] if isinstance(c, dict) else c.id)
    return [c["name"] if isinstance(c, dict) else c.name for c in cats]


def infer_dims(shape: Sequence[Any], batched: bool) -> str:
    dims = list(shape[1:] if batched else shape)
    return ";".join(str(d) for d in dims)


def nvinfer_config(*, name: str, model_file: Path, family_keys: Mapping[str, Any], input_format, example_shape,
                   batched: bool, precision: str, categories: Sequence[Any], batch_size: int,
                   calibration_file: Path | None = None, engine_file: Path | None = None,
                   gie_unique_id: int = 1, secondary_of: tuple[int, Sequence[int]] | None = None) -> dict[str, Any]:
    labels = class_names(categories)
    keys: dict[str, Any] = {
        "gpu-id": 0,
        "gie-unique-id": gie_unique_id,
        "onnx-file": model_file.name,
        "model-engine-file": (engine_file or model_file.with_suffix(f".b{batch_size}.{precision}.engine")).name,
        "labelfile-path": "labels.txt",
        "batch-size": batch_size,
        "network-mode": NETWORK_MODE.get(precision, 0),
        "infer-dims": infer_dims(example_shape, batched),
        "net-scale-factor": float(input_format.scale),
        "offsets": tuple(float(o) for o in input_format.offsets),
        "model-color-format": 0 if input_format.color == "RGB" else 1,
        "num-detected-classes": len(labels),
        "int8-calib-file": calibration_file.name if calibration_file is not None else None,
        "maintain-aspect-ratio": 0,
    }
    keys.update(family_keys)
    if secondary_of is not None:
        operate_on, class_ids = secondary_of
        keys.update({"process-mode": 2, "operate-on-gie-id": operate_on,
                     "operate-on-class-ids": ";".join(str(c) for c in class_ids), "gie-unique-id": gie_unique_id})
    else:
        keys.setdefault("process-mode", 1)
    return keys


def write_nvinfer(path: Path, keys: Mapping[str, Any], what: str) -> Path:
    return _write_groups(path, {"property": keys}, f"DeepStream nvinfer config for {what}, written by Studio.\n"
                                                     "Paths are relative to this file's folder.")


def write_labels(path: Path, categories: Sequence[Any]) -> Path:
    atomic_write_text(path, "\n".join(class_names(categories)) + "\n")
    return path


def preprocess_config(*, name: str, example_shape: Sequence[int], three_d: bool, stride: int, subsample: int,
                      input_format, sources: int = 1,
                      rois: Sequence[tuple[int, int, int, int] | None] | None = None) -> dict[str, dict]:
    """nvdspreprocess for a clip model: the tensor it builds for nvinfer (N;3;T;H;W, or N;3T;H;W),
    one clip per source and step (N = `sources`), each source cut to its ROI (x, y, w, h; None or
    missing: the whole processed frame)."""
    batch = max(1, int(sources))
    if three_d:
        _, c, t, h, w = example_shape if len(example_shape) == 5 else (1, *example_shape)
        shape, order = f"{batch};{c};{t};{h};{w}", 2          # NCDHW
    else:
        _, ct, h, w = example_shape if len(example_shape) == 4 else (1, *example_shape)
        shape, order = f"{batch};{ct};{h};{w}", 0             # NCHW (T frames stacked on channels)
    given = list(rois or [])
    boxes = [(given[i] if i < len(given) and given[i] is not None else (0, 0, w, h)) for i in range(batch)]
    # DeepStream's sequence preprocess library (deepstream-3d-action-recognition) builds both layouts
    return {
        "property": {"enable": 1, "target-unique-ids": 1, "network-input-shape": shape,
                     "network-input-order": order, "network-color-format": 0 if input_format.color == "RGB" else 1,
                     "tensor-data-type": 0, "tensor-name": "clip", "processing-width": w, "processing-height": h,
                     "scaling-pool-memory-type": 0, "scaling-buf-pool-size": 6, "tensor-buf-pool-size": 6,
                     "custom-lib-path": "./custom_sequence_preprocess/libnvds_custom_sequence_preprocess.so",
                     "custom-tensor-preparation-function": "CustomSequenceTensorPreparation"},
        "user-configs": {"channel-scale-factors": ";".join(f"{input_format.scale:.8g}" for _ in range(3)),
                         "channel-mean-offsets": ";".join(f"{o:.8g}" for o in input_format.offsets),
                         "stride": stride, "subsample": subsample},
        "group-0": {"src-ids": ";".join(str(i) for i in range(batch)), "process-on-roi": 1,
                    **{f"roi-params-src-{i}": ";".join(str(int(v)) for v in box) for i, box in enumerate(boxes)}},
    }


def write_preprocess(path: Path, groups: Mapping[str, Mapping[str, Any]], what: str) -> Path:
    return _write_groups(path, groups, f"DeepStream nvdspreprocess config for {what}, written by Studio.")


def parse_roi(text: str) -> tuple[int, int, int, int] | None:
    """`x,y,w,h` in pixels of the processed frame, or `full` (the whole frame)."""
    from core.errors import ExportError

    if text.strip().lower() == "full":
        return None
    try:
        x, y, w, h = (int(v) for v in text.split(","))
    except ValueError:
        raise ExportError(f"--roi takes x,y,w,h in pixels (or full); got {text!r}.") from None
    if x < 0 or y < 0 or w <= 0 or h <= 0:
        raise ExportError(f"--roi needs x, y >= 0 and a positive width and height; got {text!r}.")
    return x, y, w, h


def tile_grid(sources: int) -> tuple[int, int]:
    """(rows, columns) of the tiled display: the smallest near-square grid holding every source."""
    import math

    n = max(1, int(sources))
    columns = math.ceil(math.sqrt(n))
    return math.ceil(n / columns), columns


def write_app(path: Path, infer_config: Path, name: str, preprocess: Path | None = None,
              secondary: Path | None = None, sources: int = 1) -> Path:
    """deepstream-app config: `sources` streams of one URI (type 3, multi-URI), batched by the
    muxer and tiled (4 sources: 2 x 2)."""
    n = max(1, int(sources))
    rows, columns = tile_grid(n)
    groups: dict[str, dict[str, Any]] = {
        "application": {"enable-perf-measurement": 1, "perf-measurement-interval-sec": 5},
        "tiled-display": {"enable": 1, "rows": rows, "columns": columns, "width": 1280, "height": 720},
        "source0": {"enable": 1, "type": 3, "uri": "file://input.mp4", "num-sources": n, "gpu-id": 0},
        "sink0": {"enable": 1, "type": 2, "sync": 0},
        "osd": {"enable": 1, "border-width": 2, "text-size": 15},
        "streammux": {"batch-size": n, "width": 1280, "height": 720, "batched-push-timeout": 40000},
        "primary-gie": {"enable": 1, "gie-unique-id": 1, "config-file": infer_config.name},
    }
    if preprocess is not None:
        groups["pre-process"] = {"enable": 1, "config-file": preprocess.name}
        groups["primary-gie"]["input-tensor-meta"] = 1
    if secondary is not None:
        groups["secondary-gie0"] = {"enable": 1, "gie-unique-id": 2, "operate-on-gie-id": 1,
                                    "config-file": secondary.name}
    return _write_groups(path, groups, f"deepstream-app config running {name}, written by Studio.\n"
                                       "Replace source0's uri with your video.")


def to_text(groups: Mapping[str, Mapping[str, Any]]) -> str:
    buf = io.StringIO()
    for group, keys in groups.items():
        buf.write(f"[{group}]\n" + "".join(f"{k}={_format(v)}\n" for k, v in keys.items() if v is not None))
    return buf.getvalue()
