"""The worker protocol for real: a train worker killed with SIGKILL resumes at the right step,
and its events file has no duplicated steps."""
import json
import os
import signal

import pytest

from conftest import ROOT, create_run, tiny_spec
from core.jobs.events import read_events
from core.jobs.launch import JobProcess, log_path_for, worker_command
from core.project import runs
from core.models import checkpoint as ckpt


def _start(project, run):
    log = log_path_for(project.root, "train", run)
    return JobProcess(worker_command("train", project.root, run=run, log=log), log)


def test_kill_9_resumes_at_the_right_step_without_duplicated_steps(make_seg_project):
    project = make_seg_project()
    create_run(project, "k", tiny_spec(total_steps=10, checkpoint_interval=3))
    job = _start(project, "k")
    seen = []
    for event in job.events():
        seen.append(event)
        if event.get("event") == "metric" and event.get("step") == 5:
            os.kill(job.pid, signal.SIGKILL)  # between checkpoints 3 and 6
            break
    assert job.wait() == -signal.SIGKILL
    assert ckpt.step_checkpoints(project.run_dir("k"))[0][0] == 3
    assert runs.get_run(project, "k").status == "running"  # it never got to say otherwise

    job = _start(project, "k")
    resumed = list(job.events())
    assert job.wait() == 0
    done = resumed[-1]
    assert done["event"] == "done" and done["status"] == "done" and done["step"] == 10
    first_train = [e["step"] for e in resumed if e.get("event") == "metric" and e.get("phase") == "train"]
    assert first_train[0] == 4  # lost at most one checkpoint interval (steps 4 and 5)
    events = read_events(project.run_dir("k") / "events.jsonl")
    steps = [e["step"] for e in events if e.get("event") == "metric" and e.get("phase") == "train"]
    assert steps == list(range(1, 11))
    assert runs.get_run(project, "k").status == "done"


def test_stop_line_saves_a_checkpoint_and_exits_cleanly(make_seg_project):
    project = make_seg_project()
    create_run(project, "s", tiny_spec(total_steps=40, checkpoint_interval=100))
    job = _start(project, "s")
    events = []
    for event in job.events():
        events.append(event)
        if event.get("event") == "metric" and event.get("step") == 2:
            job.request_stop()
    assert job.wait() == 0
    assert events[-1]["event"] == "done" and events[-1]["status"] == "stopped"
    step = events[-1]["step"]
    assert 2 <= step < 40
    assert ckpt.step_checkpoints(project.run_dir("s"))[0][0] == step
    assert runs.get_run(project, "s").status == "stopped"
    # library output went to the log, never into the event stream
    assert all(isinstance(e, dict) and "event" in e for e in events)


def test_errors_arrive_as_events_with_a_sentence(make_seg_project):
    project = make_seg_project()
    log = log_path_for(project.root, "train", None)
    job = JobProcess(worker_command("train", project.root, run="nope", log=log), log)
    events = list(job.events())
    assert job.wait() == 1
    assert events[-1]["event"] == "error"
    assert "There is no run named 'nope'" in events[-1]["message"]
    # a crash before the job row exists still explains itself; the log holds the details
    assert log.exists()


def test_a_stop_inside_a_job_ends_it_as_stopped_not_failed(make_seg_project, monkeypatch):
    """A core function that gives up on a stop request (JobStopped) ends the job cleanly."""
    import io

    import workers.evaluate_job as evaluate_job
    from core.errors import JobStopped
    from workers import job as job_frame
    from workers.channel import WorkerReporter

    project = make_seg_project()
    create_run(project, "e", tiny_spec())

    def stopped(project, args, reporter):
        raise JobStopped("Evaluation was stopped before it finished; nothing was stored.")

    monkeypatch.setattr(evaluate_job, "run", stopped)
    monkeypatch.setattr(WorkerReporter, "listen_for_stop", lambda self, stream=None: None)
    channel = io.StringIO()
    assert job_frame.main(["evaluate", "--project", str(project.root), "--run", "e"], channel) == 0
    events = [json.loads(line) for line in channel.getvalue().splitlines()]
    assert events[-1]["event"] == "done" and events[-1]["status"] == "stopped"
    assert "nothing was stored" in events[-1]["message"]
    assert not [e for e in events if e["event"] == "error"]
    assert [j.status for j in runs.list_jobs(project)] == ["stopped"]


def test_a_second_trainer_of_the_same_run_is_refused_and_touches_nothing(make_seg_project):
    project = make_seg_project()
    create_run(project, "busy", tiny_spec(total_steps=400, checkpoint_interval=100))
    first = _start(project, "busy")
    for event in first.events():
        if event.get("event") == "metric" and event.get("step") == 2:
            break
    events_file = project.run_dir("busy") / "events.jsonl"
    second = _start(project, "busy")
    refused = list(second.events())
    assert second.wait() == 1
    assert refused[-1]["event"] == "error"
    assert f"already has a train job running (process {first.pid})" in refused[-1]["message"]
    assert not [e for e in read_events(events_file) if e["event"] == "error"]   # the run's events are the first's
    assert runs.get_run(project, "busy").status == "running"
    assert [j.status for j in runs.list_jobs(project)] == ["running"]            # no job row for the refusal
    first.request_stop()
    for _ in first.events():
        pass
    assert first.wait() == 0 and runs.get_run(project, "busy").status == "stopped"
    # the lock went with the process: the run resumes
    again = _start(project, "busy")
    for event in again.events():
        if event.get("event") == "metric" and event.get("phase") == "train":
            again.request_stop()
    assert again.wait() == 0 and runs.get_run(project, "busy").status == "stopped"


def test_the_lock_goes_with_a_killed_process(tmp_path):
    import subprocess
    import sys

    from core.errors import RunError
    from core.jobs.lock import exclusive_lock

    path = tmp_path / ".train.lock"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, %r)\n"
        "from core.jobs.lock import exclusive_lock\n"
        "with exclusive_lock(%r, 'busy'):\n"
        "    print('held', flush=True); time.sleep(60)\n") % (str(ROOT), str(path))],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(RunError, match=f"held by {holder.pid}"):
        with exclusive_lock(path, "held by {pid}"):
            pass
    holder.kill()
    holder.wait()
    with exclusive_lock(path, "held by {pid}"):
        assert path.read_text() == str(os.getpid())


def _studio_train(project, run):
    """`studio train DIR --run R` in a process of its own; returns it once the first step is printed."""
    import subprocess
    import sys

    from core.jobs.child_env import child_env

    cli = subprocess.Popen([sys.executable, "-m", "studio.cli", "train", str(project.root), "--run", run],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env(), cwd=ROOT)
    for line in cli.stdout:
        if line.startswith("step "):
            return cli
    raise AssertionError(f"studio train ended before its first step: {cli.stderr.read()}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_to_studio_train_stops_its_worker_with_a_checkpoint(make_seg_project, sig):
    """`timeout 20 studio train ...` or a closed terminal: the worker stops as on Ctrl+C (a
    checkpoint first) instead of training on alone with PPID 1 and the run's lock."""
    import time

    from core.jobs.state import process_alive

    project = make_seg_project()
    create_run(project, "t", tiny_spec(total_steps=400, checkpoint_interval=100))
    cli = _studio_train(project, "t")
    worker = runs.list_jobs(project)[-1].pid
    assert worker != cli.pid and process_alive(worker)
    t0 = time.monotonic()
    cli.send_signal(sig)
    out, err = cli.communicate(timeout=60)
    took = time.monotonic() - t0
    assert not process_alive(worker), "the worker outlived its launcher"
    assert took < 30, f"stopping took {took:.1f} s"
    assert cli.returncode == 128 + sig
    run = runs.get_run(project, "t")
    assert run.status == "stopped" and 1 <= run.step < 400
    assert ckpt.step_checkpoints(project.run_dir("t"))[0][0] == run.step    # saved on the way out
    assert f"Stopped the train job at step {run.step} on {signal.Signals(sig).name} (a checkpoint was saved)" in err
    assert f"run `studio train {project.root} --run t` to resume" in err
    assert "Traceback" not in err


def test_a_worker_killed_with_sigkill_is_named_with_the_way_to_resume(make_seg_project):
    project = make_seg_project()
    create_run(project, "k9", tiny_spec(total_steps=400, checkpoint_interval=100))
    cli = _studio_train(project, "k9")
    worker = runs.list_jobs(project)[-1].pid
    os.kill(worker, signal.SIGKILL)
    out, err = cli.communicate(timeout=60)
    assert cli.returncode == 128 + signal.SIGKILL        # not a silent 247
    assert f"The train worker (process {worker}) was killed by SIGKILL" in err
    assert f"run `studio train {project.root} --run k9` to resume from its last checkpoint" in err
    assert "Traceback" not in err


def test_a_worker_whose_launcher_was_killed_stops_with_a_checkpoint(make_seg_project):
    """SIGKILL cannot be caught by the launcher; the worker sees its stdin pipe close and stops."""
    import time

    from core.jobs.state import process_alive

    project = make_seg_project()
    create_run(project, "orphan", tiny_spec(total_steps=400, checkpoint_interval=100))
    cli = _studio_train(project, "orphan")
    worker = runs.list_jobs(project)[-1].pid
    cli.kill()
    cli.wait()
    deadline = time.monotonic() + 60
    while process_alive(worker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not process_alive(worker), "the worker trains on without its launcher"
    run = runs.get_run(project, "orphan")
    assert run.status == "stopped" and ckpt.step_checkpoints(project.run_dir("orphan"))[0][0] == run.step
    assert any("launcher went away" in e.get("message", "") for e in read_events(project.run_dir("orphan") /
                                                                                 "events.jsonl"))
