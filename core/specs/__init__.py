"""Experiment specs: typed dataclass trees that read and write YAML and validate clearly.

`param(...)` declares a field with its help text, unit, bounds and choices; `load_spec`,
`spec_from_dict`, `spec_to_yaml` convert; the GUI's spec form is generated from the same
metadata (`fields_of`), so the GUI and the CLI can never disagree.
"""
from core.specs.base import (
    FieldInfo,
    derived_defaults,
    fields_of,
    follow_edits,
    param,
    spec_from_dict,
    spec_to_dict,
    spec_to_yaml,
    spec_from_yaml,
    load_spec_file,
    save_spec_file,
    spec_file_task,
    validate_spec,
)

__all__ = [
    "FieldInfo",
    "derived_defaults",
    "fields_of",
    "follow_edits",
    "param",
    "spec_from_dict",
    "spec_to_dict",
    "spec_to_yaml",
    "spec_from_yaml",
    "load_spec_file",
    "save_spec_file",
    "spec_file_task",
    "validate_spec",
]
