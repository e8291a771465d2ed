"""Turning worker events into terminal lines (shared by train, evaluate, export, infer, demo)."""
from __future__ import annotations

import sys
from typing import Any, Callable, TextIO

from core.jobs.state import ended_status, final_event

_SHORT = {"loss_classifier": "cls", "loss_box_reg": "box", "loss_mask": "mask", "loss_objectness": "obj",
          "loss_rpn_box_reg": "rpn"}


def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


def event_printer(stream: TextIO | None = None, quiet: bool = False) -> Callable[[dict[str, Any]], None]:
    """A callback that prints a line per interesting event (to `stream`, default: the current stdout)."""
    state: dict[str, Any] = {}

    def on_event(ev: dict[str, Any]) -> None:
        nonlocal stream
        stream = stream or sys.stdout
        kind = ev.get("event")
        if kind == "progress" and ev.get("phase") == "train":
            state["progress"] = ev
        elif kind == "metric" and ev.get("phase") == "train" and "values" in ev:
            v = ev["values"]
            prog = state.get("progress", {})
            terms = " ".join(f"{_SHORT.get(k, k)} {val:.3f}" for k, val in v.items()
                             if k.startswith("loss_"))
            total = prog.get("total")
            print(f"step {ev.get('step')}/{total}  loss {v.get('loss', float('nan')):.4f} ({terms})  "
                  f"lr {v.get('lr', 0):.5f}  {v.get('samples_per_s', 0):.1f} img/s  "
                  f"ETA {format_duration(prog.get('eta_s'))}", file=stream, flush=True)
        elif kind == "metric" and ev.get("phase") == "eval" and "values" in ev:
            v = ev["values"]
            shown = {k: v[k] for k in ("AP", "AP50", "mask_AP", "mask_AP50", "accuracy") if k in v}
            print("eval " + f"step {ev.get('step')}: " + "  ".join(f"{k} {val:.3f}" for k, val in shown.items()),
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
