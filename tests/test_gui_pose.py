"""The pose family in the real main window: the wizard makes a pose project from the sample stick
figures; Data counts its keypoints; Label draws skeletons (a colour per limb); Train shows the
keypoint loss under its label; Runs compares by keypoint AP; Optimize exports ONNX with the
guardrail and plots AP against milliseconds per input size (a worker job); Preview runs the ONNX
export over a generated video with skeletons drawn."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QThreadPool, Qt
from PySide6.QtWidgets import QWizard

pytest.importorskip("torch")

from core.project import catalog, runs  # noqa: E402
from pose_fixtures import make_pose_project, tiny_pose_spec  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
LOAD_MS = 60_000
JOB_MS = 300_000


@pytest.fixture(scope="module")
def pose_root(tmp_path_factory):
    """A pose project trained for 6 steps (events written as the worker writes them)."""
    from core.setup.new_run import create_run_from_spec
    from core.training.trainer import train_run
    from workers.channel import WorkerReporter

    project = make_pose_project(tmp_path_factory.mktemp("gui-pose") / "p", num_images=12, size=64, val=0.25)
    spec = tiny_pose_spec(total_steps=6)
    spec.model.test_score_threshold = 0.0
    spec.train.num_steps_per_eval = 3
    create_run_from_spec(project, "r", spec)
    reporter = WorkerReporter("train", None, project.run_dir("r") / "events.jsonl")
    train_run(project, "r", reporter)
    reporter.close()
    root = project.root
    project.close()
    return root


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


@pytest.mark.slow
def test_the_pose_family_in_the_main_window(qtbot, window, pose_root, tmp_path):
    from core.datasets.synthetic_pose import generate_pose_video
    from core.video.skeleton import limb_color
    from gui_data_helpers import wait_drawn

    assert window.open_project(str(pose_root))
    project = window.session.project

    window.show_page("data")
    data = window.page("data")
    qtbot.waitUntil(lambda: data.stats is not None, timeout=LOAD_MS)
    assert "with keypoints" in data.summary.totals.text()

    window.show_page("label")
    label = window.page("label")
    image_id = next(i.id for i in catalog.images(project)
                    if any(a.keypoints and sum(v > 0 for v in a.keypoints[2::3]) > 4
                           for a in catalog.annotations(project, [i.id])[i.id]))
    label.go(label.ids.index(image_id))
    wait_drawn(qtbot, label.image, image_id)
    lines = [item for group in label.image.scene.items_of for item in group.keypoints if hasattr(item, "line")]
    colours = {line.pen().color().getRgb()[:3] for line in lines if line.pen().color().alpha() == 255}
    assert len(colours) >= 4 and colours <= {limb_color(i)[::-1] for i in range(14)}   # a colour per limb

    window.show_page("train")
    dash = window.page("train").dashboard
    qtbot.waitUntil(lambda: dash.loss_plot.point_count("loss_keypoint") > 0, timeout=LOAD_MS)
    assert "kpt" in [lab.text for _sample, lab in dash.loss_plot.legend.items]
    qtbot.waitUntil(lambda: dash.eval_plot.point_count("eval/keypoints_AP") == 2, timeout=LOAD_MS)

    window.show_page("runs")
    runs_page = window.page("runs")
    qtbot.waitUntil(lambda: runs_page.table.rowCount() == 1, timeout=LOAD_MS)
    assert "best keypoints_AP" in runs_page.table.columns()

    window.show_page("optimize")
    opt = window.page("optimize")
    qtbot.waitUntil(lambda: opt.table.rowCount() == 2, timeout=LOAD_MS)         # last and best
    qtbot.mouseClick(opt.export_panel.button, Qt.MouseButton.LeftButton)
    job = window.jobs.jobs[-1]
    assert (job.verb, job.run) == ("export", "r")
    qtbot.waitUntil(lambda: not job.is_active, timeout=JOB_MS)
    assert job.status == "done", job.message
    qtbot.waitUntil(lambda: opt.table.rowCount() == 3, timeout=LOAD_MS)
    headers = [opt.table.horizontalHeaderItem(i).text() for i in range(opt.table.columnCount())]
    row = opt.table.row_of("onnx")
    assert opt.table.item(row, headers.index("Δ keypoints_AP")).text() not in ("", "-")   # the guardrail ran

    panel = opt.sizes_panel
    assert panel.points == {} and "No sizes evaluated" in panel.table.text()
    panel.sizes.setText("64x90")
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)                  # refused by the worker
    job = window.jobs.jobs[-1]
    qtbot.waitUntil(lambda: not job.is_active, timeout=JOB_MS)
    assert job.status == "failed" and "multiple of 32" in panel.progress.label.text()
    panel.sizes.setText("64x96,96x128")
    qtbot.mouseClick(panel.button, Qt.MouseButton.LeftButton)
    job = window.jobs.jobs[-1]
    assert job.verb == "evaluate" and "64x96,96x128" in job.process.arguments()
    qtbot.waitUntil(lambda: not job.is_active, timeout=JOB_MS)
    assert job.status == "done", job.message
    qtbot.waitUntil(lambda: len(panel.points.get("all", [])) == 2, timeout=LOAD_MS)
    assert [s for _x, _y, s in panel.points["all"]] in (["64x96", "96x128"], ["96x128", "64x96"])
    assert all(x > 0 for x, _y, _s in panel.points["all"]) and "96x128" in panel.table.text()

    window.show_page("preview")
    preview = window.page("preview")
    combo = preview.picker.model_combo
    combo.setCurrentIndex(next(i for i in range(combo.count()) if "model.onnx" in combo.itemText(i)))
    video = generate_pose_video(tmp_path / "walk.mp4", num_frames=10, size=(96, 128), seed=5)
    preview.open_source(str(video))
    qtbot.waitUntil(lambda: preview.preview.current is not None, timeout=LOAD_MS)
    frame = preview.preview.current
    assert frame.prediction.keypoints is not None and frame.prediction.keypoints.shape[1:] == (14, 3)
    assert len(frame.prediction.skeleton) == 14


def test_the_wizard_makes_a_pose_project_from_the_sample_figures(qtbot, window, tmp_path):
    from test_gui_wizard import choose, click, go_next, open_wizard, tick

    wiz = open_wizard(qtbot, window, tmp_path, name="figures", family="pose")
    go_next(qtbot, wiz)
    choose(qtbot, wiz, "sample")
    form = wiz.import_page.forms["sample"]
    form.images.setValue(8)
    form.size.setValue(64)
    wiz.import_page.val.setValue(25)
    go_next(qtbot, wiz)
    qtbot.waitUntil(wiz.model_page.isComplete, timeout=60_000)
    assert wiz.model_page.backbone.currentText() == "resnet18"
    go_next(qtbot, wiz)
    text = wiz.review_page.editor.toPlainText()
    assert "task: pose" in text and "total_steps: 1600" in text and "input_height: 128" in text
    tick(qtbot, wiz.review_page.start)
    with qtbot.waitSignal(wiz.created, timeout=60_000):
        click(qtbot, wiz.button(QWizard.WizardButton.FinishButton))
    project = window.session.project
    assert project.task == "pose" and len(catalog.images(project)) == 8
    (figure,) = catalog.categories(project)
    assert figure.name == "figure" and figure.keypoints.size == 14 and len(figure.keypoints.limbs) == 14
    assert runs.get_run(project, "run-001").total_steps == 1600
    assert np.all([a.keypoints is not None for anns in catalog.annotations(project).values() for a in anns])
