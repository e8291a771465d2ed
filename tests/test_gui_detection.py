"""The detection family in the real main window: the wizard makes a hand project from the sample
data with the family's CPU schedule; the Data page draws the boxes and a DontCare region hatched;
Train plots the loss under the family's labels; Runs compares by AP; Optimize lists the ONNX export;
the Preview runs it over a video and draws hand boxes."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtWidgets import QWizard

pytest.importorskip("torch")

from core.project import catalog, runs  # noqa: E402
from gui_data_helpers import wait_drawn  # noqa: E402
from test_gesture_family import cascade  # noqa: E402,F401  (the module fixture: a detector and a classifier after it)
from test_gui_wizard import choose, click, go_next, open_wizard  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
LOAD_MS = 90_000


@pytest.fixture
def window(qtbot):
    from studio.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1280, 800)
    w.show()
    yield w
    w.page("preview").preview.stop()
    w.jobs.stop_all(grace_ms=2000)
    w.jobs.wait_all(30_000)
    QThreadPool.globalInstance().waitForDone(60_000)
    w.session.close_project()


def test_the_wizard_makes_a_hand_project_from_the_sample_data(qtbot, window, tmp_path):
    wiz = open_wizard(qtbot, window, tmp_path, name="hands", family="detection")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    form = wiz.import_page.forms["sample"]
    form.images.setValue(10)
    form.size.setValue(96)
    go_next(qtbot, wiz)
    assert wiz.currentPage() is wiz.model_page
    qtbot.waitUntil(wiz.model_page.isComplete, timeout=60_000)
    backbones = [wiz.model_page.backbone.itemText(i) for i in range(wiz.model_page.backbone.count())]
    assert backbones[:3] == ["resnet18", "resnet34", "resnet50"] and wiz.model_page.backbone.currentText() == "resnet18"
    go_next(qtbot, wiz)
    text = wiz.review_page.editor.toPlainText()
    from core.families.detection.sample_schedule import SAMPLE_SCHEDULE

    assert "task: detection" in text and f"total_steps: {SAMPLE_SCHEDULE.total_steps}" in text   # the sample schedule
    assert "architecture: faster_rcnn" in text
    assert not wiz.model_page.form.isRowVisible(wiz.model_page.detector_box)   # only cascades run after one
    wiz.review_page.start.setChecked(False)
    with qtbot.waitSignal(wiz.created, timeout=60_000):
        click(qtbot, wiz.button(QWizard.WizardButton.FinishButton))
    project = window.session.project
    assert project.task == "detection" and len(catalog.images(project)) == 10
    assert [c.name for c in catalog.categories(project)] == ["hand"]
    anns = [a for group in catalog.annotations(project).values() for a in group]
    assert anns and all("gesture" in a.extra for a in anns)
    assert runs.get_run(project, "run-001").status == "created"


def test_the_gesture_wizard_offers_recent_detection_runs_as_its_detector(qtbot, window, tmp_path):
    """A gesture project runs after a hand detector: the Model step lists the trained detection runs of
    recent projects (the newest chosen), and the pick is model.detector in the spec of the new run; the
    weights list offers the same runs' backbones as a start."""
    from pathlib import Path

    from family_smoke import smoke_project
    from studio.settings import add_recent_project

    det, det_run = smoke_project(tmp_path / "made", "detection", images=8, name="hands")
    det_root = det.root
    det.close()
    add_recent_project(det_root)
    wiz = open_wizard(qtbot, window, tmp_path, name="gestures", family="gesture")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    go_next(qtbot, wiz)
    model = wiz.model_page
    qtbot.waitUntil(model.isComplete, timeout=60_000)
    assert model.form.isRowVisible(model.detector_box)
    items = [model.detector.itemText(i) for i in range(model.detector.count())]
    assert items[0].startswith("None: classify whole images")
    offered = [model.detector.itemData(i) for i in range(1, model.detector.count())]
    assert offered and all(Path(p).parents[1].name == det_run and Path(p).is_file() for p in offered)
    assert all(f"hands / {det_run}" in t and t.endswith("(detection run)") for t in items[1:])
    chosen = model.detector.currentData()
    assert chosen == offered[0]
    # the same runs lend their backbone: the weights list offers them, and the check says what loads
    weights = [model.weights.itemText(i) for i in range(model.weights.count())]
    lent = [i for i, t in enumerate(weights) if t.endswith("(its backbone only)") and f"hands / {det_run}" in t]
    assert lent and {model.weights.itemData(i) for i in lent} == set(offered)
    model.weights.setCurrentIndex(lent[0])
    qtbot.waitUntil(lambda: model.weights_message.kind == "ok", timeout=60_000)
    assert "Its ResNet backbone starts this model; its heads are not used." in model.weights_message.text()
    backbone = model.weights.currentData()
    go_next(qtbot, wiz)
    assert f"detector: {chosen}" in wiz.review_page.editor.toPlainText()
    assert f"pretrained: {backbone}" in wiz.review_page.editor.toPlainText()
    wiz.review_page.start.setChecked(False)
    with qtbot.waitSignal(wiz.created, timeout=60_000):
        click(qtbot, wiz.button(QWizard.WizardButton.FinishButton))
    project = window.session.project
    assert project.task == "gesture"
    assert f"detector: {chosen}" in (project.run_dir("run-001") / "spec.yaml").read_text()


@pytest.fixture
def hand_project(tmp_path):
    """Synthetic hands plus one KITTI image with a DontCare region; a tiny run and its ONNX export."""
    from core.datasets.kitti import plan_kitti_import
    from core.datasets.plan import commit_import
    from core.datasets.split import split_project
    from core.datasets.synthetic_hands import import_sample_hands
    from core.families import get_family
    from core.project import Project
    from core.runtime.convert import checkpoint_to_onnx
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run
    from data_fixtures import write_png
    from workers.channel import WorkerReporter

    project = Project.create(tmp_path / "p", "detection")
    import_sample_hands(project, num_images=12, size=96, seed=5)
    write_png(tmp_path / "k" / "image_2" / "dc.png", 96, 96, seed=9)
    (tmp_path / "k" / "label_2").mkdir(parents=True)
    (tmp_path / "k" / "label_2" / "dc.txt").write_text(
        "hand 0 0 0 10 10 40 50 0 0 0 0 0 0 0\nDontCare -1 -1 -10 50 20 90 60 -1 -1 -1 -1000 -1000 -1000 -10\n")
    commit_import(project, plan_kitti_import(tmp_path / "k" / "image_2", tmp_path / "k" / "label_2"))
    split_project(project, val=0.25, seed=0)
    spec = get_family("detection").default_spec("cpu")
    spec.data.image_size = 96
    spec.model.test_score_threshold = 0.0
    t = spec.train
    t.total_steps, t.warmup_steps, t.learning_rate_steps, t.num_steps_per_eval, t.log_interval = 6, 2, [4], 3, 1
    t.checkpoint_interval = 3
    create_run_from_spec(project, "r", spec)
    reporter = WorkerReporter("train", None, project.run_dir("r") / "events.jsonl")
    train_run(project, "r", reporter)
    reporter.close()
    final = project.run_dir("r") / "checkpoints" / "model.pt"
    onnx = checkpoint_to_onnx(final, project.run_dir("r") / "exports" / "model.onnx").path
    runs.add_artifact(project, runs.get_run(project, "r").id, "onnx", onnx, fmt="onnx", precision="fp32",
                      meta={"source": str(final)})
    root = project.root
    project.close()
    return root


@pytest.mark.slow
def test_the_detection_family_in_the_main_window(qtbot, window, hand_project, tmp_path):
    from core.datasets.synthetic_hands import generate_hands_video
    from gui_data_helpers import rendered

    assert window.open_project(str(hand_project))
    project = window.session.project

    window.show_page("data")
    data = window.page("data")
    dc = next(im for im in catalog.images(project) if im.file_name == "dc.png")
    qtbot.waitUntil(lambda: data.grid.thumbs.rowCount() == len(catalog.images(project)), timeout=LOAD_MS)
    data.show_image(dc.id)
    view = data.details.image
    wait_drawn(qtbot, view, dc.id)
    names = [data.details.annotations.topLevelItem(i).text(1)
             for i in range(data.details.annotations.topLevelItemCount())]
    assert sorted(names) == ["hand", "ignore"]
    view.set_layer_visible("boxes", False)
    view.set_layer_visible("labels", False)
    drawn = rendered(view)
    stripe = [int(np.abs(drawn[40, x].astype(int) - drawn[40, x + 1].astype(int)).sum()) for x in range(55, 85)]
    assert max(stripe) > 20                                   # hatched: neighbouring pixels alternate

    window.show_page("train")
    dash = window.page("train").dashboard
    qtbot.waitUntil(lambda: dash.loss_plot.point_count("loss_classifier") > 0, timeout=LOAD_MS)
    legend = [label.text for _sample, label in dash.loss_plot.legend.items]
    assert {"cls", "box", "obj", "rpn"} <= set(legend)       # the family's labels, not Mask R-CNN's mask

    window.show_page("runs")
    runs_page = window.page("runs")
    qtbot.waitUntil(lambda: runs_page.table.rowCount() == 1, timeout=LOAD_MS)
    assert "best AP" in runs_page.table.columns()

    window.show_page("optimize")
    table = window.page("optimize").table
    qtbot.waitUntil(lambda: table.rowCount() >= 2, timeout=LOAD_MS)
    assert "model.onnx" in [table.item(r, 1).text() for r in range(table.rowCount())]

    window.show_page("preview")
    preview = window.page("preview")
    preview.score.set_value(0.0)
    combo = preview.picker.model_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if "model.onnx" in combo.itemText(i)))
    video = generate_hands_video(tmp_path / "hands.mp4", num_frames=6, size=96)
    preview.open_source(str(video))
    qtbot.waitUntil(lambda: preview.preview.current is not None, timeout=LOAD_MS)
    frame = preview.preview.current
    assert frame.prediction.kind == "instances" and frame.prediction.masks is None
    assert frame.detections > 0


@pytest.mark.slow
def test_the_preview_runs_the_gesture_cascade_over_a_video(qtbot, window, cascade, tmp_path):
    """A gesture project's model in the Preview runs as the cascade: its detector's boxes, each with the
    classifier's gesture, over every frame of a video; the status says what runs after what."""
    from pathlib import Path

    from core.datasets.synthetic_hands import generate_hands_video

    _, project, detector, _ = cascade
    assert window.open_project(str(project.root))
    window.show_page("preview")
    preview = window.page("preview")
    preview.score.set_value(0.0)
    combo = preview.picker.model_combo
    gesture = project.run_dir("g") / "checkpoints" / "model.pt"
    index = next(i for i in range(combo.count())
                 if combo.itemData(i) is not None and Path(combo.itemData(i).path) == gesture)
    combo.setCurrentIndex(index)
    video = generate_hands_video(tmp_path / "hands.mp4", num_frames=6, size=64)
    preview.open_source(str(video))
    qtbot.waitUntil(lambda: preview.preview.current is not None, timeout=LOAD_MS)
    frame = preview.preview.current
    assert frame.prediction.kind == "instances"
    assert frame.prediction.secondary is not None and len(frame.prediction.secondary) == len(frame.prediction)
    info = preview.preview.info
    assert info["after"]["task"] == "detection", info
    qtbot.waitUntil(lambda: f"after the detection model {Path(detector).name}" in preview.stats.text(),
                    timeout=LOAD_MS)


def test_a_gesture_projects_data_page_exports_image_folders_that_import_back(qtbot, window, tmp_path):
    """The Data page's Export writes the family's round-trip format: class folders for gestures (its
    COCO export would not import back into a gesture project), and they re-import to the same crops."""
    from collections import Counter

    from core.datasets.image_folders import plan_image_folders_import
    from core.datasets.plan import commit_import
    from core.datasets.synthetic_hands import import_sample_gestures
    from core.project import Project

    with Project.create(tmp_path / "ges", "gesture") as made:
        import_sample_gestures(made, num_images=8, size=64, seed=3)
    window.open_project(str(tmp_path / "ges"))
    window.show_page("data")
    page = window.page("data")
    qtbot.waitUntil(lambda: page.project is not None and page.actions.export_button.isEnabled(), timeout=LOAD_MS)
    assert page.actions.export_button.text() == "Export image folders…"
    out = tmp_path / "exported"
    page._ask_export_path = lambda: str(out)                   # the save dialog's answer
    click(qtbot, page.actions.export_button)
    qtbot.waitUntil(lambda: page.actions.status.text().startswith("Wrote"), timeout=LOAD_MS)
    assert "one folder per class" in page.actions.status.text()

    def classes(project) -> Counter:
        names = {c.id: c.name for c in catalog.categories(project)}
        return Counter(names[a.category_id] for group in catalog.annotations(project).values() for a in group
                       if a.category_id is not None)

    with Project.create(tmp_path / "again", "gesture") as again:
        commit_import(again, plan_image_folders_import(out))
        assert classes(again) == classes(window.session.project) and sum(classes(again).values()) > 8
