"""Export a run's model for deployment, the one path `studio export`, the Optimize page and the
demo take:

1. the checkpoint (best, last or a file) becomes an FP32 ONNX graph — or a Q/DQ INT8 one when the
   run trained with fake quantization (QAT);
2. `precision` int8 quantizes it post-training (calibrated on `cal_batch_size x cal_batches`
   samples of a split, or images of a folder) and writes TensorRT's calibration cache beside it;
   fp16 converts it; `format` engine builds a TensorRT engine from the result (GPU machines only);
3. each artifact gets its sidecar, is registered on the run, and is evaluated on the validation
   split (the accuracy guardrail: its metric delta against the trained model; an INT8 loss of more
   than one point of the headline metric is flagged with the advice to run QAT);
4. the deployment folder `<artifact>.deploy/`: DeepStream nvinfer config (and nvdspreprocess for
   clip models), labels.txt, a deepstream-app config, a Triton model repository; and a model card
   (`.card.md` / `.card.json`) beside the artifact, with the throughput measured here.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import ExportError
from core.fsutil import sha256_file
from core.jobs.reporter import NullReporter, Reporter

INT8_FLAG_POINTS = 0.01          # more than one point (of a 0..1 metric) lost: advise QAT


@dataclass
class ExportRequest:
    run: str
    checkpoint: str = "last"
    precision: str = "fp32"              # fp32 | fp16 | int8
    format: str = "onnx"                 # onnx | engine
    out: Path | None = None
    opset: int | None = None
    cal_split: str | None = None
    cal_images: Path | None = None
    cal_batch_size: int | None = None
    cal_batches: int | None = None
    cal_sample: str = "random"
    cal_minimum: int = 1
    evaluate: bool = True
    deploy: bool = True
    latency_runs: int = 10
    sources: int = 1                     # DeepStream: streams batched and tiled (clip models: one clip each)
    rois: tuple = ()                     # DeepStream clip models: (x, y, w, h) per source; missing = whole frame


@dataclass
class ExportResult:
    artifact: Path
    precision: str
    artifacts: list[Path] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    delta: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    deploy_dir: Path | None = None
    card: Path | None = None
    calibration_cache: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"artifact": str(self.artifact), "precision": self.precision,
                "artifacts": [str(a) for a in self.artifacts], "metrics": self.metrics, "delta": self.delta,
                "warnings": self.warnings, "deploy_dir": str(self.deploy_dir) if self.deploy_dir else None,
                "card": str(self.card) if self.card else None,
                "calibration_cache": str(self.calibration_cache) if self.calibration_cache else None}


def _derived_sidecar(source_onnx: Path, out: Path, precision: str, details: dict[str, Any]) -> None:
    """The sidecar of a graph derived from an exported one: its description, another precision."""
    from core.models.onnx_export import describe_onnx
    from core.runtime.sidecar import read_sidecar, write_sidecar

    meta = {k: v for k, v in read_sidecar(source_onnx).items() if k not in ("file", "size", "sha256", "created")}
    meta.update(describe_onnx(out))
    meta.update(precision=precision, derived_from=source_onnx.name, derived_from_sha256=sha256_file(source_onnx),
                quantization=details)
    write_sidecar(out, meta)


def _calibration_inputs(project, family, spec, request: ExportRequest):
    from core.optimize.ptq import CalibrationSettings, choose_samples, folder_inputs

    export = getattr(spec, "export", None)
    settings = CalibrationSettings(
        batch_size=request.cal_batch_size or getattr(export, "cal_batch_size", 8),
        batches=request.cal_batches or getattr(export, "cal_batches", 4),
        split=request.cal_split or getattr(export, "cal_split", "train"),
        sample=request.cal_sample, minimum=request.cal_minimum)
    if request.cal_images is not None:
        if family.info.sample_kind == "clip":
            raise ExportError("--cal-images takes a folder of images; clip models calibrate on a split of clips "
                              "(--cal-split).")
        return folder_inputs(request.cal_images, settings), settings
    samples = choose_samples(family, project, settings)
    return [family.load_input(project, s, spec) for s in samples], settings


def _latency(path: Path, project, family, spec, runs: int) -> dict[str, Any]:
    from core.deploy.model_card import cpu_name
    from core.runtime import load_runner, measure_ms, percentile

    samples = family.samples(project, spec.data.val_split) or family.samples(project)
    if not samples or runs <= 0:
        return {}
    x = family.load_input(project, samples[0], spec)
    with load_runner(path, stages=False) as runner:
        times = measure_ms(runner, [x], runs)
        backend = runner.backend
    return {"backend": backend, "machine": f"{cpu_name()} ({__import__('os').cpu_count()} cores)", "runs": runs,
            "latency_ms_p50": round(percentile(times, 50), 3), "latency_ms_p90": round(percentile(times, 90), 3),
            "samples_per_s": round(1000.0 / max(percentile(times, 50), 1e-9), 2)}


def export_run(project, request: ExportRequest, reporter: Reporter | None = None) -> ExportResult:
    from core.evaluation.artifact import choose_checkpoint, evaluate_artifact
    from core.models.checkpoint_files import BEST_FILE
    from core.optimize import ptq
    from core.project import runs
    from core.runtime.convert import checkpoint_to_onnx

    reporter = reporter or NullReporter()
    if request.precision not in ("fp32", "fp16", "int8"):
        raise ExportError(f"--precision must be fp32, fp16 or int8; got {request.precision!r}.")
    if request.format not in ("onnx", "engine"):
        raise ExportError(f"--format must be onnx or engine; got {request.format!r}.")
    if request.format == "engine":
        from core.runtime.tensorrt_backend import tensorrt_available

        ok, reason = tensorrt_available()
        if not ok:
            raise ExportError(f"A TensorRT engine cannot be built here: {reason}")
    run = runs.get_run(project, request.run)
    source = choose_checkpoint(project, request.run, request.checkpoint)
    stem = "best" if source.name == BEST_FILE else "model"
    fp32_path = Path(request.out) if request.out and request.precision == "fp32" else \
        project.run_dir(request.run) / "exports" / f"{stem}.onnx"
    steps = 3 + (request.precision != "fp32") + (request.format == "engine")
    reporter.log(f"Exporting {source.name} of {request.run} to ONNX...")
    reporter.progress(0, steps, phase="export", force=True)
    onnx_artifact = checkpoint_to_onnx(source, fp32_path, opset=request.opset)
    family, spec = onnx_artifact_family(onnx_artifact)
    base_precision = onnx_artifact.meta.get("precision", "fp32")
    runs.add_artifact(project, run.id, "onnx", fp32_path, fmt="onnx", precision=base_precision,
                      meta={"opset": onnx_artifact.meta.get("opset"), "source": str(source)})
    reporter.artifact("onnx", str(fp32_path), precision=base_precision)
    result = ExportResult(fp32_path, base_precision, [fp32_path])

    target, precision = fp32_path, base_precision
    if request.precision == "int8" and base_precision != "int8":
        reporter.progress(1, steps, phase="export", force=True)
        inputs, settings = _calibration_inputs(project, family, spec, request)
        target = Path(request.out) if request.out else fp32_path.with_name(f"{stem}.int8.onnx")
        reporter.log(f"Quantizing to INT8 (Q/DQ), calibrated on {len(inputs)} samples "
                     f"({settings.batch_size} x {settings.batches})...")
        details = ptq.quantize_int8(fp32_path, target, family, spec, inputs, settings.batch_size)
        _derived_sidecar(fp32_path, target, "int8", details)
        cache = target.with_suffix(".calib")
        ptq.write_calibration_cache(target, cache)
        result.calibration_cache = cache
        precision = "int8"
        runs.add_artifact(project, run.id, "onnx", target, fmt="onnx", precision="int8",
                          meta={"source": str(source), "quantization": details, "calibration_cache": str(cache)})
        reporter.artifact("onnx", str(target), precision="int8")
        result.artifacts.append(target)
    elif request.precision == "int8":
        reporter.log("The run trained with fake quantization: its export is already a Q/DQ INT8 graph.")
    elif request.precision == "fp16":
        reporter.progress(1, steps, phase="export", force=True)
        target = Path(request.out) if request.out else fp32_path.with_name(f"{stem}.fp16.onnx")
        reporter.log("Converting to FP16 (FP32 inputs and outputs)...")
        _derived_sidecar(fp32_path, target, "fp16", ptq.convert_fp16(fp32_path, target))
        precision = "fp16"
        runs.add_artifact(project, run.id, "onnx", target, fmt="onnx", precision="fp16", meta={"source": str(source)})
        reporter.artifact("onnx", str(target), precision="fp16")
        result.artifacts.append(target)
    if request.format == "engine":
        from core.deploy.tensorrt_build import build_engine

        engine = target.with_suffix(".engine")
        reporter.log(f"Building a TensorRT engine from {target.name}...")
        build_engine(target, engine, precision, spec)
        runs.add_artifact(project, run.id, "engine", engine, fmt="engine", precision=precision,
                          meta={"source": str(target)})
        result.artifacts.append(engine)
        target = engine
    result.artifact, result.precision = target, precision

    if request.evaluate:
        reporter.progress(steps - 2, steps, phase="export", force=True)
        reporter.log(f"Evaluating {target.name} on the validation split (accuracy guardrail)...")
        summary = evaluate_artifact(project, request.run, target, spec.data.val_split, "auto", reporter)
        reporter.metrics(summary["metrics"], phase="evaluate", artifact=str(target))
        result.metrics, result.delta = summary["metrics"], summary["delta"]
        warning = int8_warning(precision, result.delta, family.info.headline_metric,
                               f"studio qat {project.root} --run {request.run}")
        if warning:
            result.warnings.append(warning)
            reporter.log(warning, level="warning")
    if request.deploy:
        reporter.progress(steps - 1, steps, phase="export", force=True)
        result.deploy_dir, result.card = write_deployment(project, run, family, spec, target, precision, source,
                                                          result, request.latency_runs, request)
        reporter.artifact("deploy", str(result.deploy_dir))
        reporter.log(f"Deployment files in {result.deploy_dir}; model card {result.card.name}.")
    reporter.progress(steps, steps, phase="export", force=True)
    return result


def int8_warning(precision: str, delta: dict[str, float], headline: str, qat_command: str) -> str | None:
    """The guardrail's advice when an INT8 artifact lost more than one point of the headline metric."""
    loss = -float(delta.get(headline, 0.0))
    if precision != "int8" or loss <= INT8_FLAG_POINTS:
        return None
    return (f"The INT8 export loses {100 * loss:.1f} points of {headline} against the trained model (more than 1): run "
            f"quantization-aware training (`{qat_command}`) and export that run instead.")


def onnx_artifact_family(artifact):
    from core.runtime.base import family_for

    family = family_for(artifact.task)
    return family, artifact.spec(family)


def write_deployment(project, run, family, spec, artifact: Path, precision: str, source: Path, result: ExportResult,
                     latency_runs: int, request: ExportRequest | None = None) -> tuple[Path, Path]:
    """DeepStream, Triton and labels under `<artifact>.deploy/`, and the model card beside the artifact."""
    import numpy as np

    from core.deploy import deepstream as ds
    from core.deploy import triton
    from core.deploy.model_card import write_model_card
    from core.project.artifact_files import deploy_folder
    from core.runtime import read_artifact

    art = read_artifact(artifact)
    meta = art.meta
    name = f"{run.name}-{artifact.stem.replace('.', '-')}".replace("_", "-")
    folder = deploy_folder(artifact)
    folder.mkdir(parents=True, exist_ok=True)
    sources = max(1, request.sources) if request else 1
    graph = family.graph(spec)
    example = family.example_inputs(spec)
    shape = list(np.shape(example[graph.inputs[0]]))
    export_spec = getattr(spec, "export", None)
    max_batch = getattr(export_spec, "max_batch_size", 8)
    ds.write_labels(folder / "labels.txt", art.categories)
    kind = "engine" if artifact.suffix in (".engine", ".plan") else "onnx"
    model_copy = folder / artifact.name
    import shutil

    shutil.copyfile(artifact, model_copy)
    calib = None
    if result.calibration_cache is not None:
        calib = folder / result.calibration_cache.name
        shutil.copyfile(result.calibration_cache, calib)
    keys = ds.nvinfer_config(name=name, model_file=model_copy, family_keys=family.deepstream(spec),
                             input_format=family.input_format(spec), example_shape=shape, batched=graph.batched,
                             precision=precision, categories=art.categories, batch_size=sources, calibration_file=calib,
                             engine_file=model_copy if kind == "engine" else None)
    if kind == "engine":
        keys.pop("onnx-file", None)
    stage = family.stages(spec)
    if stage:
        keys.update({"process-mode": 2, "operate-on-gie-id": 1, "gie-unique-id": 2,
                     "operate-on-class-ids": ";".join(str(c) for c in (stage[0].classes or (0,)))})
    infer = ds.write_nvinfer(folder / f"config_infer_{name}.txt", keys, f"{family.info.title} ({artifact.name})")
    preprocess = None
    window = family.window(spec)
    if window.frames > 1:
        groups = ds.preprocess_config(name=name, example_shape=shape, three_d=len(shape) == 5, stride=window.stride,
                                      subsample=max(0, window.subsample - 1), input_format=family.input_format(spec),
                                      sources=sources, rois=list(request.rois) if request else None)
        preprocess = ds.write_preprocess(folder / f"config_preprocess_{name}.txt", groups, family.info.title)
    ds.write_app(folder / f"deepstream_app_{name}.txt", infer, name, preprocess=preprocess,
                 secondary=infer if stage else None, sources=sources)
    triton.write_repository(folder / "triton", name, artifact, kind, meta, max_batch)

    from core.datasets.stats import dataset_stats

    stats = dataset_stats(project)
    per_class = stats["clip_classes"] if family.info.sample_kind == "clip" else {
        n: {s: stats["per_class"][s].get(n, 0) for s in ("train", "val", "test")} for n in stats["per_class"]["all"]}
    train = spec.train
    train_samples = len(family.samples(project, spec.data.train_split))
    card = {
        "summary": f"{family.info.title} model of run {run.name}, exported by Studio.",
        "family": {"name": family.info.name, "title": family.info.title, "model": family.model_name(spec),
                   "facts": family.describe(spec)},
        "artifact": {"file": artifact.name, "kind": kind, "precision": precision, "size_bytes": artifact.stat().st_size},
        "training": {"run": run.name, "parent_run": run.parent_run, "steps": train.total_steps,
                     "epochs": round(train.total_steps * train.batch_size / max(1, train_samples), 2),
                     "batch_size": train.batch_size, "init_learning_rate": train.init_learning_rate,
                     "spec": art.spec_yaml},
        "transforms": list(meta.get("transforms") or []),
        "data": {"per_class": per_class, "splits": stats["clip_splits"] if family.info.sample_kind == "clip"
                 else stats["splits"]},
        "split": spec.data.val_split, "metrics": result.metrics, "delta": result.delta, "warnings": result.warnings,
        "quantization": meta.get("quantization"),
        "throughput": _latency(artifact, project, family, spec, latency_runs),
        "deployment": sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()),
        "hashes": {artifact.name: sha256_file(artifact), source.name: sha256_file(source)},
    }
    md, _ = write_model_card(artifact, card)
    (folder / "README.md").write_text(f"Deployment files for {artifact.name}; see ../{md.name}.\n")
    return folder, md
