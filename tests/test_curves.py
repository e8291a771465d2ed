"""Qt-free pieces behind the Train and Runs pages: curve series from events (rewinds on resume),
tailing an events file another process writes, run summaries, and the torch-free spec lookup."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from conftest import create_run, tiny_spec
from core.families import FamilyNotAvailable
from core.jobs.curves import CurveStore, Series
from core.jobs.event_tail import EventFileTail
from core.project import runs
from core.project.run_summary import (best_metrics, effective_status, format_duration, run_row, spec_facts,
                                      train_seconds)


def test_series_grows_and_rewinds():
    s = Series("loss", capacity=2)
    for i in range(1, 1001):
        s.append(i, 1.0 / i)
    assert len(s) == 1000 and s.steps[-1] == 1000 and s.values[0] == 1.0
    v = s.version
    s.append(500, 9.0)                       # a resumed run reports step 500 again
    assert len(s) == 500 and s.steps[-1] == 500 and s.values[-1] == 9.0 and s.rewinds == 1 and s.version > v
    s.extend([501, 502], [1.0, 2.0])
    s.extend([400, 401, 10], [0.0, 0.0, 5.0])   # a batch that itself rewinds
    assert list(s.steps[-2:]) == [9, 10] and s.values[-1] == 5.0
    with pytest.raises(ValueError):
        s.extend([1, 2], [1.0])


def test_store_maps_events_to_series_and_progress():
    store = CurveStore()
    store.add_events([
        {"event": "progress", "done": 0, "total": 8, "phase": "train", "step": 0, "eta_s": None},
        {"event": "metric", "values": {"loss": 2.0, "loss_mask": 1.0, "lr": 0.01, "samples_per_s": 3}, "step": 1,
         "phase": "train"},
        {"event": "metric", "name": "loss", "value": 1.5, "step": 2},
        {"event": "metric", "values": {"loss": float("nan"), "bad": "x", "flag": True}, "step": 3, "phase": "train"},
        {"event": "progress", "done": 3, "total": 4, "phase": "evaluate"},
        {"event": "metric", "values": {"AP": 0.2, "mask_AP": 0.1, "APl": -1.0}, "step": 2, "phase": "eval"},
        {"event": "progress", "done": 2, "total": 8, "phase": "train", "step": 2, "eta_s": 12.5},
        {"event": "done", "status": "stopped", "step": 2},
    ])
    assert sorted(store.names()) == ["eval/AP", "eval/mask_AP", "loss", "loss_mask", "lr", "samples_per_s"]
    assert list(store.series["loss"].steps) == [1, 2]
    assert store.latest("eval/mask_AP") == 0.1 and store.best("loss") == 2.0
    p = store.progress
    assert (p.done, p.total, p.eta_s, p.status) == (2, 8, None, "stopped")   # done: no ETA left
    store.add_event({"event": "progress", "done": 2, "total": 8, "phase": "train", "step": 2})
    assert store.progress.status == ""       # running again after a resume
    store.add_event({"event": "error", "message": "The loss became nan."})
    assert store.progress.status == "failed" and "nan" in store.progress.message


def test_tail_reads_appends_waits_for_partial_lines_and_restarts_on_replace(tmp_path):
    path = tmp_path / "events.jsonl"
    tail = EventFileTail(path)
    assert tail.read_new() == ([], False)              # not there yet
    path.write_text(json.dumps({"event": "log", "message": "a"}) + "\nnot json\n" + '{"event": "lo')
    events, reset = tail.read_new()
    assert [e["message"] for e in events] == ["a"] and not reset and not tail.at_end
    with open(path, "a") as f:
        f.write('g", "message": "b"}\n')
    assert [e["message"] for e in tail.read_new()[0]] == ["b"] and tail.at_end
    tmp = tmp_path / "x"
    tmp.write_text(json.dumps({"event": "log", "message": "c"}) + "\n")
    os.replace(tmp, path)                               # a resumed run trimmed (rewrote) the file
    events, reset = tail.read_new()
    assert reset and [e["message"] for e in events] == ["c"]
    big = tmp_path / "big.jsonl"
    big.write_text("".join(json.dumps({"event": "metric", "values": {"loss": 1.0}, "step": i}) + "\n"
                           for i in range(1, 2001)))
    t2, n = EventFileTail(big), 0
    while not t2.at_end:
        n += len(t2.read_new(max_bytes=4096)[0])        # chunked replay
    assert n == 2000
    assert len(CurveStore.from_file(big).series["loss"]) == 2000


def test_run_summary_rows(make_seg_project):
    project = make_seg_project(num_images=6)
    create_run(project, "a", tiny_spec(total_steps=4))
    run = runs.get_run(project, "a")
    assert effective_status(project, run) == "created" and train_seconds(project, run) is None
    runs.update_run(project, "a", status="running")
    job = runs.start_job(project, run.id, "train")
    assert effective_status(project, runs.get_run(project, "a")) == "running"
    runs.update_job(project, job, pid=2 ** 22 + 54321)     # the process died without a word
    assert effective_status(project, runs.get_run(project, "a")) == "interrupted"
    runs.update_job(project, job, started_at="2026-01-01T10:00:00+00:00", ended_at="2026-01-01T10:02:05+00:00",
                    status="stopped")
    runs.record_metrics(project, run.id, {"AP": 0.1, "mask_AP": 0.3}, step=2)
    runs.record_metrics(project, run.id, {"AP": 0.2, "mask_AP": 0.25}, step=4)
    assert best_metrics(project, run.id) == {"AP": 0.2, "mask_AP": 0.3}
    row = run_row(project, runs.get_run(project, "a"))
    assert row["backbone"] == "resnet18" and row["seconds"] == 125.0 and row["best"]["mask_AP"] == 0.3
    assert row["facts"]["batch_size"] == 2 and row["facts"]["image_size"] == 64
    assert format_duration(125) == "2m 05s" and format_duration(7300) == "2h 01m" and format_duration(None) == ""
    assert spec_facts("::: not yaml") == {} and spec_facts("- a list") == {}


def test_spec_lookup_matches_the_family_and_imports_no_torch(monkeypatch):
    from core.families import get_family
    from core.families.spec_lookup import default_spec_for, is_trainable, spec_class_for
    from family_standin import STANDIN, register

    family = get_family("instance_segmentation")
    assert spec_class_for("instance_segmentation") is family.spec_class
    for profile in ("cpu", "gpu"):
        assert default_spec_for("instance_segmentation", profile) == family.default_spec(profile)
    register(monkeypatch, STANDIN)                       # known, but no trainer
    assert not is_trainable("standin") and is_trainable("pose")
    with pytest.raises(FamilyNotAvailable, match="later version"):
        spec_class_for("standin")
    code = ("import sys; from core.families.spec_lookup import default_spec_for; "
            "default_spec_for('instance_segmentation', 'cpu'); print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(__file__)))
    assert out.stdout.strip() == "False"


def test_series_views_are_numpy():
    s = Series("x")
    s.extend(np.arange(1, 4), np.array([1.0, 2.0, 3.0]))
    assert isinstance(s.steps, np.ndarray) and s.steps.dtype == np.float64 and s.last() == (3.0, 3.0)
