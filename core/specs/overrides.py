"""`KEY=VALUE` overrides of a spec (`studio evaluate --set evaluate.video_eval_mode=conv`): each
dotted key must name a setting of the spec, each value is read as YAML (`10`, `conv`, `[1, 2]`),
and the result is validated like any spec, so a typo is one clear sentence, never ignored."""
from __future__ import annotations

from typing import Any, Sequence

import yaml

from core.errors import SpecError
from core.specs.base import spec_from_dict, spec_to_dict


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise SpecError(f"A setting to override is KEY=VALUE (e.g. evaluate.video_eval_mode=conv), got {item!r}.")
        try:
            out[key] = yaml.safe_load(text) if text.strip() else ""
        except yaml.YAMLError:
            out[key] = text
    return out


def apply_overrides(spec: Any, overrides: dict[str, Any]) -> Any:
    """A new spec with the dotted keys of `overrides` set (validated; SpecError names a bad key)."""
    if not overrides:
        return spec
    data = spec_to_dict(spec)
    for key, value in overrides.items():
        node, parts = data, key.split(".")
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise SpecError(f"{key} is not a setting of a {getattr(spec, 'task', 'model')} spec.")
            node = node[part]
        if parts[-1] not in node or isinstance(node[parts[-1]], dict):
            raise SpecError(f"{key} is not a setting of a {getattr(spec, 'task', 'model')} spec.")
        node[parts[-1]] = value
    return spec_from_dict(type(spec), data, stored=True)
