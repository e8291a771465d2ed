"""The contract a model family fulfils. Shared code (trainer, evaluation, export, runtimes,
video pipeline) talks to a family only through this class; adding a family is adding a package
`core/families/<name>/` whose `family` module holds `FAMILY`, an instance of a subclass.

What a family supplies:
- **samples** (`info.sample_kind`: image, crop or clip; see `core.project.samples`) and
  `load_input`, which turns one sample into what a runner takes: an RGB uint8 image (H, W, 3) for
  image and crop families, a clip of frames (T, H, W, 3) for clip families;
- **training**: `dataset` / `collate` / `build_model` / `training_losses` for the shared trainer,
  `weight_layout` for transfer learning (which parameters depend on the class set);
- **one inference path for every back end**: `preprocess(input) -> arrays` → the graph (PyTorch
  eager through `graph_module`, ONNX Runtime, TensorRT) returns the outputs named in `graph(spec)`
  → `postprocess(outputs, meta) -> Prediction`. The eager model is wrapped by `graph_module` so
  that it returns exactly the exported graph's outputs: post-processing exists once;
- `example_inputs(spec)`: the graph's input arrays for export, pruning, calibration, benchmarks;
- `window(spec)`: frames per sample and stride, which the video pipeline slides;
- `stages(spec)`: the artifacts this model runs after (a cascade);
- **typed predictions** (`core.predictions.Instances` / `Classification`), **metrics** computed
  by the field's reference library with what was compared written beside them, and **drawing**.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from core.families.info import FamilyInfo
from core.predictions import Prediction

if TYPE_CHECKING:  # torch is imported lazily by implementations
    import torch
    from torch import nn
    from torch.utils.data import Dataset

    from core.project import Project
    from core.project.catalog import Category
    from core.project.samples import Sample


@dataclass(frozen=True)
class GraphSpec:
    """The named inputs and outputs of a family's inference graph (eager and exported alike)."""

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    # ONNX dynamic axes per tensor name ({"image": {1: "height", 2: "width"}})
    dynamic_axes: Mapping[str, Mapping[int, str]] = field(default_factory=dict)
    # True: every input has a leading batch axis; samples whose arrays have equal shapes are stacked
    # into one call and the outputs are split along axis 0. False: one call per sample.
    batched: bool = False


@dataclass(frozen=True)
class Window:
    """How many frames one sample spans and how a video is walked: a prediction every `stride`
    frames over the last `frames` frames taken every `subsample`-th (images: 1, 1, 1)."""

    frames: int = 1
    stride: int = 1
    subsample: int = 1

    @property
    def span(self) -> int:
        """Frames of video the window covers."""
        return (self.frames - 1) * self.subsample + 1


@dataclass(frozen=True)
class WeightLayout:
    """Where transferred weights go: parameters under `heads` depend on the class set (they are
    re-initialized when it differs); a bare backbone state dict (a torchvision classifier's
    `conv1.weight`, `layer1.0...`) is loaded under `backbone`."""

    heads: tuple[str, ...] = ()
    backbone: str = ""
    backbone_skip: tuple[str, ...] = ("fc.",)     # a backbone file's own classifier is not ours


@dataclass(frozen=True)
class InputFormat:
    """How a graph's image input is made from 8-bit pixels: value = (pixel - offsets) * scale, channels in
    `color` order (what DeepStream's `net-scale-factor`, `offsets` and `model-color-format` say)."""

    scale: float = 1.0 / 255.0
    offsets: tuple[float, float, float] = (0.0, 0.0, 0.0)
    color: str = "RGB"


@dataclass(frozen=True)
class Stage:
    """An artifact this model runs after: e.g. a gesture classifier after a hand detector. Each of
    the stage's instances of `classes` (all when None) is cut out with its box expanded by `margin`
    (pixels when >= 1, else a fraction of the box's size), clipped to the frame, and classified."""

    artifact: Path
    margin: float = 0.0
    classes: tuple[int, ...] | None = None


class Family(ABC):
    info: FamilyInfo     # the family's INFO; it names the spec class and the CPU profile

    # --- spec ------------------------------------------------------------------------------
    @property
    def spec_class(self) -> type:
        from core.families import resolve

        return resolve(self.info.spec)

    def default_spec(self, profile: str = "gpu") -> Any:
        """A complete spec with defaults; profile "cpu" shrinks what dominates a CPU step (the same
        spec the GUI builds without torch: `core.families.spec_lookup.default_spec_for`)."""
        from core.families.spec_lookup import default_spec_for

        return default_spec_for(self.info.name, profile)

    @abstractmethod
    def describe(self, spec: Any) -> dict[str, str]:
        """A few facts for run tables: {"backbone": ..., "input": ...}."""

    def model_name(self, spec: Any) -> str:
        """The network this spec builds, in words (a training log's first line, the model card);
        `info.model` names every network the family can build."""
        return self.info.model

    def resized(self, spec: Any, height: int, width: int) -> Any | None:
        """The spec for inputs of `height` x `width` with the same weights (what `studio evaluate
        --sizes` compares), or None when this family's input size cannot change after training."""
        return None

    # --- samples ---------------------------------------------------------------------------
    def samples(self, project: "Project", split: str | None = None) -> list["Sample"]:
        from core.project.samples import samples

        return samples(project, self.info.sample_kind, split)

    @abstractmethod
    def load_input(self, project: "Project", sample: "Sample", spec: Any) -> np.ndarray:
        """What a runner takes for this sample: RGB uint8 (H, W, 3), or (T, H, W, 3) for clips."""

    def eval_inputs(self, project: "Project", sample: "Sample", spec: Any) -> list[np.ndarray]:
        """The runner inputs whose predictions make one sample's prediction in an evaluation:
        `load_input` alone by default; an action family's `conv` mode gives several windows of the
        clip. `combine` merges their predictions."""
        return [self.load_input(project, sample, spec)]

    def combine(self, predictions: list[Prediction], spec: Any) -> Prediction:
        """One sample's prediction from the predictions of its `eval_inputs` (default: the only one)."""
        return predictions[0]

    # --- training --------------------------------------------------------------------------
    @abstractmethod
    def dataset(self, project: "Project", spec: Any, split: str, train: bool = True) -> "Dataset":
        """A torch Dataset over one split's samples for the trainer."""

    @abstractmethod
    def collate(self, items: list) -> Any:
        """Batch items from `dataset`."""

    @abstractmethod
    def build_model(self, spec: Any, categories: Sequence["Category"]) -> "nn.Module":
        """A freshly initialized model (no weights are loaded here: the trainer transfers
        pretrained weights, loaders replay transforms and load checkpoints)."""

    @abstractmethod
    def training_losses(self, model: "nn.Module", batch: Any, device: "torch.device") -> dict[str, "torch.Tensor"]:
        """Forward one batch in train mode and return named loss terms (summed for backward)."""

    def weight_layout(self, spec: Any) -> WeightLayout:
        return WeightLayout()

    def adapt_pretrained(self, state: dict[str, "torch.Tensor"], own: Mapping[str, "torch.Tensor"], spec: Any,
                         header: dict[str, Any] | None) -> tuple[dict[str, "torch.Tensor"], list[str]]:
        """Rewrite a pretrained state dict before it is matched against this model's (`own`): e.g.
        a first convolution over RGB repeated over the frames of a clip. `header` is the Studio
        checkpoint's header (None for other files). Returns (the state dict, sentences for the log);
        raises CheckpointError for a file that contradicts the spec."""
        return state, []

    def param_groups(self, model: "nn.Module", weight_decay: float) -> list[dict]:
        """Optimizer parameter groups: no weight decay on norms and biases."""
        decay, no_decay = [], []
        for name, p in model.named_parameters():
            if not p.requires_grad:
                continue
            (no_decay if p.ndim <= 1 or name.endswith(".bias") else decay).append(p)
        return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]

    def pruning_scope(self, model: "nn.Module", spec: Any):
        """What structured pruning may touch (`core.optimize.prune.PruningScope`): by default the
        whole graph module on the example inputs, the class-dependent heads keeping their width.
        A family overrides it where tracing the whole model is too much (Mask R-CNN: its backbone)."""
        import torch

        from core.optimize.prune import PruningScope

        graph = self.graph(spec)
        example = self.example_inputs(spec)
        inputs = tuple(torch.from_numpy(np.ascontiguousarray(example[n])) for n in graph.inputs)
        heads = self.weight_layout(spec).heads
        keep = [m for n, m in model.named_modules() if n and any((n + ".").startswith(h) for h in heads)]

        def total(out):
            outs = out if isinstance(out, (tuple, list)) else (out,)
            return sum(o.float().sum() for o in outs)

        return PruningScope(self.graph_module(model, spec), inputs, keep_width=keep, output_transform=total)

    def callbacks(self, spec: Any) -> list:
        """Trainer callbacks this family adds (see `core.training.callbacks`)."""
        return []

    # --- one inference path -------------------------------------------------------------------
    @abstractmethod
    def graph(self, spec: Any) -> GraphSpec:
        ...

    @abstractmethod
    def graph_module(self, model: "nn.Module", spec: Any) -> "nn.Module":
        """The eager model wrapped to take the graph's inputs (as tensors, in `graph(spec).inputs`
        order) and return its outputs (a tuple in `graph(spec).outputs` order). It is also what
        is exported, so eager and exported graphs compute the same thing."""

    @abstractmethod
    def example_inputs(self, spec: Any) -> dict[str, np.ndarray]:
        """Graph inputs of the training size (with the batch axis when the graph is batched)."""

    @abstractmethod
    def preprocess(self, sample_input: np.ndarray, spec: Any) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        """(graph input arrays of one sample — without a batch axis —, what postprocess needs)."""

    @abstractmethod
    def postprocess(self, outputs: dict[str, np.ndarray], meta: dict[str, Any], spec: Any,
                    categories: Sequence["Category"]) -> Prediction:
        """One sample's graph outputs (by name, without a batch axis) as a typed prediction in the
        input's pixels with project category ids."""

    def window(self, spec: Any) -> Window:
        return Window()

    def input_format(self, spec: Any) -> InputFormat:
        """How pixels become the graph's input (default: RGB scaled to [0, 1], what most Studio graphs
        take — they normalize inside)."""
        return InputFormat()

    def deepstream(self, spec: Any) -> dict[str, Any]:
        """The family's own DeepStream nvinfer keys (`network-type` and what it implies: 0 detector,
        1 classifier, 3 instance segmentation with `output-instance-mask` and `cluster-mode`, 100 with
        `output-tensor-meta` for other tensors). The shared writer (`core.deploy.deepstream`) adds the
        rest from the graph, the input format and the classes."""
        return {"network-type": 100, "output-tensor-meta": 1}

    def stages(self, spec: Any) -> list[Stage]:
        return []

    # --- metrics ---------------------------------------------------------------------------
    @abstractmethod
    def evaluate(self, project: "Project", split: str, predictions: dict[int, Prediction], spec: Any,
                 out_dir: Path) -> dict[str, float]:
        """Metrics of predictions (keyed by sample id) against the split's ground truth. Writes
        what it compared to `out_dir` so the numbers can be recomputed independently."""

    # --- drawing ---------------------------------------------------------------------------
    def draw(self, frame_bgr: np.ndarray, prediction: Prediction | None, class_names: dict[int, str],
             score_threshold: float = 0.5, classes: set[int] | None = None) -> np.ndarray:
        """Draw a prediction over a BGR frame (in place) and return the frame."""
        from core.video.overlay import draw_prediction

        return draw_prediction(frame_bgr, prediction, class_names, score_threshold, classes)

    # --- deployment ------------------------------------------------------------------------
    def export_onnx(self, model: "nn.Module", spec: Any, path: Path) -> dict[str, Any]:
        """Write the graph as ONNX (atomically, checked); return its input/output description."""
        from core.models.onnx_export import export_graph

        opset = getattr(getattr(spec, "export", None), "opset", 17)
        return export_graph(self.graph_module(model, spec), self.graph(spec), self.example_inputs(spec), path,
                            opset=opset, what=self.model_name(spec))

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def label_map(categories: Sequence["Category"] | Sequence[dict], start: int = 1
                  ) -> tuple[dict[int, int], dict[int, int]]:
        """(category id -> contiguous training index, index -> category id), by sorted id;
        detectors start at 1 (0 is the background), classifiers at 0."""
        ids = sorted(c["id"] if isinstance(c, dict) else c.id for c in categories)
        to_index = {cid: i + start for i, cid in enumerate(ids)}
        return to_index, {i: cid for cid, i in to_index.items()}
