"""One owner for each rule of the job protocol: the stop line and its grace periods
(`core.jobs.protocol`), the JSON-line event parser, a child's environment (`core.jobs.child_env`),
how a job ended (`core.jobs.state`) and the CPU/GPU profile (`core.hardware`). The launcher and
the GUI's controller are driven here with a stand-in worker, so the checks are fast; the tests
that scan the sources fail when a second copy of a rule comes back."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ROOT, create_run, tiny_spec
from core.jobs import launch, protocol, state
from core.jobs.child_env import child_env
from core.jobs.event_tail import EventFileTail
from core.jobs.events import EventLog, read_events

# A worker that echoes each stdin line back as a log event and ignores SIGTERM: it tells what
# the launcher sent, and only SIGKILL ends it.
STUBBORN = (
    "import json, signal, sys\n"
    "signal.signal(signal.SIGTERM, lambda *a: print(json.dumps({'event': 'log', 'message': 'TERM'}), flush=True))\n"
    "print(json.dumps({'event': 'log', 'message': 'ready'}), flush=True)\n"
    "for line in sys.stdin:\n"
    "    print(json.dumps({'event': 'log', 'message': line}), flush=True)\n"
    "import time\n"
    "while True: time.sleep(1)\n")


def _sources(*globs: str) -> list[Path]:
    return sorted(p for g in globs for p in ROOT.glob(g) if p.is_file())


def _stand_in(monkeypatch, module, script: str) -> None:
    monkeypatch.setattr(module, "worker_command", lambda verb, project, **o: [sys.executable, "-c", script])


# -- the stop line and the grace periods ------------------------------------------------------
def test_the_launcher_stops_by_the_protocol(tmp_path):
    log = tmp_path / "w.log"
    job = launch.JobProcess([sys.executable, "-c", STUBBORN], log)
    assert next(job.events())["message"] == "ready"
    seen = []
    t0 = time.monotonic()
    code = job.stop(seen.append, grace_s=0.5, term_s=0.5)
    took = time.monotonic() - t0
    assert code == -signal.SIGKILL and took < 5
    messages = [e["message"] for e in seen]
    assert messages[0] == protocol.STOP_LINE            # the line, then SIGTERM, then kill
    assert "TERM" in messages
    assert protocol.is_stop_command(messages[0])


def test_the_gui_controller_stops_by_the_same_protocol(qtbot, tmp_path, monkeypatch):
    import studio.controllers.jobs as gui_jobs

    _stand_in(monkeypatch, gui_jobs, STUBBORN)
    monkeypatch.setattr(protocol, "STOP_GRACE_S", 0.5)   # read at stop time: the controller keeps no copy
    monkeypatch.setattr(protocol, "TERM_GRACE_S", 0.5)
    (tmp_path / "logs").mkdir()
    controller = gui_jobs.JobController()
    job = controller.start("evaluate", tmp_path)
    seen = []
    job.event.connect(seen.append)
    qtbot.waitUntil(lambda: any(e.get("message") == "ready" for e in seen), timeout=10_000)
    job.stop()
    qtbot.waitUntil(lambda: not job.is_active, timeout=10_000)
    messages = [e.get("message") for e in seen]
    assert protocol.STOP_LINE in messages and "TERM" in messages
    assert job.status == "failed" and "killed by SIGKILL" in job.message and "start it again" in job.message


def test_no_second_copy_of_the_stop_protocol():
    line = re.compile(r"""["']cmd["']\s*:\s*["']stop["']""")
    grace = re.compile(r"GRACE\w*\s*=\s*\d")
    for path in _sources("core/**/*.py", "workers/**/*.py", "studio/**/*.py"):
        if path.name == "protocol.py" and path.parent.name == "jobs":
            continue
        text = path.read_text()
        assert not line.search(text), f"{path.relative_to(ROOT)} spells the stop line itself"
        assert not grace.search(text), f"{path.relative_to(ROOT)} keeps its own grace period"


# -- one event parser ---------------------------------------------------------------------------
def test_one_parser_reads_events_everywhere(tmp_path):
    lines = ['{"event": "log", "message": "a"}', "library noise", "[1, 2]", '{"no": "event"}',
             '{"event": "metric", "step": 3, "value": 0.5}', '{"event": "log", "mess']
    expected = [{"event": "log", "message": "a"}, {"event": "metric", "step": 3, "value": 0.5}]
    assert protocol.parse_event_lines(lines) == expected
    assert protocol.parse_event_lines([s.encode() for s in lines]) == expected
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(lines) + "\n")
    assert read_events(path) == expected
    assert EventFileTail(path).read_new()[0] == expected
    log = EventLog(tmp_path / "again.jsonl")           # what the writer encodes, the parser reads
    log.append({"event": "metric", "step": 1, "path": Path("/x"), "value": _Scalar(0.25)})
    log.close()
    assert read_events(tmp_path / "again.jsonl") == [{"event": "metric", "step": 1, "path": "/x", "value": 0.25}]


class _Scalar:
    def __init__(self, v):
        self.v = v

    def item(self):
        return self.v


def test_no_second_event_parser():
    readers = _sources("core/jobs/*.py", "workers/*.py", "studio/controllers/*.py", "studio/pages/train*.py",
                       "studio/pages/runs*.py", "studio/ui/jobs_panel.py", "studio/commands/*.py")
    for path in readers:
        if path.name == "protocol.py":
            continue
        assert "json.loads" not in path.read_text(), f"{path.relative_to(ROOT)} parses JSON lines itself"


# -- one child environment ----------------------------------------------------------------------
def test_children_get_the_checkout_first_on_their_path(monkeypatch, tmp_path):
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    env = child_env()
    assert env["PYTHONPATH"].split(os.pathsep) == [str(ROOT), str(tmp_path)]
    assert launch.worker_env() == env
    out = subprocess.run([sys.executable, "-c", "import core, sys; print(core.__file__)"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, check=True).stdout
    assert Path(out.strip()).resolve().is_relative_to(ROOT)


def test_no_second_copy_of_the_child_path():
    for path in _sources("core/**/*.py", "workers/**/*.py", "studio/**/*.py"):
        if path.relative_to(ROOT).as_posix() == "core/jobs/child_env.py":
            continue
        assert "PYTHONPATH" not in path.read_text(), f"{path.relative_to(ROOT)} builds a child's PYTHONPATH"


# -- how a job ended ----------------------------------------------------------------------------
def test_a_killed_worker_is_named_for_any_verb(make_seg_project, monkeypatch, capsys):
    """The launcher says which signal killed a worker and how to go on, whatever the verb."""
    from studio.cli import main

    project = make_seg_project(num_images=4)
    _stand_in(monkeypatch, launch, "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    code, events = launch.run_job("export", project.root, run=None)
    assert code == 128 + signal.SIGKILL
    assert events[-1]["event"] == "error" and events[-1]["kind"] == "killed" and events[-1]["signal"] == "SIGKILL"
    assert "The export worker (process" in events[-1]["message"]
    assert "was killed by SIGKILL" in events[-1]["message"] and "start it again" in events[-1]["message"]

    create_run(project, "r", tiny_spec())
    for verb, again in (("train", f"run `studio train {project.root} --run r` to resume from its last checkpoint"),
                        ("evaluate", "run the same command to start it again")):
        capsys.readouterr()
        assert main([verb, str(project.root), "--run", "r"]) == 128 + signal.SIGKILL
        err = capsys.readouterr().err
        assert f"The {verb} worker (process" in err and "was killed by SIGKILL" in err and again in err
    # a worker that exits without a word is not silent either
    _stand_in(monkeypatch, launch, "import sys; sys.exit(3)")
    code, events = launch.run_job("infer", project.root)
    assert code == 3 and "ended with exit code 3 without saying why" in events[-1]["message"]


def test_job_state_has_one_rule():
    assert state.ended_status({"event": "done", "status": "stopped"}) == "stopped"
    assert state.ended_status({"event": "done"}) == "done"
    assert state.ended_status({"event": "error", "message": "x"}) == "failed"
    assert state.ended_status(None) == "failed"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    assert state.recorded_status("running", dead.pid) == "interrupted"
    assert state.recorded_status("running", os.getpid()) == "running"
    assert state.recorded_status("done", dead.pid) == "done"
    assert state.run_status("running", ("running", dead.pid)) == "interrupted"
    assert state.run_status("running", None) == "interrupted"
    assert state.run_status("stopped", None) == "stopped"
    # nowhere else decides that a job or run was interrupted
    derives = re.compile(r"""(status\s*=|return|else|\()\s*["']interrupted["']""")
    for path in _sources("core/**/*.py", "workers/**/*.py", "studio/**/*.py"):
        if path.relative_to(ROOT).as_posix() == "core/jobs/state.py":
            continue
        assert not derives.search(path.read_text()), f"{path.relative_to(ROOT)} decides 'interrupted' itself"


# -- the CPU/GPU profile ------------------------------------------------------------------------
def test_one_profile_rule_for_cli_and_gui_without_torch(monkeypatch, capsys):
    import core.hardware as hardware
    from core.families import spec_lookup
    from studio.cli import main

    for likely, backbone in ((True, "resnet50"), (False, "resnet18")):
        monkeypatch.setattr(hardware, "gpu_likely", lambda likely=likely: likely)
        assert main(["spec", "default", "--task", "instance_segmentation"]) == 0
        assert f"backbone: {backbone}" in capsys.readouterr().out
        assert hardware.default_profile() == spec_lookup.default_profile() == ("gpu" if likely else "cpu")
    monkeypatch.undo()
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert hardware.gpu_likely() is False
    code = ("import sys; import core.hardware as h, studio.commands.spec, studio.commands.train; "
            "h.resolve_profile('auto'); h.torch_built_with_cuda(); "
            "sys.exit(1 if 'torch' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=child_env()).returncode == 0
    for path in _sources("studio/**/*.py", "core/families/*.py", "core/specs/*.py"):
        assert "torch.cuda" not in path.read_text(), f"{path.relative_to(ROOT)} asks torch for the profile"


def test_torch_cuda_build_is_read_from_its_version_file(monkeypatch, tmp_path):
    import importlib.util

    import core.hardware as hardware

    pkg = tmp_path / "torch"
    pkg.mkdir()
    for text, expected in (("cuda: Optional[str] = '13.0'\n", True), ("cuda: Optional[str] = None\n", False),
                           ("cuda = '12.1'\n", True)):
        (pkg / "version.py").write_text("from typing import Optional\n" + text)
        fake = importlib.util.spec_from_file_location("torch", pkg / "__init__.py",
                                                      submodule_search_locations=[str(pkg)])
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, fake=fake: fake)
        assert hardware.torch_built_with_cuda() is expected, text
