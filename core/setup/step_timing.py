"""How long one training step of a spec takes on this computer, measured, not guessed.

`measure_step_time(task, spec)` builds the family's model from the spec, trains it on a few of
the family's built-in sample images (generated at the spec's image size in a throw-away project)
through the shared trainer, and returns the median of the steps after the first (the first
pays for allocations and warm caches). It imports torch: a GUI calls `measure_in_subprocess`,
which runs ``python -m core.setup.step_timing`` and reads its one line of JSON.

`sizing_key(task, spec)` names what decides a step's cost (the model, the input size, the
batch, the device; not the schedule, the seed or the weights a run starts from) on this
machine, so that a caller can keep a measurement and not take it again for the same sizing.
"""
from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.errors import StudioError

SIZING_TRAIN_FIELDS = ("batch_size", "device", "amp", "num_workers")
NOT_SIZING_MODEL_FIELDS = ("pretrained",)


@dataclass(frozen=True)
class StepTiming:
    seconds_per_step: float     # the median of the timed steps
    steps: int                  # how many steps were timed (after one untimed first step)
    device: str                 # "cpu", "cuda"
    batch_size: int


class _Enough(Exception):
    """Raised by the timer to end the measuring run after its last timed step."""


def sizing_key(task: str, spec: Any) -> str:
    """A short key of what a step's cost depends on, on this machine (its name and CPU count)."""
    from core.specs import spec_to_dict

    d = spec_to_dict(spec)
    train = d.get("train", {})
    sized = {"task": task, "train": {k: train.get(k) for k in SIZING_TRAIN_FIELDS},
             "model": {k: v for k, v in d.get("model", {}).items() if k not in NOT_SIZING_MODEL_FIELDS},
             "data": {k: v for k, v in d.get("data", {}).items() if "split" not in k},
             "machine": [platform.node(), os.cpu_count(), platform.machine()]}
    return hashlib.sha1(json.dumps(sized, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _timing_spec(spec: Any, total: int) -> Any:
    """The spec for the measuring run: no evaluation, checkpoint or weights to load on the way."""
    import copy

    timed = copy.deepcopy(spec)
    t = timed.train
    t.total_steps, t.warmup_steps, t.learning_rate_steps, t.learning_rate_decay_levels = total, 0, [], []
    t.num_steps_per_eval, t.checkpoint_interval, t.log_interval = 0, total, total
    if hasattr(timed, "model") and hasattr(timed.model, "pretrained"):
        timed.model.pretrained = ""
    return timed


def measure_step_time(task: str, spec: Any, steps: int = 2) -> StepTiming:
    """Train `steps` + 1 steps of `spec` on the family's sample data and time them (imports torch)."""
    from core.datasets.split import split_project
    from core.dotted import load
    from core.families import family_info
    from core.jobs.reporter import NullReporter
    from core.project import Project
    from core.setup.new_run import create_run_from_spec
    from core.training.callbacks import Callback
    from core.training.trainer import Trainer

    info = family_info(task)
    if not info.sample_data:
        raise StudioError(f"{info.title} has no built-in sample data to time a training step on; the Train page "
                          "shows the time left once training runs.")
    batch = spec.train.batch_size
    size = int(getattr(getattr(spec, "data", None), "image_size", 128) or 128)
    durations: list[float] = []

    class Timer(Callback):
        def on_train_start(self, trainer) -> None:
            self.last = time.perf_counter()

        def on_step_end(self, trainer, losses) -> None:
            now = time.perf_counter()
            durations.append(now - self.last)
            self.last = now
            if len(durations) > steps:
                raise _Enough()

    total = steps + 2
    with tempfile.TemporaryDirectory(prefix="studio-step-time-") as tmp:
        project = Project.create(Path(tmp) / "p", task)
        try:
            load(info.sample_data)(project, num_images=max(8, 2 * batch), size=size, seed=0)
            split_project(project, val=0.0, seed=0)
            create_run_from_spec(project, "timing", _timing_spec(spec, total))
            trainer = Trainer(project, "timing", NullReporter(), callbacks=[Timer()])
            try:
                trainer.fit()
            except _Enough:
                pass
            device = trainer.device.type
        finally:
            project.close()
    timed = durations[1:]
    if not timed:
        raise StudioError("The measuring run ended before a step could be timed.")
    return StepTiming(statistics.median(timed), len(timed), device, batch)


# ------------------------------------------------------------------------------ out of process

def measure_in_subprocess(task: str, spec: Any, steps: int = 2, timeout_s: float = 900,
                          reporter: Any = None) -> StepTiming:
    """`measure_step_time` in a child Python (torch is imported there, not in the caller). A
    `reporter` whose stop is requested (the wizard closed) ends the child at once: JobStopped."""
    from core.errors import JobStopped
    from core.jobs.child_env import child_env
    from core.specs import spec_to_yaml

    request = json.dumps({"task": task, "spec": spec_to_yaml(spec, comments=False), "steps": steps})
    child = subprocess.Popen([sys.executable, "-m", "core.setup.step_timing"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())
    deadline = time.monotonic() + timeout_s
    pending: str | None = request
    while True:
        try:
            stdout, stderr = child.communicate(pending, timeout=0.25)
            break
        except subprocess.TimeoutExpired:
            pending = None
        if reporter is not None and reporter.should_stop() or time.monotonic() > deadline:
            child.kill()
            child.communicate()
            if time.monotonic() > deadline:
                raise StudioError(f"Timing a training step took longer than {timeout_s:.0f} s; the computer may be "
                                  "busy. The Train page shows the time left once training runs.") from None
            raise JobStopped("The step timing was stopped.")
    lines = stdout.strip().splitlines()
    try:
        result = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = " ".join(stderr.strip().splitlines()[-2:])
        raise StudioError(f"Timing a training step failed (exit code {child.returncode}): {tail}") from None
    if not result.get("ok"):
        raise StudioError(result.get("message") or "Timing a training step failed.")
    return StepTiming(result["seconds_per_step"], result["steps"], result["device"], result["batch_size"])


def main() -> int:
    """`python -m core.setup.step_timing` < {"task", "spec" (YAML), "steps"}: one JSON line."""
    out = os.fdopen(os.dup(1), "w")   # the answer only: library prints go to stderr
    os.dup2(2, 1)
    try:
        from core.families.spec_lookup import spec_class_for
        from core.specs import spec_from_yaml

        request = json.loads(sys.stdin.read())
        spec = spec_from_yaml(spec_class_for(request["task"]), request["spec"], stored=True)
        timing = measure_step_time(request["task"], spec, int(request.get("steps", 2)))
        out.write(json.dumps({"ok": True, **asdict(timing)}) + "\n")
    except StudioError as exc:
        out.write(json.dumps({"ok": False, "message": str(exc)}) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
