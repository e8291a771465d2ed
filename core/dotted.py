"""Resolve a "module:attribute" reference (what registries store so that listing an entry imports
nothing heavy; the module is imported when the entry is used)."""
from __future__ import annotations

import importlib
from typing import Any


def load(ref: str) -> Any:
    """The object `ref` ("package.module:name") names."""
    module, sep, name = ref.partition(":")
    if not sep or not module or not name:
        raise ValueError(f"{ref!r} is not a 'module:attribute' reference")
    return getattr(importlib.import_module(module), name)
