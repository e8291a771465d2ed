"""The shared trainer and checkpoint code under faults: a restart from step 0 keeps each step once,
a resume writes one progress event per step and keeps the run's start, stale temporary files go,
a full or read-only disk says so and keeps the last good checkpoint, skipped checkpoints are
said where the user looks, and callbacks see the run's named moments in order.

Runs use the toy family (tests/toy_family): steps take milliseconds."""
from __future__ import annotations

import errno
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from core.errors import StorageError  # noqa: E402
from core.families import EXTRA_FAMILIES_ENV  # noqa: E402
from core.jobs.events import read_events  # noqa: E402
from core.jobs.reporter import RecordingReporter  # noqa: E402
from core.models import checkpoint as ckpt  # noqa: E402
from core.project import runs  # noqa: E402
from test_family_contract import ROOT, TOY, make_project  # noqa: E402


@pytest.fixture
def toy(monkeypatch):
    monkeypatch.setenv(EXTRA_FAMILIES_ENV, TOY)
    from core.families import get_family

    return get_family("toy_colors")


def new_run(toy, project, name: str, steps: int = 12, checkpoint_interval: int = 4, eval_every: int = 0,
            optimizer: str = "sgd"):
    from core.setup.new_run import create_run_from_spec

    spec = toy.default_spec("cpu")
    t = spec.train
    t.optimizer = optimizer
    t.total_steps, t.checkpoint_interval, t.num_steps_per_eval, t.log_interval = steps, checkpoint_interval, eval_every, 1
    return create_run_from_spec(project, name, spec)


def worker_reporter(project, run: str):
    from workers.channel import WorkerReporter

    return WorkerReporter("train", None, project.run_dir(run) / "events.jsonl")


class StopAt(RecordingReporter):
    def __init__(self, step: int) -> None:
        super().__init__()
        self.at = step

    def should_stop(self) -> bool:
        return any(e.get("step") == self.at for e in self.of("metric"))


def train_steps(path: Path) -> list[int]:
    return [e["step"] for e in read_events(path) if e.get("event") == "metric" and e.get("phase") == "train"]


def test_a_restart_from_step_0_keeps_each_step_once(toy, tmp_path):
    from core.training.trainer import train_run

    project = make_project(tmp_path, per_class=4)
    new_run(toy, project, "r", steps=8, checkpoint_interval=100)
    events = project.run_dir("r") / "events.jsonl"

    rep = worker_reporter(project, "r")                 # writes events.jsonl, as a worker does
    rep.should_stop = lambda: any(s == 3 for s in train_steps(events))
    assert train_run(project, "r", rep).status == "stopped"
    rep.close()
    for _, path in ckpt.step_checkpoints(project.run_dir("r")):
        path.unlink()                                   # as if killed before its first checkpoint
    assert train_steps(events) == [1, 2, 3]
    rep = worker_reporter(project, "r")
    assert train_run(project, "r", rep).status == "done"
    rep.close()
    assert train_steps(events) == list(range(1, 9))     # steps 1-3 of the first attempt are gone
    progress = [e["step"] for e in read_events(events) if e["event"] == "progress" and e.get("phase") == "train"]
    assert progress == sorted(set(progress))

    # every checkpoint unreadable: the run starts again from 0, says so, and still has each step once
    new_run(toy, project, "c", steps=8, checkpoint_interval=2)
    rep = worker_reporter(project, "c")
    rep.should_stop = lambda: any(s == 5 for s in train_steps(project.run_dir("c") / "events.jsonl"))
    train_run(project, "c", rep)
    rep.close()
    for _, path in ckpt.step_checkpoints(project.run_dir("c")):
        path.write_bytes(path.read_bytes()[:200])
    rep = worker_reporter(project, "c")
    train_run(project, "c", rep)
    rep.close()
    events = read_events(project.run_dir("c") / "events.jsonl")
    warnings = [e["message"] for e in events if e["event"] == "log" and e.get("level") == "warning"]
    assert any("Skipped the checkpoint step-0000004.pt" in w and "truncated or damaged" in w for w in warnings)
    assert any("starts again from step 0" in w for w in warnings)
    assert train_steps(project.run_dir("c") / "events.jsonl") == list(range(1, 9))


def _train_cli(project: Path, run: str, env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "studio.cli", "train", str(project), "--run", run], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


def test_a_resume_reports_each_step_once_keeps_started_at_and_says_what_it_skipped(toy, tmp_path):
    from core.project import Project

    project = make_project(tmp_path, per_class=4)
    new_run(toy, project, "r", steps=12, checkpoint_interval=4)
    from core.training.trainer import train_run

    first = StopAt(6)
    train_run(project, "r", first)                       # checkpoints at 4 and 6 (the stop)
    runs.update_run(project, "r", started_at="2026-01-02T03:04:05+00:00", status="stopped")
    newest = ckpt.step_checkpoints(project.run_dir("r"))[0][1]
    newest.write_bytes(newest.read_bytes()[:300])        # the newest one is truncated
    root = project.root
    project.close()
    env = {**os.environ, EXTRA_FAMILIES_ENV: TOY, "PYTHONPATH": str(ROOT)}
    out = _train_cli(root, "r", env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Skipped the checkpoint step-0000006.pt" in out.stdout        # said in the terminal, not only the log
    assert "Resuming r from step-0000004.pt at step 4" in out.stdout
    with Project.open(root) as project:
        assert runs.get_run(project, "r").started_at == "2026-01-02T03:04:05+00:00"
    events = read_events(root / "runs" / "r" / "events.jsonl")
    progress = [e["step"] for e in events if e["event"] == "progress" and e.get("phase") == "train"]
    assert progress == sorted(set(progress)) and progress[-1] == 12          # one progress event per step


def test_stale_temporary_files_are_removed_when_the_run_starts(toy, tmp_path):
    from core.training.trainer import train_run

    project = make_project(tmp_path, per_class=4)
    new_run(toy, project, "r", steps=2, checkpoint_interval=100)
    folder = project.run_dir("r") / "checkpoints"
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / ".step-0000002.pt.k3j4h5.tmp"
    stale.write_bytes(b"x" * 1_000_000)
    keep = folder / "notes.txt"
    keep.write_text("mine")
    rep = RecordingReporter()
    train_run(project, "r", rep)
    assert not stale.exists() and keep.exists()
    assert any("Removed 1 temporary file(s) (1.0 MB)" in e["message"] for e in rep.of("log"))


@pytest.mark.parametrize("failure, sentence", [
    (RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 2112 vs 2010"), "no space left on the disk"),
    (OSError(errno.ENOSPC, "No space left on device"), "no space left on the disk"),
    (OSError(errno.EROFS, "Read-only file system"), "is read-only"),
])
def test_a_full_or_read_only_disk_says_so_and_keeps_the_last_good_checkpoint(toy, tmp_path, monkeypatch, failure,
                                                                           sentence):
    from core.training.trainer import train_run

    project = make_project(tmp_path, per_class=4)
    new_run(toy, project, "r", steps=8, checkpoint_interval=2)
    real_save, saves = torch.save, []

    def failing_save(obj, f, *args, **kwargs):
        saves.append(f)
        if len(saves) >= 2:
            Path(f).write_bytes(b"half a checkpoint")    # what a full disk leaves in the temp file
            raise failure
        return real_save(obj, f, *args, **kwargs)

    monkeypatch.setattr(ckpt.torch, "save", failing_save)
    with pytest.raises(StorageError) as err:
        train_run(project, "r", RecordingReporter())
    message = str(err.value)
    assert sentence in message and str(project.run_dir("r") / "checkpoints") in message
    assert "The last good file is kept" in message and "\n" not in message
    monkeypatch.setattr(ckpt.torch, "save", real_save)
    (step, path), = ckpt.step_checkpoints(project.run_dir("r"))
    assert step == 2 and ckpt.load_checkpoint(path)["step"] == 2           # the good one loads
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_storage_error_ends_the_worker_with_its_sentence_not_a_crash(toy, tmp_path, monkeypatch):
    from workers.job import main

    project = make_project(tmp_path, per_class=4)
    new_run(toy, project, "r", steps=4, checkpoint_interval=2)
    root = project.root
    project.close()

    def full_disk(obj, f, *args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 64 vs 32")

    monkeypatch.setattr(ckpt.torch, "save", full_disk)
    monkeypatch.setattr("workers.channel.WorkerReporter.listen_for_stop", lambda self, stream=None: None)
    channel = io.StringIO()
    code = main(["train", "--project", str(root), "--run", "r"], channel)
    events = [json.loads(line) for line in channel.getvalue().splitlines()]
    assert code == 1                                                        # a typed error, not 70 (a crash)
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "storage"
    assert "no space left on the disk holding" in events[-1]["message"]


def test_callbacks_see_the_named_moments_in_order_and_can_record_a_transform(toy, tmp_path):
    from core.models.transforms import record
    from core.training.callbacks import Callback
    from core.training.trainer import Trainer

    project = make_project(tmp_path, per_class=4)
    new_run(toy, project, "r", steps=4, checkpoint_interval=2, eval_every=2)
    seen: list[str] = []

    class Spy(Callback):
        def on_train_start(self, trainer):
            seen.append("start")
            trainer.transforms.append(record("resize_layers", {"layers": {}}))   # a no-op transform, recorded

        def on_step_end(self, trainer, losses):
            seen.append(f"step {trainer.step} {sorted(losses)}")

        def on_eval_end(self, trainer, metrics):
            seen.append(f"eval {trainer.step} {sorted(metrics)}")

        def on_checkpoint(self, trainer, path):
            seen.append(f"checkpoint {path.name}")

        def on_train_end(self, trainer, result):
            seen.append(f"end {result.status} {result.step}")

    result = Trainer(project, "r", RecordingReporter(), callbacks=[Spy()]).fit()
    assert result.status == "done"
    # the shared behaviour (progress, checkpoints, evaluations) is itself callbacks that run first
    assert seen == ["start", "step 1 ['loss_ce']", "checkpoint step-0000002.pt",
                    "eval 2 ['accuracy', 'average_class_accuracy']", "step 2 ['loss_ce']", "step 3 ['loss_ce']",
                    "step 4 ['loss_ce']", "checkpoint step-0000004.pt", "eval 4 ['accuracy', 'average_class_accuracy']",
                    "end done 4"]
    final = ckpt.load_checkpoint(project.run_dir("r") / "checkpoints" / "model.pt")
    assert [t["name"] for t in final["transforms"]] == ["resize_layers"]     # every loader will replay it


def test_adamw_is_stepped_saved_and_resumed_like_sgd(toy, tmp_path):
    """train.optimizer: adamw trains with AdamW (its moments are in the checkpoint), a run stopped and
    resumed ends with the weights of an uninterrupted one, and the weights differ from SGD's."""
    from core.training.trainer import train_run

    project = make_project(tmp_path, per_class=4)
    for name, optimizer in (("sgd", "sgd"), ("adam", "adamw"), ("adam-cut", "adamw")):
        new_run(toy, project, name, steps=8, checkpoint_interval=2, optimizer=optimizer)
    for name in ("sgd", "adam"):
        assert train_run(project, name, RecordingReporter()).status == "done"
    assert train_run(project, "adam-cut", StopAt(4)).status == "stopped"
    stopped = ckpt.load_checkpoint(ckpt.step_checkpoints(project.run_dir("adam-cut"))[0][1])
    assert all("exp_avg" in s and "exp_avg_sq" in s for s in stopped["optimizer"]["state"].values())
    assert train_run(project, "adam-cut", RecordingReporter()).status == "done"

    def weights(run):
        return torch.load(project.run_dir(run) / "checkpoints" / "model.pt", weights_only=True)["model"]

    a, b, s = weights("adam"), weights("adam-cut"), weights("sgd")
    assert max(float((a[k].float() - b[k].float()).abs().max()) for k in a) < 1e-5
    assert max(float((a[k].float() - s[k].float()).abs().max()) for k in a) > 1e-3
