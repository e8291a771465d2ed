"""The Projects page and the new-project wizard, driven with qtbot (offscreen)."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QWizard

from core.project import Project, catalog, runs
from gui_journeys import close_window
from studio.settings import add_recent_project, recent_projects

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


MEASURED = []   # specs whose training step the fake measurement "timed"


@pytest.fixture(autouse=True)
def measured_step(monkeypatch):
    """The step timing child process is tested in test_step_timing; here a step "takes" 0.5 s."""
    MEASURED.clear()

    def fake(task, spec, reporter=None):
        MEASURED.append((task, spec.train.batch_size))
        return 0.5
    monkeypatch.setattr("studio.wizard.step_estimate.measure", fake)


@pytest.fixture
def window(qtbot):
    from studio.main_window import MainWindow

    w = MainWindow()      # closed by close_window, after its jobs (see gui_journeys.main_window)
    w.show()
    yield w
    close_window(w)     # no job or background check outlives its test


def click(qtbot, widget):
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def next_button(wiz):
    return wiz.button(QWizard.WizardButton.NextButton)


def go_next(qtbot, wiz):
    assert next_button(wiz).isEnabled(), "Next is blocked"
    click(qtbot, next_button(wiz))


def open_wizard(qtbot, window, tmp_path, name="shapes", family="instance_segmentation"):
    wiz = window.page("projects").new_project()
    qtbot.waitUntil(wiz.isVisible)
    fam = wiz.family_page
    item = fam.list.item([i.name for i in fam.infos].index(family))
    qtbot.mouseClick(fam.list.viewport(), Qt.MouseButton.LeftButton, pos=fam.list.visualItemRect(item).center())
    assert fam.family().name == family
    go_next(qtbot, wiz)
    loc = wiz.location_page
    loc.parent_folder.setText(str(tmp_path))
    loc.name.selectAll()
    qtbot.keyClicks(loc.name, name)
    return wiz


def tick(qtbot, button):
    """Click a check box or radio button on its indicator (its right part is empty space)."""
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(8, button.height() // 2))


def choose(qtbot, wiz, key):
    tick(qtbot, wiz.import_page.buttons[key])
    assert wiz.import_page.current_key() == key


def test_wizard_creates_a_project_from_the_sample_data(qtbot, window, tmp_path):
    wiz = open_wizard(qtbot, window, tmp_path)
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    form = wiz.import_page.forms["sample"]
    form.images.setValue(12)
    form.size.setValue(64)
    wiz.import_page.val.setValue(25)
    go_next(qtbot, wiz)
    assert wiz.currentPage() is wiz.model_page
    qtbot.waitUntil(wiz.model_page.isComplete, timeout=60_000)   # torch loads off the GUI thread
    assert wiz.model_page.backbone.currentText() == "resnet18"
    go_next(qtbot, wiz)
    review = wiz.review_page
    assert review.editor.isHidden()                              # a summary, the YAML behind a button
    summary = review.summary.text()
    for words in ("Mask R-CNN, resnet18 backbone, CPU profile", "none: the model starts from random weights",
                  "2,000 steps of 4 images at 64 px", "Estimated time"):
        assert words in summary, words
    click(qtbot, review.yaml_button)
    assert review.editor.isVisible()
    assert "total_steps: 2000" in review.editor.toPlainText()   # the sample data gets the demo's CPU schedule
    review.editor.setPlainText(review.editor.toPlainText().replace("total_steps: 2000", "total_steps: 7"))
    tick(qtbot, review.start)
    assert not review.start.isChecked()
    finish = wiz.button(QWizard.WizardButton.FinishButton)
    assert finish.text().replace("&", "") == "Create project"
    # a decay the user typed past the end of the run is refused with its sentence
    text = review.editor.toPlainText()
    review.editor.setPlainText(text.replace("learning_rate_steps: [1400, 1800]", "learning_rate_steps: [4, 1800]"))
    click(qtbot, finish)
    assert "train.learning_rate_steps must be below train.total_steps (7), got 1800" in review.message.text()
    assert wiz.isVisible() and not (tmp_path / "shapes").exists()
    # only the run's length changed: warmup and decays follow it (no hand edits for a short run)
    review.editor.setPlainText(text)
    with qtbot.waitSignal(wiz.created, timeout=60_000) as created:
        click(qtbot, finish)
    root = tmp_path / "shapes"
    assert created.args[0].root == root
    project = window.session.project
    assert project is not None and project.root == root
    assert len(catalog.images(project)) == 12 and catalog.categories(project)
    assert catalog.split_sizes(project)["val"] == 3 and catalog.split_sizes(project)["unassigned"] == 0
    run = runs.get_run(project, "run-001")
    assert run.total_steps == 7 and run.status == "created"
    spec_text = (root / "runs" / "run-001" / "spec.yaml").read_text()
    assert "total_steps: 7" in spec_text and "warmup_steps: 1 " in spec_text
    assert "learning_rate_steps: [5, 6]" in spec_text
    assert not wiz.isVisible() and str(root) in recent_projects()
    assert window.stack.currentWidget() is window.page("data")


def test_finish_can_start_training_and_show_the_train_page(qtbot, window, tmp_path):
    from conftest import tiny_spec
    from core.specs import spec_to_yaml

    wiz = open_wizard(qtbot, window, tmp_path, name="train-me")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    wiz.import_page.forms["sample"].images.setValue(8)
    wiz.import_page.forms["sample"].size.setValue(64)
    go_next(qtbot, wiz)
    qtbot.waitUntil(wiz.model_page.isComplete, timeout=60_000)
    go_next(qtbot, wiz)
    wiz.review_page.editor.setPlainText(spec_to_yaml(tiny_spec(total_steps=4)))
    assert wiz.review_page.start.isChecked()
    with qtbot.waitSignal(wiz.created, timeout=60_000):
        click(qtbot, wiz.button(QWizard.WizardButton.FinishButton))
    job = wiz.job
    assert job is not None and (job.verb, job.run) == ("train", "run-001")
    assert window.stack.currentWidget() is window.page("train")
    dash = window.page("train").dashboard
    assert dash.job is job                                   # the Train page follows the wizard's job
    qtbot.waitUntil(lambda: job.progress is not None, timeout=60_000)   # training steps are reported
    qtbot.waitUntil(lambda: dash.loss_plot.point_count("loss") > 0, timeout=60_000)   # live, on its curves
    with qtbot.waitSignal(job.finished, timeout=60_000):
        job.stop(grace_ms=20_000)
    assert job.status in ("stopped", "done"), job.message
    assert runs.get_run(window.session.project, "run-001").status in ("stopped", "done")


def test_back_keeps_what_was_entered(qtbot, window, tmp_path):
    wiz = open_wizard(qtbot, window, tmp_path, name="keep-me")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    wiz.import_page.forms["sample"].images.setValue(33)
    click(qtbot, wiz.button(QWizard.WizardButton.BackButton))
    assert wiz.location_page.name.text() == "keep-me"
    click(qtbot, wiz.button(QWizard.WizardButton.BackButton))
    go_next(qtbot, wiz)    # re-entering the location page keeps the typed name
    assert wiz.location_page.name.text() == "keep-me"
    go_next(qtbot, wiz)
    assert wiz.import_page.current_key() == "sample"
    assert wiz.import_page.forms["sample"].images.value() == 33


def test_bad_name_or_folder_shows_a_sentence_and_blocks_next(qtbot, window, tmp_path):
    wiz = open_wizard(qtbot, window, tmp_path, name="a/b")
    loc = wiz.location_page
    assert "cannot contain '/'" in loc.message.text() and loc.message.kind == "error"
    assert not next_button(wiz).isEnabled()
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "file.txt").write_text("x")
    loc.name.setText("taken")
    assert "not empty" in loc.message.text() and not next_button(wiz).isEnabled()
    loc.parent_folder.setText(str(tmp_path / "taken" / "file.txt"))
    assert "is a file, not a folder" in loc.message.text() and not next_button(wiz).isEnabled()
    loc.parent_folder.setText(str(tmp_path))
    loc.name.setText("fresh")
    assert loc.message.kind == "hint" and next_button(wiz).isEnabled()


def test_a_bad_coco_file_shows_the_report_and_blocks_next(qtbot, window, tmp_path):
    from data_fixtures import write_json, write_png

    wiz = open_wizard(qtbot, window, tmp_path / "projects")
    go_next(qtbot, wiz)
    page = wiz.import_page
    choose(qtbot, wiz, "coco")
    assert not next_button(wiz).isEnabled() and page.message.text() == \
        "Choose the COCO instances or person_keypoints .json file."
    assert page.message.kind == "hint"            # what to do first: not an error before any input
    click(qtbot, page.check_button)               # checking nothing is an error
    assert page.message.kind == "error"
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": [')
    page.forms["coco"].fields["annotations"].setText(str(bad))
    click(qtbot, page.check_button)
    qtbot.waitUntil(lambda: "not valid JSON" in page.message.text())
    assert page.message.kind == "error" and not next_button(wiz).isEnabled()

    write_json(bad, {"images": [{"id": 1, "file_name": "missing.png", "width": 8, "height": 8}],
                     "annotations": [], "categories": [{"id": 1, "name": "cat"}]})
    click(qtbot, page.check_button)
    qtbot.waitUntil(lambda: page.table.rowCount() > 0)
    actions = [row[0] for row in page.table.rows()]
    assert actions[0] == "rejected" and "skipped" in actions
    assert "cannot be imported: Nothing to import" in page.message.text()
    assert not next_button(wiz).isEnabled()

    write_png(tmp_path / "missing.png", 8, 8)
    page.forms["coco"].fields["images"].setText(str(tmp_path))   # changed inputs: must be checked again
    assert "changed since it was checked" in page.message.text() and not next_button(wiz).isEnabled()
    click(qtbot, page.check_button)
    qtbot.waitUntil(lambda: page.table.rowCount() == 0 and "checking" not in page.message.text())
    assert "1 image is too few for a validation split of 20%" in page.message.text()   # one image cannot be split
    assert not next_button(wiz).isEnabled()
    page.val.setValue(0)
    assert "Ready to import: 1 image, 0 annotations, 1 category (cat)" in page.message.text()
    assert page.message.kind == "ok" and next_button(wiz).isEnabled()


def test_weights_are_checked_off_the_gui_thread(qtbot, window, tmp_path):
    import torch
    from torchvision.models import resnet

    wiz = open_wizard(qtbot, window, tmp_path)
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")   # data: a run will be made, so its model is chosen
    go_next(qtbot, wiz)
    model = wiz.model_page
    qtbot.waitUntil(model.isComplete, timeout=60_000)
    torch.save({k: torch.zeros(1) for k in resnet.resnet50(weights=None).state_dict()}, tmp_path / "r50.pth")
    model.set_weights(str(tmp_path / "r50.pth"))
    # the check is a child Python that imports torch: seconds on a busy 2-core machine
    qtbot.waitUntil(lambda: model.weights_message.kind == "error", timeout=60_000)
    assert "holds resnet50 weights but the backbone is resnet18" in model.weights_message.text()
    assert not next_button(wiz).isEnabled()
    model.backbone.setCurrentText("resnet50")
    model.backbone.activated.emit(model.backbone.currentIndex())
    qtbot.waitUntil(lambda: model.weights_message.kind == "ok", timeout=60_000)
    assert next_button(wiz).isEnabled()
    go_next(qtbot, wiz)
    assert f"pretrained: {tmp_path / 'r50.pth'}" in wiz.review_page.editor.toPlainText()
    assert "backbone: resnet50" in wiz.review_page.editor.toPlainText()


def test_the_weights_list_offers_a_recent_projects_checkpoint(qtbot, window, tmp_path, tmp_path_factory):
    """A Studio checkpoint of the same family in a recent project is listed with its project, run and
    classes; picking it is checked in a child process (other classes: the head is re-initialized)."""
    from optimize_preview_support import trained_project_copy

    trained = trained_project_copy(tmp_path_factory)          # run "r": resnet18, the 4 sample classes
    add_recent_project(trained)
    wiz = open_wizard(qtbot, window, tmp_path)
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    go_next(qtbot, wiz)
    model = wiz.model_page
    qtbot.waitUntil(model.isComplete, timeout=60_000)
    items = [model.weights.itemText(i) for i in range(model.weights.count())]
    label = "p / r (last): resnet18, 4 classes (circle, square, triangle, star)  (Studio checkpoint)"
    assert label in items
    checkpoint = trained / "runs" / "r" / "checkpoints" / "model.pt"
    model.weights.setCurrentIndex(items.index(label))
    assert model.pretrained() == str(checkpoint)
    model.backbone.setCurrentText("resnet18")
    model.backbone.activated.emit(model.backbone.currentIndex())
    qtbot.waitUntil(lambda: model.weights_message.kind == "ok", timeout=60_000)
    text = model.weights_message.text()
    assert "a Studio checkpoint of Instance segmentation, resnet18, trained on 4 classes" in text
    assert "class-dependent head is re-initialized" in text
    model.backbone.setCurrentText("resnet50")                 # trained with another backbone: refused
    model.backbone.activated.emit(model.backbone.currentIndex())
    qtbot.waitUntil(lambda: model.weights_message.kind == "error", timeout=60_000)
    assert "trained with the resnet18 backbone but the backbone is resnet50" in model.weights_message.text()
    assert not next_button(wiz).isEnabled()
    model.backbone.setCurrentText("resnet18")
    model.backbone.activated.emit(model.backbone.currentIndex())
    go_next(qtbot, wiz)
    assert f"pretrained: {checkpoint}" in wiz.review_page.editor.toPlainText()


def test_family_without_trainer_ends_at_create_project(qtbot, window, tmp_path, monkeypatch):
    import dataclasses

    from data_fixtures import write_png

    from core import families

    infos = {i.name: i for i in families.family_infos()}    # gesture as it was before it could train
    infos["gesture"] = dataclasses.replace(infos["gesture"], implementation=None, spec=None, sample_data=None,
                                           import_formats=("image_folders",))
    monkeypatch.setattr(families, "_all", lambda: infos)
    for cls, seeds in (("palm", (1, 2)), ("fist", (3, 4))):
        for s in seeds:
            write_png(tmp_path / "gestures" / cls / f"{s}.png", 16, 16, seed=s)
    wiz = open_wizard(qtbot, window, tmp_path / "projects", name="hands", family="gesture")
    assert "later version" in wiz.family_page.availability.text()
    go_next(qtbot, wiz)
    page = wiz.import_page
    assert [k for k, b in page.buttons.items() if not b.isHidden()] == ["image_folders", "skip"]
    page.forms["image_folders"].fields["images"].setText(str(tmp_path / "gestures"))
    click(qtbot, page.check_button)
    qtbot.waitUntil(lambda: page.message.kind == "ok", timeout=60_000)   # the check plans in a child process
    page.val.setValue(25)
    go_next(qtbot, wiz)
    assert wiz.currentPage() is wiz.review_page     # no model step
    assert wiz.button(QWizard.WizardButton.FinishButton).text().replace("&", "") == "Create project"
    with qtbot.waitSignal(wiz.created, timeout=30_000):
        click(qtbot, wiz.button(QWizard.WizardButton.FinishButton))
    project = window.session.project
    assert project.task == "gesture" and len(catalog.images(project)) == 4
    assert {a.source for anns in catalog.annotations(project).values() for a in anns} == {"image_label"}
    assert runs.list_runs(project) == []


def test_a_failed_creation_says_why_and_leaves_nothing(qtbot, window, tmp_path, monkeypatch):
    import studio.wizard.wizard as wizard_mod
    from core.errors import DataError
    from core.setup.new_project import create_project

    def failing(request, reporter=None):
        request.data.kind = "broken"   # not a data kind: the import step raises after the folder exists
        try:
            return create_project(request, reporter)
        except ValueError:
            raise DataError("The disk is full.") from None
    monkeypatch.setattr(wizard_mod, "create_project", failing)
    wiz = open_wizard(qtbot, window, tmp_path, name="doomed", family="pose")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "skip")
    go_next(qtbot, wiz)
    click(qtbot, wiz.button(QWizard.WizardButton.FinishButton))
    qtbot.waitUntil(lambda: wiz.review_page.message.kind == "error")
    assert "The project was not created: The disk is full." in wiz.review_page.message.text()
    assert wiz.isVisible() and not (tmp_path / "doomed").exists() and window.session.project is None


# ------------------------------------------------------------------------------ projects page

def double_click(qtbot, view, row):
    """A real double click: press/release, then the double-click event (item views need the press)."""
    pos = view.visualItemRect(view.item(row)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_projects_page_lists_recent_projects_and_opens_on_double_click(qtbot, window, tmp_path):
    Project.create(tmp_path / "a", "detection", name="Alpha").close()
    Project.create(tmp_path / "b", "instance_segmentation", name="Beta").close()
    for p in ("a", "b"):
        add_recent_project(tmp_path / p)
    page = window.page("projects")
    page.refresh()
    names = [page.recent.item(i).data(Qt.ItemDataRole.UserRole + 1).name for i in range(page.recent.count())]
    assert names == ["Beta", "Alpha"]
    double_click(qtbot, page.recent, 1)
    assert window.session.project is not None and window.session.project.name == "Alpha"
    window.show_page("projects")
    assert "today" in page.recent.item(0).data(Qt.ItemDataRole.UserRole + 2)   # last opened now, listed first
    page.recent.setCurrentRow(1)
    page.recent.setFocus()
    qtbot.keyClick(page.recent, Qt.Key.Key_Return)
    assert window.session.project.name == "Beta"


def test_a_missing_recent_project_is_shown_as_missing_and_can_be_removed(qtbot, window, tmp_path):
    add_recent_project(tmp_path / "gone")
    page = window.page("projects")
    page.refresh()
    peek = page.recent.item(0).data(Qt.ItemDataRole.UserRole + 1)
    assert not peek.exists and "no longer exists" in peek.problem
    double_click(qtbot, page.recent, 0)
    assert window.session.project is None
    assert "no longer exists" in page.message.text() and page.message.kind == "error"
    page.recent.setCurrentRow(0)
    click(qtbot, page.remove_button)
    assert recent_projects() == [] and page.recent.count() == 0 and not page.empty.isHidden()


def test_new_project_action_opens_the_wizard(qtbot, window):
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    wiz = window.page("projects").wizard
    assert wiz is not None
    qtbot.waitUntil(wiz.isVisible)
    assert json.dumps(wiz.windowTitle()) == '"New project"'
    wiz.resize(760, 560)   # inside the offscreen screen (800x600): restoring clamps to the screen
    wiz.reject()
    again = window.page("projects").new_project()   # a new wizard, with the size the last one had
    assert again is not wiz and (again.width(), again.height()) == (760, 560)
    again.reject()


def test_video_folders_become_clips_without_a_split(qtbot, window, tmp_path):
    from core.datasets.synthetic import generate_video

    generate_video(tmp_path / "videos" / "wave" / "a.mp4", num_frames=5, size=32, seed=1)
    generate_video(tmp_path / "videos" / "clap" / "b.mp4", num_frames=4, size=32, seed=2)
    wiz = open_wizard(qtbot, window, tmp_path / "projects", name="actions", family="action_recognition")
    go_next(qtbot, wiz)
    page = wiz.import_page
    assert page.current_key() == "video_folders" and not page.val.isEnabled()
    page.forms["video_folders"].fields["videos"].setText(str(tmp_path / "videos"))
    click(qtbot, page.check_button)
    qtbot.waitUntil(lambda: page.message.kind == "ok")
    assert "2 videos (9 frames) in 2 classes (clap, wave)" in page.message.text()
    go_next(qtbot, wiz)
    assert wiz.currentPage() is wiz.model_page            # the action family trains: its model step
    qtbot.waitUntil(wiz.model_page.isComplete, timeout=60_000)
    go_next(qtbot, wiz)
    wiz.review_page.start.setChecked(False)
    with qtbot.waitSignal(wiz.created, timeout=30_000):
        click(qtbot, wiz.button(QWizard.WizardButton.FinishButton))
    assert [r.name for r in runs.list_runs(window.session.project)] == ["run-001"]
    rows = window.session.project.conn.execute(
        "SELECT v.file_name, c.end_frame, k.name FROM clips c JOIN videos v ON v.id = c.video_id "
        "JOIN categories k ON k.id = c.category_id ORDER BY v.file_name").fetchall()
    assert rows == [("clap/b.mp4", 3, "clap"), ("wave/a.mp4", 4, "wave")]


def test_the_wizard_never_imports_torch_in_the_gui_process(tmp_path):
    """Importing torch blocks the GUI thread for seconds, even from a worker thread (the GIL)."""
    import os
    import subprocess
    import sys

    code = f"""
import sys, time
from PySide6.QtWidgets import QApplication
app = QApplication([])
from studio.session import Session
from studio.controllers.jobs import JobController
from studio.wizard import NewProjectWizard
def wait(cond, s=60):
    t = time.time()
    while not cond() and time.time() - t < s:
        app.processEvents(); time.sleep(0.01)
    assert cond()
wiz = NewProjectWizard(Session(), JobController()); wiz.show()
wiz.next(); wiz.location_page.parent_folder.setText({str(tmp_path)!r}); wiz.location_page.name.setText("p")
wiz.next(); wiz.import_page.choose("sample"); wiz.import_page.forms["sample"].images.setValue(8)
wiz.next(); wait(wiz.model_page.isComplete)
wiz.model_page.set_weights({str(tmp_path / "w.pth")!r}); wait(lambda: wiz.model_page.weights_message.kind == "error")
wiz.model_page.set_weights("")
wiz.next(); wiz.review_page.start.setChecked(False); wiz.accept(); wait(lambda: wiz.result_info is not None)
from PySide6.QtCore import QThreadPool
assert QThreadPool.globalInstance().waitForDone(60_000)   # the step timing (a child process) was stopped
print(wiz.result_info.images, wiz.review_page.spec.model.backbone, "torch" in sys.modules)
"""
    (tmp_path / "w.pth").write_bytes(b"not weights")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["8", "resnet18", "False"]


def test_without_data_the_wizard_offers_create_only(qtbot, window, tmp_path):
    wiz = open_wizard(qtbot, window, tmp_path, name="later")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "skip")
    go_next(qtbot, wiz)
    review = wiz.review_page
    assert wiz.currentPage() is review                     # no model to choose for a run that is not made
    assert review.start.isHidden() and review.length.isHidden() and review.yaml_button.isHidden()
    assert not review.start_training()
    assert "import data on the Data page" in review.later.text()
    finish = wiz.button(QWizard.WizardButton.FinishButton)
    assert finish.text().replace("&", "") == "Create project"
    with qtbot.waitSignal(wiz.created, timeout=60_000):
        click(qtbot, finish)
    assert wiz.job is None and runs.list_runs(window.session.project) == []   # nothing fails on "no categories"
    assert not window.jobs.jobs


def test_presets_size_the_first_run_with_times_from_a_measured_step(qtbot, window, tmp_path):
    wiz = open_wizard(qtbot, window, tmp_path, name="timed")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    wiz.import_page.forms["sample"].images.setValue(12)
    go_next(qtbot, wiz)
    qtbot.waitUntil(wiz.model_page.isComplete, timeout=60_000)
    go_next(qtbot, wiz)
    review = wiz.review_page
    qtbot.waitUntil(lambda: review.step_seconds() == 0.5, timeout=10_000)
    qtbot.waitUntil(lambda: "about 17 min" in review.summary.text(), timeout=5000)   # 2000 steps of 0.5 s
    buttons = review.preset_buttons
    assert buttons["standard"].isChecked()
    assert buttons["quick"].text() == "Quick look: 240 steps, about 2 min"
    assert buttons["standard"].text() == "Standard: 2,000 steps, about 17 min"
    assert buttons["long"].text() == "Long: 6,000 steps, about 50 min"
    assert "measured on this computer: 0.50 s" in review.timing.text()
    tick(qtbot, buttons["quick"])
    text = review.editor.toPlainText()
    assert "total_steps: 240" in text and "warmup_steps: 24 " in text and "learning_rate_steps: [168, 216]" in text
    assert "240 steps of 4 images" in review.summary.text() and "about 2 min" in review.summary.text()
    assert MEASURED == [("instance_segmentation", 4)]         # one measurement for this sizing
    wiz.reject()
    again = open_wizard(qtbot, window, tmp_path, name="timed-again")   # the same sizing: known at once
    go_next(qtbot, again)
    choose(qtbot, again, "sample")
    again.import_page.forms["sample"].images.setValue(12)
    go_next(qtbot, again)
    qtbot.waitUntil(again.model_page.isComplete, timeout=60_000)
    go_next(qtbot, again)
    assert again.review_page.step_seconds() == 0.5 and len(MEASURED) == 1
    again.reject()
