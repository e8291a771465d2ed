"""Evaluation: predictions over a split, scored by the family's metrics."""
