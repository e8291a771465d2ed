"""Datasets and formats: importers, exporters and generated (synthetic) data."""
