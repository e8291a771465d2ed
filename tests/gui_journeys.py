"""Helpers of the pytest-qt journeys through the real main window with the toy family
(tests/toy_family: trains in milliseconds, known only through STUDIO_FAMILIES)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QThreadPool

TOY = "tests.toy_family"
LOAD_MS = 90_000


def toy_trained(tmp_path: Path, name: str = "a", total_steps: int = 20, eval_every: int = 10,
                log_every: int = 2, onnx: bool = False) -> Path:
    """A toy project with run "r" trained in this process (events.jsonl as a worker writes it)."""
    from core.families import get_family
    from core.project import runs
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run
    from test_family_contract import make_project
    from workers.channel import WorkerReporter

    project = make_project(tmp_path, per_class=8, name=name)
    spec = get_family("toy_colors").default_spec("cpu")
    spec.train = spec.train.with_total_steps(total_steps)
    spec.train.num_steps_per_eval, spec.train.log_interval = eval_every, log_every
    create_run_from_spec(project, "r", spec)
    reporter = WorkerReporter("train", None, project.run_dir("r") / "events.jsonl")
    train_run(project, "r", reporter)
    reporter.close()
    if onnx:
        from core.runtime.convert import checkpoint_to_onnx

        final = project.run_dir("r") / "checkpoints" / "model.pt"
        path = checkpoint_to_onnx(final, project.run_dir("r") / "exports" / "model.onnx").path
        runs.add_artifact(project, runs.get_run(project, "r").id, "onnx", path, fmt="onnx", precision="fp32",
                          meta={"source": str(final)})
    root = project.root
    project.close()
    return root


def main_window(qtbot, size=(1280, 800)):
    from studio.main_window import MainWindow

    w = MainWindow()     # not qtbot.addWidget: pytest-qt closes its widgets before fixtures end, and a window
    w.resize(*size)      # closed with a job still running asks a modal question; `close_window` closes it
    w.show()
    qtbot.waitExposed(w)
    return w


def close_window(w) -> None:
    """Stop what the test left running (a job still alive is killed: closing the window would ask)."""
    w.page("preview").preview.stop()
    w.jobs.stop_all(grace_ms=2000)
    if not w.jobs.wait_all(60_000):
        for job in w.jobs.active():
            job.process.kill()
            job.process.waitForFinished(10_000)
    left = w.jobs.active()
    for job in left:       # never let the window's close ask "Jobs are running": a modal question waits forever
        job.status = "failed"
    QThreadPool.globalInstance().waitForDone(60_000)
    w.close()
    w.deleteLater()
    assert not left, f"jobs still running when the test ended: {[j.title for j in left]}"


def legend_texts(plot) -> list[str]:
    return [label.text for _sample, label in plot.legend.items]


def tree_rows(tree) -> list[list[str]]:
    return [[tree.topLevelItem(i).text(c) for c in range(tree.columnCount())]
            for i in range(tree.topLevelItemCount())]
