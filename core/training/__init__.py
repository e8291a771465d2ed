"""Training: one trainer for every family (the family supplies data, model and losses)."""
