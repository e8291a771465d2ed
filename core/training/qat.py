"""Quantization-aware training, set up by the shared trainer (as Ultralytics does) when the spec
says `train.enable_qat`: at the start of a run the model gets INT8 fake quantizers
(`core.models.quantize`), calibrated on a few training samples fed through the family's one
inference path, and the transform is recorded so that every checkpoint — and every loader —
carries it. A resumed run finds the transform already replayed and starts no second calibration."""
from __future__ import annotations

import numpy as np
import torch

from core.models.quantize import is_quantized, quantize, quantizer_count
from core.training.callbacks import Callback


class QuantizationAwareTraining(Callback):
    def on_train_start(self, trainer) -> None:
        if is_quantized(trainer.transforms):
            return
        family, spec, project = trainer.family, trainer.spec, trainer.project
        samples = family.samples(project, spec.data.train_split)[:trainer.tspec.qat_calibration_samples]
        graph = family.graph(spec)
        module = family.graph_module(trainer.model, spec)

        def forward_loop(model) -> None:
            with torch.no_grad():
                for sample in samples:
                    arrays, _ = family.preprocess(family.load_input(project, sample, spec), spec)
                    tensors = [torch.from_numpy(np.ascontiguousarray(arrays[n])) for n in graph.inputs]
                    if graph.batched:
                        tensors = [t.unsqueeze(0) for t in tensors]
                    module(*[t.to(trainer.device) for t in tensors])

        trainer.transforms.append(quantize(trainer.model, forward_loop))
        trainer.reporter.log(f"Quantization-aware training: {quantizer_count(trainer.model)} INT8 quantizers "
                             f"inserted and calibrated on {len(samples)} training samples.")
