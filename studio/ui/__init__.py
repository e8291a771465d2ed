"""Reusable widgets (no page logic): jobs panel, loss plot, spec form, image and video views."""
