import json

from core.jobs.events import EventLog, read_events, trim_after_step
from core.jobs.reporter import RecordingReporter


def test_partial_last_line_is_skipped_and_repaired(tmp_path):
    path = tmp_path / "events.jsonl"
    path.write_text('{"event":"progress","step":1}\n{"event":"progress","st')
    assert read_events(path) == [{"event": "progress", "step": 1}]
    log = EventLog(path)
    log.append({"event": "progress", "step": 2})
    log.close()
    assert [e["step"] for e in read_events(path)] == [1, 2]


def test_trim_after_step_keeps_stepless_events(tmp_path):
    path = tmp_path / "events.jsonl"
    log = EventLog(path)
    for s in range(1, 6):
        log.append({"event": "metric", "step": s, "values": {"loss": 1.0 / s}})
    log.append({"event": "log", "message": "hello"})
    dropped = log.trim_after_step(3)
    log.append({"event": "metric", "step": 4, "values": {"loss": 0.2}})
    log.close()
    assert dropped == 2
    events = read_events(path)
    assert [e.get("step") for e in events] == [1, 2, 3, None, 4]
    assert trim_after_step(path, 0) == 4


def test_reporter_paces_progress_but_not_completion():
    r = RecordingReporter()
    r.min_progress_interval_s = 10.0
    r.progress(1, 100)
    r.progress(2, 100)          # dropped: too soon
    r.progress(3, 100, force=True)
    r.progress(100, 100)        # completion always gets through
    assert [e["done"] for e in r.of("progress")] == [1, 3, 100]
    r.request_stop()
    assert r.should_stop()
    json.dumps(r.events)
