"""Inference over videos, image folders and cameras: `run_inference` (a batch job writing an
annotated video or image folder, with per-stage timings) and `iter_annotated` (the same stream
frame by frame, for the GUI preview)."""
from core.inference.pipeline import AnnotatedFrame, iter_annotated, run_inference

__all__ = ["AnnotatedFrame", "iter_annotated", "run_inference"]
