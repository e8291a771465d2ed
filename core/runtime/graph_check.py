"""Checks that a loaded graph (ONNX session, TensorRT engine) is the one its sidecar and its
family describe: the same input and output names, ranks and element types. A mismatch — a graph
of another model put under this sidecar, say — is refused with a sentence naming what differs,
before anything runs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from core.runtime.sidecar import ArtifactError


@dataclass(frozen=True)
class TensorInfo:
    name: str
    rank: int
    dtype: str        # numpy name: float32, int64 ...


def _described(entries: Any) -> dict[str, TensorInfo]:
    out = {}
    for e in entries or ():
        if isinstance(e, dict) and isinstance(e.get("name"), str):
            shape = e.get("shape") or []
            out[e["name"]] = TensorInfo(e["name"], len(shape), str(e.get("dtype", "")))
    return out


def check_graph_io(file_name: str, task: str, graph, meta: Mapping[str, Any], inputs: Sequence[TensorInfo],
                   outputs: Sequence[TensorInfo]) -> None:
    """Raise ArtifactError unless the graph's inputs/outputs match the family's names and the
    sidecar's ranks and types."""
    problems: list[str] = []
    for what, actual, wanted, described in (
            ("input", inputs, graph.inputs, _described(meta.get("inputs"))),
            ("output", outputs, graph.outputs, _described(meta.get("outputs")))):
        have = {t.name: t for t in actual}
        missing = [n for n in wanted if n not in have]
        if missing:
            problems.append(f"a {task} model has the {what}s {', '.join(wanted)}, but the graph's {what}s are "
                            f"{', '.join(have) or 'none'}")
            continue
        for name in wanted:
            got, side = have[name], described.get(name)
            if side is None:
                continue
            if side.rank != got.rank:
                problems.append(f"{what} {name!r} has rank {got.rank} in the graph but {side.rank} in the sidecar")
            elif side.dtype and got.dtype and side.dtype != got.dtype:
                problems.append(f"{what} {name!r} is {got.dtype} in the graph but {side.dtype} in the sidecar")
    if problems:
        raise ArtifactError(f"{file_name} does not match its sidecar: {'; '.join(problems)}. The file holds another "
                            "model than the sidecar describes; export it again.")
