"""Turning worker events into terminal lines (shared by train, evaluate, export, infer, demo).

What a line names comes from the run's family (`core.families.FamilyInfo`): the short labels of
its loss terms, the metrics its eval line shows (headline first) and what one sample is."""
from __future__ import annotations

import sys
from typing import Any, Callable, TextIO

from core.jobs.state import ended_status, final_event
from studio.family_lookup import known_family

RATE_UNITS = {"image": "img/s", "clip": "clips/s", "crop": "crops/s"}


def _value(value: Any) -> str:
    return "n/a" if value == -1 else f"{value:.3f}"     # COCO's -1: no object of that kind in the split


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


def event_printer(task: str | None = None, stream: TextIO | None = None,
                  quiet: bool = False) -> Callable[[dict[str, Any]], None]:
    """A callback that prints a line per interesting event (to `stream`, default: the current stdout).

    `task` is the run's family: its loss terms print under their short labels (a term without one
    under its own name) and the eval line shows its metrics; without a task every term prints
    under its own name and the eval line shows every metric. An event that names its `task` (a
    demo's earlier stage: the hand detector before the gesture classifier) prints as that family's."""
    state: dict[str, Any] = {}
    names: dict[str | None, tuple[dict[str, str], tuple, str]] = {}

    def names_of(family: str | None) -> tuple[dict[str, str], tuple, str]:
        """(loss labels, shown metrics, rate unit) of a family, looked up once."""
        if family not in names:
            info = known_family(family)
            unit = RATE_UNITS.get(info.sample_kind, "samples/s") if info else "samples/s"
            names[family] = (dict(info.loss_labels), info.shown_metrics, unit) if info else ({}, (), unit)
        return names[family]

    def on_event(ev: dict[str, Any]) -> None:
        nonlocal stream
        stream = stream or sys.stdout
        labels, shown_metrics, rate_unit = names_of(ev.get("task", task))
        kind = ev.get("event")
        if kind == "progress" and ev.get("phase") == "train":
            state["progress"] = ev
        elif kind == "metric" and ev.get("phase") == "train" and "values" in ev:
            v = ev["values"]
            prog = state.get("progress", {})
            terms = " ".join(f"{labels.get(k, k)} {val:.3f}" for k, val in v.items()
                             if k.startswith("loss_"))
            total = prog.get("total")
            epoch = f" (epoch {prog['epoch'] + 1}/{prog['epochs']})" if prog.get("epochs") and "epoch" in prog else ""
            print(f"step {ev.get('step')}/{total}{epoch}  loss {v.get('loss', float('nan')):.4f} ({terms})  "
                  f"lr {v.get('lr', 0):.5f}  {v.get('samples_per_s', 0):.1f} {rate_unit}  "
                  f"ETA {format_duration(prog.get('eta_s'))}", file=stream, flush=True)
        elif kind == "metric" and ev.get("phase") == "eval" and "values" in ev:
            v = ev["values"]
            names = [k for k in shown_metrics if k in v] or [k for k, val in v.items()
                                                             if isinstance(val, (int, float))]
            print("eval " + f"step {ev.get('step')}: " + "  ".join(f"{k} {_value(v[k])}" for k in names),
                  file=stream, flush=True)
        elif kind == "progress" and not quiet and ev.get("phase") in ("infer", "evaluate", "export"):
            done, total = ev.get("done"), ev.get("total")
            if total:
                print(f"{ev['phase']}: {done}/{total}", file=stream, flush=True)
        elif kind == "log" and not quiet:
            print(ev.get("message", ""), file=stream, flush=True)
        elif kind == "artifact":
            print(f"wrote {ev.get('kind')}: {ev.get('path')}", file=stream, flush=True)
        elif kind == "error":
            print(f"error: {ev.get('message')}", file=sys.stderr, flush=True)

    return on_event


def completed_event(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The `done` event of a job that did all its work; None when it failed or was stopped (a
    stopped job's sentence is printed here: a failure's was printed as its error event)."""
    last = final_event(events)
    status = ended_status(last)
    if status == "stopped":
        print(last.get("message") or "Stopped before it finished.", file=sys.stderr, flush=True)
    return last if status == "done" else None
