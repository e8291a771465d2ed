"""Action recognition as a `Family`: a 2D ResNet over stacked frames or a 3D ResNet, over clip
samples (a video or frame folder and a frame range), wired to the shared trainer, evaluation
(center or conv windows), export (N, 3, T, H, W) / (N, 3*T, H, W) with a dynamic batch, the
runtimes and the video pipeline's sliding window."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from core.errors import CheckpointError
from core.families.action_recognition import INFO
from core.families.action_recognition import data as clip_data
from core.families.action_recognition import frames as fr
from core.families.action_recognition.schedule import EpochSchedule
from core.families.base import Family, GraphSpec, WeightLayout, Window
from core.fsutil import atomic_write_text
from core.metrics.classification import classification_metrics, confusion_picture
from core.predictions import Classification
from core.project import catalog
from core.video.clip_frames import read_frames

INPUT_NAME, OUTPUT_NAME = "input_rgb", "scores"


class ActionRecognition(Family):
    info = INFO

    def model_name(self, spec) -> str:
        m = spec.model
        over = f"the {m.rgb_seq_length - 1} differences of {m.rgb_seq_length} frames" if m.model_type == "rgb_diff" \
            else f"{m.rgb_seq_length} frames"
        if m.input_type == "3d":
            return f"3D video ResNet over {over}"
        return f"2D ResNet over {over}, stacked" if m.model_type == "rgb_diff" else \
            f"2D ResNet over {m.rgb_seq_length} stacked frames"

    def describe(self, spec) -> dict[str, str]:
        m, d = spec.model, spec.data
        return {"backbone": f"{m.backbone} ({m.input_type})",
                "input": f"{m.rgb_seq_length}x{d.input_height}x{d.input_width}",
                "pretrained": Path(m.pretrained).name if m.pretrained else "none"}

    # --- samples -----------------------------------------------------------------------------
    @staticmethod
    def _window(project, sample, spec, start: int) -> np.ndarray:
        indices = fr.consecutive_indices(sample.num_frames, spec.model.rgb_seq_length, spec.data.sample_rate, start)
        return read_frames(project.resolve(sample.path), [sample.start_frame + i for i in indices])

    def load_input(self, project, sample, spec) -> np.ndarray:
        """The clip's center window: (T, H, W, 3) RGB."""
        start = fr.center_start(sample.num_frames, fr.span(spec.model.rgb_seq_length, spec.data.sample_rate))
        return self._window(project, sample, spec, start)

    def eval_inputs(self, project, sample, spec) -> list[np.ndarray]:
        """center: the middle window; conv: `video_num_clips` windows evenly spaced over the clip."""
        if spec.evaluate.video_eval_mode != "conv":
            return [self.load_input(project, sample, spec)]
        width = fr.span(spec.model.rgb_seq_length, spec.data.sample_rate)
        return [self._window(project, sample, spec, s)
                for s in fr.conv_starts(sample.num_frames, width, spec.evaluate.video_num_clips)]

    def combine(self, predictions: list, spec) -> Classification:
        if len(predictions) == 1:
            return predictions[0]
        scores = np.mean([p.scores for p in predictions], axis=0)
        return Classification.from_scores(scores, predictions[0].category_ids)

    # --- training ----------------------------------------------------------------------------
    def class_order(self, spec, categories: Sequence) -> list[int]:
        return clip_data.class_order(spec, categories)

    def dataset(self, project, spec, split: str, train: bool = True):
        order = self.class_order(spec, catalog.categories(project))
        return clip_data.ClipDataset(project, self.samples(project, split), {cid: i for i, cid in enumerate(order)},
                                     spec, train)

    def collate(self, items: list):
        return clip_data.collate(items)

    def build_model(self, spec, categories: Sequence) -> torch.nn.Module:
        from core.families.action_recognition.model import build_model

        return build_model(spec.model, len(self.class_order(spec, categories)))

    def training_losses(self, model, batch, device) -> dict[str, torch.Tensor]:
        inputs, labels = batch
        logits = model(inputs.to(device, non_blocking=True))
        return {"loss_ce": torch.nn.functional.cross_entropy(logits, labels.to(device, non_blocking=True))}

    def weight_layout(self, spec) -> WeightLayout:
        return WeightLayout(heads=("net.fc.",), backbone="net.")

    def adapt_pretrained(self, state, own, spec, header):
        """2D: ImageNet-style RGB weights of the first convolution repeated over the T frames
        (scaled by 1/T). Any family file: the classifier's class count checked against
        `model.rgb_pretrained_num_classes` when that is set."""
        from core.families.action_recognition.model import inflate_conv1, network_frames

        notes = []
        expected = spec.model.rgb_pretrained_num_classes
        head = next((k for k in ("net.fc.weight", "net.fc.1.weight") if k in state), None)
        if expected and head is not None and state[head].shape[0] != expected:
            raise CheckpointError(f"model.rgb_pretrained_num_classes is {expected} but the pretrained model's "
                                  f"classifier has {state[head].shape[0]} classes; set it to "
                                  f"{state[head].shape[0]} (or 0 not to check).")
        key = "net.conv1.weight"
        if spec.model.input_type == "2d" and key in state and key in own:
            w, target = state[key], own[key]
            frames = network_frames(spec.model)
            if w.ndim == 4 and w.shape[1] == 3 and target.shape[1] == 3 * frames and w.shape[0] == target.shape[0] \
                    and w.shape[2:] == target.shape[2:]:
                state = {**state, key: inflate_conv1(w, frames)}
                notes.append(f"The first convolution (conv1, over RGB) was repeated over the {frames} frames and "
                             f"scaled by 1/{frames}.")
        if head is not None:
            have = state[head].shape[0]
            notes.append(f"The pretrained classifier has {have} classes; this model's {own[head].shape[0]} are "
                         f"learned from a fresh classifier." if head in own and own[head].shape[0] != have else
                         f"The pretrained classifier has {have} classes.")
        return state, notes

    def callbacks(self, spec) -> list:
        return [EpochSchedule()]

    # --- one inference path ------------------------------------------------------------------
    def graph(self, spec) -> GraphSpec:
        axis = {0: "batch"}
        return GraphSpec(inputs=(INPUT_NAME,), outputs=(OUTPUT_NAME,), batched=True,
                         dynamic_axes={INPUT_NAME: axis, OUTPUT_NAME: axis})

    def graph_module(self, model, spec) -> torch.nn.Module:
        from core.families.action_recognition.model import ActionGraph

        return ActionGraph(model)

    def input_shape(self, spec) -> tuple[int, ...]:
        """One clip's graph input: (3, T, H, W) for 3D, (3*T, H, W) for 2D."""
        t, h, w = spec.model.rgb_seq_length, spec.data.input_height, spec.data.input_width
        return (3, t, h, w) if spec.model.input_type == "3d" else (3 * t, h, w)

    def example_inputs(self, spec) -> dict[str, np.ndarray]:
        return {INPUT_NAME: np.random.default_rng(0).random((2, *self.input_shape(spec)), dtype=np.float32)}

    def preprocess(self, sample_input, spec) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
        return {INPUT_NAME: fr.to_input(sample_input, spec)}, {}

    def postprocess(self, outputs, meta, spec, categories) -> Classification:
        return Classification.from_scores(outputs[OUTPUT_NAME], self.class_order(spec, categories))

    def window(self, spec) -> Window:
        inf = spec.inference
        return Window(frames=spec.model.rgb_seq_length, stride=inf.stride, subsample=inf.subsample or
                      spec.data.sample_rate)

    # --- metrics -----------------------------------------------------------------------------
    def evaluate(self, project, split: str, predictions, spec, out_dir: Path) -> dict[str, float]:
        categories = catalog.categories(project)
        names = {c.id: c.name for c in categories}
        order = self.class_order(spec, categories)
        truth = {s.id: s.category_id for s in self.samples(project, split) if s.category_id in order}
        ids = [i for i in predictions if i in truth]
        m = classification_metrics([truth[i] for i in ids], [predictions[i].label for i in ids], order,
                                   [predictions[i].score_of(truth[i]) for i in ids])
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(out_dir / "predictions.json", json.dumps(
            [{"sample": i, "truth": truth[i], "label": predictions[i].label, "score": predictions[i].score,
              "truth_score": predictions[i].score_of(truth[i])} for i in ids], indent=1))
        atomic_write_text(out_dir / "confusion.json", json.dumps(
            {"classes": [names.get(c, str(c)) for c in order], "category_ids": order,
             "matrix": m.confusion.tolist(), "mode": spec.evaluate.video_eval_mode,
             "windows_per_clip": spec.evaluate.video_num_clips if spec.evaluate.video_eval_mode == "conv" else 1},
            indent=1))
        confusion_picture(m, names, out_dir / "confusion.png")
        out = {"accuracy": m.accuracy, "average_class_accuracy": m.average_class_accuracy,
               "val_loss": float(m.loss or 0.0)}
        out.update({f"accuracy/{names.get(c, c)}": v for c, v in m.per_class.items()})
        return out

    # --- drawing -----------------------------------------------------------------------------
    def draw(self, frame_bgr, prediction, class_names, score_threshold: float = 0.5, classes=None):
        import cv2

        from core.video.draw import FONT, draw_label
        from core.video.overlay import draw_classification

        if prediction is None:       # the window is still filling: say so rather than show nothing
            scale = max(0.45, min(1.2, frame_bgr.shape[1] / 900))
            (_, th), base = cv2.getTextSize("Ag", FONT, scale, 1)
            draw_label(frame_bgr, "filling the window...", 4, 2 * (th + base + 8) + 4, (90, 90, 90), scale=scale)
            return frame_bgr
        return draw_classification(frame_bgr, prediction, class_names, 0.0, classes, top=2)


FAMILY = ActionRecognition()
