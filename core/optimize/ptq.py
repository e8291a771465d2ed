"""Post-training quantization of an exported FP32 ONNX graph, and its FP16 twin.

INT8 (`quantize_int8`): ONNX Runtime's static quantization in QDQ format — symmetric INT8,
per-channel weights, per-tensor activations: TensorRT's explicit-quantization scheme, so one Q/DQ
graph serves ONNX Runtime on the CPU and TensorRT. Activation ranges come from calibration
samples fed through the family's own `preprocess`; `reduce_range` (7-bit weights) is used on CPUs
without VNNI, where U8S8 arithmetic can saturate. Convolutions, matrix products and fully
connected layers are quantized; everything else (a detector's proposals and NMS) stays FP32.

`write_calibration_cache` writes the same activation scales as a TensorRT calibration cache in its
text format (`TRT-<version>-EntropyCalibration2`, then `tensor: <hex of the float32 scale>`), for
DeepStream's `int8-calib-file` on TensorRT <= 10 (TensorRT 11 removed implicit calibration: the Q/DQ
graph is the source of truth).

FP16 (`convert_fp16`): weights and arithmetic in FP16 for GPU back ends, keeping FP32 inputs and
outputs, with the ops that need FP32 (NMS, TopK, RoI align, Resize ...) left in FP32.
"""
from __future__ import annotations

import struct
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from core.errors import StudioError
from core.fsutil import atomic_path, atomic_write_text

SAMPLE_RULES = ("random", "min-objects", "min-keypoints")
QUANTIZED_OPS = ("Conv", "MatMul", "Gemm")
CACHE_HEADER = "TRT-8601-EntropyCalibration2"
FP32_OPS = ("NonMaxSuppression", "TopK", "RoiAlign", "Resize", "Range", "Loop", "If", "ReduceMax", "ReduceMin",
            "Exp", "Log", "Softmax", "Sqrt", "Div")


class CalibrationError(StudioError):
    kind = "calibration"


@dataclass(frozen=True)
class CalibrationSettings:
    batch_size: int = 8
    batches: int = 4
    split: str = "train"
    sample: str = "random"          # random | min-objects | min-keypoints
    minimum: int = 1                # N of min-objects / min-keypoints
    seed: int = 0

    @property
    def needed(self) -> int:
        return self.batch_size * self.batches


def vnni_available() -> bool:
    """The CPU has VNNI (AVX-512 VNNI or AVX-VNNI): INT8 dot products without saturation."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_vnni" in flags or "avx_vnni" in flags


def _objects_per_image(project) -> dict[int, int]:
    rows = project.conn.execute("SELECT image_id, COUNT(*) FROM annotations WHERE COALESCE(iscrowd, 0) = 0 "
                                "GROUP BY image_id").fetchall()
    return dict(rows)


def _keypoint_people_per_image(project, minimum: int) -> dict[int, int]:
    rows = project.conn.execute("SELECT image_id, COUNT(*) FROM annotations WHERE COALESCE(num_keypoints, 0) >= ? "
                                "GROUP BY image_id", (minimum,)).fetchall()
    return dict(rows)


def choose_samples(family, project, settings: CalibrationSettings) -> list:
    """`batch_size x batches` samples of the split that meet the rule, drawn with the seed; a
    sentence when there are fewer."""
    if settings.sample not in SAMPLE_RULES:
        raise CalibrationError(f"--cal-sample must be one of {', '.join(SAMPLE_RULES)}; got {settings.sample!r}.")
    samples = family.samples(project, settings.split)
    rule = "meet the rule"
    if settings.sample == "min-objects":
        counts = _objects_per_image(project)
        samples = [s for s in samples if counts.get(getattr(s, "image_id", s.id), 0) >= settings.minimum]
        rule = f"hold at least {settings.minimum} object(s)"
    elif settings.sample == "min-keypoints":
        counts = _keypoint_people_per_image(project, settings.minimum)
        samples = [s for s in samples if counts.get(getattr(s, "image_id", s.id), 0) >= 1]
        rule = f"hold a person with at least {settings.minimum} labelled keypoint(s)"
    if len(samples) < settings.needed:
        which = "" if settings.sample == "random" else f" that {rule}"
        raise CalibrationError(
            f"INT8 calibration needs at least --cal-batch-size x --cal-batches = {settings.batch_size} x "
            f"{settings.batches} = {settings.needed} samples, but the {settings.split!r} split has {len(samples)}"
            f"{which}; lower the batch size or the number of batches, or calibrate on another split.")
    order = np.random.default_rng(settings.seed).permutation(len(samples))[:settings.needed]
    return [samples[i] for i in sorted(order)]


def folder_inputs(folder: str | Path, settings: CalibrationSettings) -> list[np.ndarray]:
    """RGB images of a folder (image families' `--cal-images DIR`), `batch_size x batches` of them."""
    from core.datasets.images import read_rgb
    from core.video.reader import list_images

    files = list_images(Path(folder))
    if len(files) < settings.needed:
        raise CalibrationError(f"INT8 calibration needs at least {settings.batch_size} x {settings.batches} = "
                               f"{settings.needed} images, but {folder} holds {len(files)}.")
    order = np.random.default_rng(settings.seed).permutation(len(files))[:settings.needed]
    return [read_rgb(str(files[i])) for i in sorted(order)]


class _Reader:
    """ONNX Runtime's CalibrationDataReader over the family's preprocessed inputs."""

    def __init__(self, family, spec, inputs: Sequence[np.ndarray], batch_size: int) -> None:
        graph = family.graph(spec)
        arrays = [family.preprocess(x, spec)[0] for x in inputs]
        if graph.batched:
            feeds = [{n: np.stack([a[n] for a in arrays[i:i + batch_size]]).astype(np.float32) for n in graph.inputs}
                     for i in range(0, len(arrays), batch_size)]
        else:
            feeds = [{n: a[n].astype(np.float32) for n in graph.inputs} for a in arrays]
        self._feeds = iter(feeds)
        self.count = len(feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)

    def rewind(self) -> None:  # pragma: no cover - ORT calls it for some calibration methods
        pass


def quantize_int8(fp32_onnx: Path, out_path: Path, family, spec, inputs: Sequence[np.ndarray], batch_size: int,
                  reduce_range: bool | None = None) -> dict[str, Any]:
    """Write the Q/DQ INT8 graph of `fp32_onnx` calibrated on `inputs`; returns what was done."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    reduce = (not vnni_available()) if reduce_range is None else reduce_range
    reader = _Reader(family, spec, inputs, batch_size)
    with atomic_path(out_path) as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quantize_static(str(fp32_onnx), str(tmp), reader, quant_format=QuantFormat.QDQ, per_channel=True,
                        reduce_range=reduce, activation_type=QuantType.QInt8, weight_type=QuantType.QInt8,
                        op_types_to_quantize=list(QUANTIZED_OPS), calibrate_method=CalibrationMethod.MinMax,
                        extra_options={"ActivationSymmetric": True, "WeightSymmetric": True})
    return {"method": "onnxruntime quantize_static (QDQ, MinMax)", "per_channel": True, "reduce_range": reduce,
            "symmetric": True, "calibration_samples": len(inputs), "calibration_batches": reader.count,
            "quantized_ops": list(QUANTIZED_OPS)}


def activation_scales(qdq_onnx: Path) -> dict[str, float]:
    """Activation tensor -> scale, read from the QuantizeLinear nodes of a Q/DQ graph (weights,
    which are initializers, are left out: TensorRT's cache holds activations)."""
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(qdq_onnx), load_external_data=False).graph
    init = {i.name: i for i in graph.initializer}
    consts = {n.output[0]: n for n in graph.node if n.op_type == "Constant"}
    scales: dict[str, float] = {}
    for node in graph.node:
        if node.op_type != "QuantizeLinear" or node.input[0] in init:
            continue
        name = node.input[1]
        if name in init:
            value = numpy_helper.to_array(init[name])
        elif name in consts:
            value = numpy_helper.to_array(consts[name].attribute[0].t)
        else:
            continue
        if np.size(value) == 1:
            scales[node.input[0]] = float(np.asarray(value).reshape(-1)[0])
    return scales


def write_calibration_cache(qdq_onnx: Path, path: Path, header: str = CACHE_HEADER) -> Path:
    """TensorRT's text calibration cache from a Q/DQ graph's activation scales."""
    scales = activation_scales(qdq_onnx)
    if not scales:
        raise CalibrationError(f"{Path(qdq_onnx).name} has no quantized activation to write a calibration cache of.")
    lines = [header] + [f"{name}: {struct.pack('>f', scale).hex()}" for name, scale in sorted(scales.items())]
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def read_calibration_cache(path: Path) -> dict[str, float]:
    lines = Path(path).read_text().splitlines()
    out = {}
    for line in lines[1:]:
        name, _, value = line.rpartition(": ")
        out[name] = struct.unpack(">f", bytes.fromhex(value))[0]
    return out


def convert_fp16(fp32_onnx: Path, out_path: Path) -> dict[str, Any]:
    """FP16 weights and arithmetic, FP32 inputs and outputs; the ops in FP32_OPS stay FP32."""
    import onnx
    from onnxconverter_common import float16

    model = onnx.load(str(fp32_onnx))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        converted = float16.convert_float_to_float16(model, keep_io_types=True,
                                                     op_block_list=list(float16.DEFAULT_OP_BLOCK_LIST) + list(FP32_OPS))
    with atomic_path(out_path) as tmp:
        onnx.save(converted, str(tmp))
    return {"method": "onnxconverter-common float16, FP32 inputs and outputs", "fp32_ops": list(FP32_OPS)}
