"""The Runs page: runs listed with family, backbone, parent, status (interrupted included), best
metrics and duration; two selected runs overlay their curves with a difference column; open
folder; delete after a confirmation that names what goes, refused while a job runs."""
import json
import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QMessageBox

from conftest import create_run, tiny_spec
from core.project import runs
from studio.controllers.jobs import JobController
from studio.pages.runs import RunsPage
from studio.session import Session


def _fake_trained(project, name, losses, metrics, parent=None, status="done"):
    """A run as the trainer leaves it: spec, events.jsonl, metrics rows, a finished job."""
    spec = tiny_spec(total_steps=len(losses))
    create_run(project, name, spec)
    if parent:
        project.conn.execute("UPDATE runs SET parent_run = ? WHERE name = ?", (parent, name))
        project.conn.commit()
    run = runs.get_run(project, name)
    events = project.run_dir(name) / "events.jsonl"
    with open(events, "w") as f:
        for step, loss in enumerate(losses, 1):
            f.write(json.dumps({"event": "metric", "values": {"loss_mask": loss / 2, "loss": loss, "lr": 0.01,
                                                             "samples_per_s": 4.0},
                                "step": step, "phase": "train", "time": 1.0, "job": "train"}) + "\n")
        f.write(json.dumps({"event": "metric", "values": {**metrics, "APl": -1.0}, "step": len(losses),
                            "phase": "eval", "job": "train"}) + "\n")
        f.write(json.dumps({"event": "done", "status": status, "step": len(losses), "job": "train"}) + "\n")
    runs.record_metrics(project, run.id, metrics, step=len(losses), split="val")
    job = runs.start_job(project, run.id, "train")
    runs.finish_job(project, job, status)
    runs.update_run(project, name, status=status, step=len(losses))
    return run


def _page(qtbot, root):
    session, jobs = Session(), JobController()
    page = RunsPage(session, jobs)
    qtbot.addWidget(page)
    page.resize(1100, 760)
    page.show()
    session.open_project(root)
    return page


def _column(page, title):
    cols = page.table.columns()
    return {page.table.item(r, 0).text(): page.table.item(r, cols.index(title)).text()
            for r in range(page.table.rowCount())}


def _project(make_seg_project):
    project = make_seg_project(num_images=6)
    _fake_trained(project, "a", [2.0, 1.5, 1.2, 1.0], {"AP": 0.20, "mask_AP": 0.10})
    _fake_trained(project, "b", [2.2, 1.4, 1.0, 0.8, 0.7], {"AP": 0.25, "mask_AP": 0.15}, parent="a")
    create_run(project, "c", tiny_spec())        # killed: 'running' with a dead process
    runs.update_run(project, "c", status="running")
    job = runs.start_job(project, runs.get_run(project, "c").id, "train")
    runs.update_job(project, job, pid=2 ** 22 + 12345)
    return project


def test_lists_runs_with_status_metrics_and_facts(qtbot, make_seg_project):
    page = _page(qtbot, _project(make_seg_project).root)
    assert page.table.rowCount() == 3 and not page.empty.isVisible()
    assert _column(page, "Status") == {"a": "done", "b": "done", "c": "interrupted"}
    assert _column(page, "best mask_AP") == {"a": "0.100", "b": "0.150", "c": "-"}
    assert _column(page, "best AP") == {"a": "0.200", "b": "0.250", "c": "-"}
    assert _column(page, "Backbone") == {"a": "resnet18", "b": "resnet18", "c": "resnet18"}
    assert _column(page, "Parent") == {"a": "", "b": "a", "c": ""}
    assert _column(page, "Family")["a"] == "Instance segmentation"
    assert _column(page, "Steps")["b"] == "5 / 5"
    assert _column(page, "Duration")["a"].endswith("s")
    # sorting by the metric sorts numbers (and the missing value last)
    page.table.sortItems(page.table.columns().index("best mask_AP"), Qt.SortOrder.DescendingOrder)
    assert [page.table.item(r, 0).text() for r in range(3)][:2] == ["b", "a"]


def test_two_runs_overlay_curves_and_show_differences(qtbot, make_seg_project):
    page = _page(qtbot, _project(make_seg_project).root)
    page.table.select_names({"a"})
    cmp = page.compare
    assert cmp.table.columnCount() == 1 and "select a second run" in cmp.hint.text()
    page.table.select_names({"a", "b"})
    assert page.table.selected_names() == ["a", "b"]
    assert "Comparing a and b" in cmp.hint.text()
    qtbot.waitUntil(lambda: cmp.curve_plot.point_count("a/loss") == 4 and cmp.curve_plot.point_count("b/loss") == 5,
                    timeout=3000)
    qtbot.waitUntil(lambda: cmp.eval_plot.point_count("b/eval/mask_AP") == 1, timeout=3000)
    headers = [cmp.table.horizontalHeaderItem(i).text() for i in range(cmp.table.columnCount())]
    assert headers == ["a", "b", "difference"]
    labels = [cmp.table.verticalHeaderItem(i).text() for i in range(cmp.table.rowCount())]
    row = {lab: [cmp.table.item(i, j).text() if cmp.table.item(i, j) else "" for j in range(3)]
           for i, lab in enumerate(labels)}
    assert labels[0] == "best mask_AP"
    assert row["best mask_AP"] == ["0.100", "0.150", "+0.050"]
    assert row["best AP"] == ["0.200", "0.250", "+0.050"]
    assert row["final loss"] == ["1", "0.7", "−0.3"]
    assert row["status"][:2] == ["done", "done"]
    # another curve: the mask loss of both runs
    cmp.series_combo.setCurrentIndex(cmp.series_combo.findData("loss_mask"))
    qtbot.waitUntil(lambda: cmp.curve_plot.point_count("b/loss_mask") == 5, timeout=3000)
    assert "a/loss" not in cmp.curve_plot.curves


def test_open_folder(qtbot, make_seg_project, monkeypatch):
    project = _project(make_seg_project)
    page = _page(qtbot, project.root)
    opened = []
    monkeypatch.setattr("studio.pages.runs.QDesktopServices.openUrl", lambda url: opened.append(url.toLocalFile()))
    page.table.select_names({"b"})
    qtbot.mouseClick(page.open_button, Qt.MouseButton.LeftButton)
    assert opened == [str(project.run_dir("b"))]


def test_delete_asks_names_the_run_and_removes_rows_and_folder(qtbot, make_seg_project, monkeypatch):
    project = _project(make_seg_project)
    page = _page(qtbot, project.root)
    asked = []
    answer = [QMessageBox.StandardButton.Cancel]

    def question(_parent, title, text, *args):
        asked.append((title, text))
        return answer[0]

    monkeypatch.setattr("studio.pages.runs.QMessageBox.question", question)
    page.table.select_names({"a"})
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    title, text = asked[-1]
    assert title == "Delete run a?" and "runs/a/" in text and "files" in text
    assert "runs derived from it (b)" in text
    assert project.run_dir("a").exists() and page.table.rowCount() == 3     # cancelled: nothing changed

    answer[0] = QMessageBox.StandardButton.Yes
    changed = []
    page.session.runs_changed.connect(lambda: changed.append(1))
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert changed and not project.run_dir("a").exists()
    assert runs.find_run(project, "a") is None
    assert [page.table.item(r, 0).text() for r in range(page.table.rowCount())] == ["b", "c"]
    assert project.conn.execute("SELECT COUNT(*) FROM metrics WHERE run_id NOT IN (SELECT id FROM runs)"
                                ).fetchone()[0] == 0


def test_delete_refused_while_a_job_runs(qtbot, make_seg_project, monkeypatch):
    project = _project(make_seg_project)
    job = runs.start_job(project, runs.get_run(project, "b").id, "evaluate")   # alive: this process
    assert runs.list_jobs(project)[-1].pid == os.getpid()
    page = _page(qtbot, project.root)
    monkeypatch.setattr("studio.pages.runs.QMessageBox.question",
                        lambda *a: (_ for _ in ()).throw(AssertionError("must not ask")))
    page.table.select_names({"b"})
    page.delete_selected()
    assert "b is still running" in page.message.text()
    assert project.run_dir("b").exists() and runs.find_run(project, "b") is not None
    runs.finish_job(project, job, "done")


def test_empty_project_says_how_to_start(qtbot, make_seg_project):
    page = _page(qtbot, make_seg_project(num_images=6).root)
    assert page.table.rowCount() == 0 and page.empty.isVisible()
    assert "Train page" in page.empty.text()


def test_one_selected_run_shows_its_confusion_matrix_picture(qtbot, make_seg_project):
    from core.metrics.classification_report import classification_report, write_confusion

    project = _project(make_seg_project)
    _, png = write_confusion(classification_report([(1, 1), (1, 2), (2, 2)], {1: "fist", 2: "palm"}),
                             project.run_dir("a") / "eval")
    page = _page(qtbot, project.root)
    cmp = page.compare
    page.table.select_names({"a"})
    assert cmp.confusion.isVisibleTo(page) and cmp.confusion.picture.size() == QPixmap(str(png)).size()
    # beside the table, never taller or wider than its pane: the curves keep their height
    page.resize(1024, 600)
    qtbot.waitUntil(lambda: cmp.confusion.pixmap().height() <= cmp.confusion.height())
    shown = cmp.confusion.pixmap().size()
    assert shown.width() <= cmp.confusion.width() and shown.height() <= cmp.confusion.height()
    assert cmp.body.indexOf(cmp.confusion) == 2
    page.table.select_names({"b"})                    # no evaluation picture
    assert not cmp.confusion.isVisibleTo(page)
    page.table.select_names({"a", "b"})               # comparing two: no single matrix to show
    assert not cmp.confusion.isVisibleTo(page)
