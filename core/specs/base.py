"""Dataclass spec machinery: declaration (`param`), conversion and validation.

A spec is a dataclass whose fields are scalars, lists of scalars or nested spec dataclasses.
Validation gathers every problem and raises one `SpecError` listing them, each as a sentence
naming the dotted key ("train.batch_size must be >= 1, got 0"). A dataclass may define
`check(self) -> list[str]` for rules that span fields, and `derived_defaults(cls, given, base)`
for fields whose defaults follow other given fields (see `derived_defaults`).
"""
from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import yaml

from core.errors import SpecError
from core.fsutil import atomic_write_text

_SCALARS = (bool, int, float, str)


def param(
    default: Any,
    help: str,
    *,
    unit: str | None = None,
    min: float | None = None,
    max: float | None = None,
    choices: tuple | None = None,
    label: str | None = None,
    advanced: bool = False,
) -> Any:
    """Declare a spec field with the metadata the validator and the GUI form use."""
    meta = {
        "help": help,
        "unit": unit,
        "min": min,
        "max": max,
        "choices": tuple(choices) if choices is not None else None,
        "label": label,
        "advanced": advanced,
    }
    if isinstance(default, (list, dict)):
        value = default
        return dataclasses.field(default_factory=lambda: list(value) if isinstance(value, list) else dict(value),
                                 metadata=meta)
    if dataclasses.is_dataclass(default) and isinstance(default, type):
        return dataclasses.field(default_factory=default, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class FieldInfo:
    """What a form (or a validator) needs to know about one spec field."""

    path: str          # dotted key, e.g. "train.batch_size"
    name: str
    type: Any          # int, float, bool, str, list[int], list[float], list[str], or a dataclass
    default: Any
    help: str
    unit: str | None
    min: float | None
    max: float | None
    choices: tuple | None
    label: str
    advanced: bool
    optional: bool     # None is allowed

    @property
    def is_section(self) -> bool:
        return dataclasses.is_dataclass(self.type)


def _resolve_hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _unwrap_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0], True
    return tp, False


def fields_of(spec_cls: type, prefix: str = "") -> Iterator[FieldInfo]:
    """Yield FieldInfo for each field of a spec dataclass (sections included, not descended)."""
    hints = _resolve_hints(spec_cls)
    for f in dataclasses.fields(spec_cls):
        if f.name.startswith("_"):
            continue
        tp, optional = _unwrap_optional(hints[f.name])
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            default = f.default_factory()  # type: ignore[misc]
        else:
            default = None
        meta = f.metadata or {}
        yield FieldInfo(
            path=f"{prefix}{f.name}",
            name=f.name,
            type=tp,
            default=default,
            help=meta.get("help", ""),
            unit=meta.get("unit"),
            min=meta.get("min"),
            max=meta.get("max"),
            choices=meta.get("choices"),
            label=meta.get("label") or f.name.replace("_", " "),
            advanced=bool(meta.get("advanced", False)),
            optional=optional,
        )


def spec_to_dict(spec: Any) -> dict[str, Any]:
    """A plain dict (YAML-ready) of a spec dataclass instance."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        if dataclasses.is_dataclass(value):
            out[f.name] = spec_to_dict(value)
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out


_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "text"}
_PLURAL_NAMES = {bool: "true/false values", int: "integers", float: "numbers", str: "texts"}


def _type_name(tp: Any) -> str:
    """"an integer", "a list of integers" ... (what a value of this field must be)."""
    if typing.get_origin(tp) is list:
        (inner,) = typing.get_args(tp)
        return f"a list of {_PLURAL_NAMES.get(inner, _type_name(inner))}"
    return _TYPE_NAMES.get(tp, getattr(tp, "__name__", str(tp)))


def _coerce_scalar(tp: type, value: Any, key: str, errors: list[str]) -> Any:
    if tp is bool:
        if isinstance(value, bool):
            return value
        errors.append(f"{key} must be true or false, got {value!r}")
        return None
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
            errors.append(f"{key} must be an integer, got {value!r}")
            return None
        return int(value)
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append(f"{key} must be a number, got {value!r}")
            return None
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            errors.append(f"{key} must be text, got {value!r}")
            return None
        return value
    raise TypeError(f"unsupported spec field type {tp!r} at {key}")


def _check_bounds(info: FieldInfo, value: Any, errors: list[str]) -> None:
    values = value if isinstance(value, list) else [value]
    for v in values:
        if v is None:
            continue
        if info.choices is not None and v not in info.choices:
            options = ", ".join(str(c) for c in info.choices)
            errors.append(f"{info.path} must be one of {options}; got {v!r}")
            return
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            if info.min is not None and v < info.min:
                errors.append(f"{info.path} must be >= {_fmt(info.min)}, got {_fmt(v)}")
                return
            if info.max is not None and v > info.max:
                errors.append(f"{info.path} must be <= {_fmt(info.max)}, got {_fmt(v)}")
                return


def _fmt(x: float) -> str:
    return str(int(x)) if isinstance(x, float) and x.is_integer() else str(x)


def _build(cls: type, data: Any, prefix: str, errors: list[str]) -> Any:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        where = prefix.rstrip(".") or "the spec"
        errors.append(f"{where} must be a mapping of keys to values, got {data!r}")
        return cls()
    infos = {i.name: i for i in fields_of(cls, prefix)}
    for key in data:
        if key not in infos:
            guess = difflib.get_close_matches(str(key), list(infos), n=1)
            hint = f" (did you mean {prefix}{guess[0]}?)" if guess else ""
            errors.append(f"{prefix}{key} is not a known setting{hint}")
    kwargs: dict[str, Any] = {}
    for name, info in infos.items():
        if name not in data:
            continue
        raw = data[name]
        if info.is_section:
            kwargs[name] = _build(info.type, raw, f"{info.path}.", errors)
            continue
        if raw is None:
            if info.optional:
                kwargs[name] = None
            else:
                errors.append(f"{info.path} needs a value ({_type_name(info.type)})")
            continue
        if typing.get_origin(info.type) is list:
            (inner,) = typing.get_args(info.type)
            if not isinstance(raw, (list, tuple)):
                errors.append(f"{info.path} must be {_type_name(info.type)}, got {raw!r}")
                continue
            n_before = len(errors)
            value = [_coerce_scalar(inner, v, f"{info.path}[{i}]", errors) for i, v in enumerate(raw)]
            if len(errors) > n_before:
                continue
        else:
            n_before = len(errors)
            value = _coerce_scalar(info.type, raw, info.path, errors)
            if len(errors) > n_before:
                continue
        _check_bounds(info, value, errors)
        kwargs[name] = value
    for name, value in derived_defaults(cls, kwargs).items():
        kwargs.setdefault(name, value)
    try:
        return cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - programming error in a spec class
        raise SpecError(f"cannot build {cls.__name__}: {exc}") from exc


def derived_defaults(cls: type, given: dict[str, Any], base: Any = None) -> dict[str, Any]:
    """Values for fields of `cls` left out of `given` that follow from those given.

    A spec dataclass may define `derived_defaults(cls, given, base=None) -> dict` (a classmethod):
    e.g. a training section whose warmup and decay steps keep their fractions of `total_steps`
    when only that is given. `base` is the instance the derived values scale from (default: the
    class's defaults); the GUI's form passes the spec it shows. Keys that are given are never
    returned."""
    hook = getattr(cls, "derived_defaults", None)
    if not callable(hook):
        return {}
    return {k: v for k, v in hook(dict(given), base).items() if k not in given}


def follow_edits(cls: type, data: Any, base: Any) -> Any:
    """`data` (a spec as a nested dict, e.g. YAML a user edited) made from `base` (the spec it was
    made from): the fields that follow another (`derived_defaults`) and still hold base's value
    take the values that follow from the fields the user changed. A run shortened from 2000 to 60
    steps in the YAML keeps its warmup and decay fractions; a warmup the user changed stays theirs."""
    if not isinstance(data, dict) or base is None:
        return data
    out = dict(data)
    base_values = spec_to_dict(base)
    edited: dict[str, Any] = {}
    for info in fields_of(cls):
        if info.name not in out:
            continue
        if info.is_section:
            out[info.name] = follow_edits(info.type, out[info.name], getattr(base, info.name, None))
        elif out[info.name] != base_values.get(info.name):
            edited[info.name] = out[info.name]
    try:
        derived = derived_defaults(cls, edited, base)
    except (SpecError, ValueError, TypeError):   # the edited values are checked (and refused) when built
        return out
    out.update(derived)
    return out


def _cross_checks(spec: Any, prefix: str, errors: list[str]) -> None:
    for info in fields_of(type(spec), prefix):
        value = getattr(spec, info.name)
        if info.is_section:
            _cross_checks(value, f"{info.path}.", errors)
        else:
            _check_bounds(info, value, errors)
    check = getattr(spec, "check", None)
    if callable(check):
        errors.extend(f"{prefix}{msg}" if not msg.startswith(prefix) else msg for msg in check())


def validate_spec(spec: Any) -> None:
    """Raise SpecError listing every problem in an already-built spec (bounds and cross-field rules)."""
    errors: list[str] = []
    _cross_checks(spec, "", errors)
    if errors:
        raise SpecError(_join(errors))


def _join(errors: list[str]) -> str:
    if len(errors) == 1:
        return f"The spec is not valid: {errors[0]}."
    return "The spec is not valid:\n" + "\n".join(f"- {e}" for e in errors)


def spec_from_dict(cls: type, data: Any, stored: bool = False) -> Any:
    """Build and validate a spec; missing keys take their defaults. `stored`: the spec of an
    existing run or artifact, checked when it was made — types and bounds are checked again, the
    rules across fields (`check()`) are not, so a rule added later never locks a trained model out."""
    errors: list[str] = []
    spec = _build(cls, data, "", errors)
    if not errors and not stored:
        _cross_checks(spec, "", errors)
    if errors:
        raise SpecError(_join(errors))
    return spec


def spec_to_yaml(spec: Any, comments: bool = True) -> str:
    """YAML text of a spec; with comments, each key carries its help text (and unit)."""
    if not comments:
        return yaml.safe_dump(spec_to_dict(spec), sort_keys=False)
    lines: list[str] = []
    _yaml_lines(spec, 0, lines)
    return "\n".join(lines) + "\n"


def _yaml_lines(spec: Any, indent: int, lines: list[str]) -> None:
    pad = "  " * indent
    for info in fields_of(type(spec)):
        value = getattr(spec, info.name)
        if info.is_section:
            if info.help:
                lines.append(f"{pad}# {info.help}")
            lines.append(f"{pad}{info.name}:")
            _yaml_lines(value, indent + 1, lines)
            continue
        dumped = yaml.safe_dump({info.name: value}, default_flow_style=True, sort_keys=False, width=10_000).strip()
        if dumped.startswith("{") and dumped.endswith("}"):
            dumped = dumped[1:-1]
        note = info.help
        if info.unit:
            note = f"{note} [{info.unit}]"
        if info.choices:
            note = f"{note} (one of: {', '.join(map(str, info.choices))})"
        lines.append(f"{pad}{dumped}" + (f"  # {note}" if note else ""))


def _sentence_start(source: str) -> str:
    """`source` at the start of a sentence: "the spec ..." -> "The spec ..."; a name such as a
    file name is never changed ("badyaml.yaml" stays as it is)."""
    return "T" + source[1:] if source.startswith("the ") else source


def _task_of(cls: type) -> str | None:
    for info in fields_of(cls):
        if info.name == "task" and isinstance(info.default, str):
            return info.default
    return None


def _parse_yaml(text: str, source: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"{_sentence_start(source)} is not valid YAML{where}: {getattr(exc, 'problem', exc)}") from exc


def spec_from_yaml(cls: type, text: str, source: str = "the spec", stored: bool = False, base: Any = None) -> Any:
    """Build and validate a spec from YAML text. `source` names it in messages ("the spec file
    x.yaml"). An empty document is refused: it would silently train every default. `stored`: see
    `spec_from_dict`. `base`: the spec the text was generated from (see `follow_edits`)."""
    data = _parse_yaml(text, source)
    if data is None or data == {}:
        task = _task_of(cls)
        start = f"`studio spec default --task {task}`" if task else "the family's default spec"
        raise SpecError(f"{_sentence_start(source)} is empty: it sets nothing, and would train every built-in "
                        f"default. Start from {start} and change what you need.")
    return spec_from_dict(cls, follow_edits(cls, data, base), stored=stored)


def _read_spec_file(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError(f"The spec file {p} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"The spec file {p} cannot be read: {exc}") from exc


def load_spec_file(cls: type, path: str | Path) -> Any:
    p = Path(path)
    return spec_from_yaml(cls, _read_spec_file(p), source=f"the spec file {p}")


def spec_file_task(path: str | Path) -> str | None:
    """The `task:` a spec file names (None when it names none); SpecError when it cannot be read."""
    p = Path(path)
    data = _parse_yaml(_read_spec_file(p), f"the spec file {p}")
    task = data.get("task") if isinstance(data, dict) else None
    return (str(task).strip() or None) if task is not None else None


def save_spec_file(spec: Any, path: str | Path) -> None:
    atomic_write_text(path, spec_to_yaml(spec))
