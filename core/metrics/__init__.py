"""Metrics of predictions against ground truth, computed by the field's reference library
(pycocotools) or directly; families call these, evaluation stores what they return."""
