import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# One compute thread per process (inherited by the worker processes tests start): a test often runs
# the GUI or pytest process and a worker at once on 2 cores, and oversubscribed torch ran 5-10x slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pytest  # noqa: E402


def tiny_spec(total_steps: int = 6, image_size: int = 64, **train):
    """A Mask R-CNN spec that trains in seconds on 2 CPU cores."""
    from core.families.instance_segmentation.spec import InstanceSegmentationSpec, cpu_sized

    spec = cpu_sized(InstanceSegmentationSpec())
    spec.data.image_size = image_size
    spec.model.anchor_sizes = [8, 16, 32, 64, 128]
    t = spec.train
    t.total_steps, t.batch_size, t.warmup_steps = total_steps, 2, 2
    t.init_learning_rate, t.warmup_learning_rate = 0.01, 0.001
    t.learning_rate_steps, t.learning_rate_decay_levels = [max(total_steps - 2, 0)], [0.1]
    t.checkpoint_interval, t.log_interval, t.num_steps_per_eval = 2, 1, 0
    for k, v in train.items():
        setattr(t, k, v)
    spec.evaluate.batch_size = 4
    return spec


@pytest.fixture
def make_seg_project(tmp_path):
    """make_seg_project(num_images=12, size=64, val=0.25) -> an imported, split sample project.

    Each project lives under the test's own tmp_path, so it is deleted when the test passes."""
    from core.datasets.sample import import_sample_data
    from core.datasets.split import split_project
    from core.project import Project

    made = []

    def make(num_images: int = 12, size: int = 64, val: float = 0.25, seed: int = 0) -> Project:
        made.append(None)
        root = tmp_path / f"proj{len(made)}" / "p"
        project = Project.create(root, "instance_segmentation")
        import_sample_data(project, num_images=num_images, size=size, seed=seed)
        split_project(project, val=val, seed=0)
        return project

    return make


def create_run(project, name: str, spec) -> str:
    from core.project import runs
    from core.specs import save_spec_file, spec_to_yaml

    runs.create_run(project, name, project.task, spec_to_yaml(spec), total_steps=spec.train.total_steps)
    save_spec_file(spec, project.run_dir(name) / "spec.yaml")
    return name


@pytest.fixture(autouse=True)
def _garbage_collected_on_the_gui_thread():
    """As in the application (studio.gc_guard): once Qt runs, cyclic garbage is collected on the GUI
    thread only, and after each test, so a worker thread of the next test never destroys this
    test's widgets (which deadlocked the suite once)."""
    import gc

    def guard():
        if "PySide6.QtWidgets" in sys.modules:
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance()
            if app is not None:
                from studio.gc_guard import install

                install(app)

    guard()
    yield
    guard()
    gc.collect()


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path_factory, monkeypatch):
    """GUI settings (recent projects, geometry, theme) never touch the user's real ones."""
    monkeypatch.setenv("STUDIO_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))


# Folders under the base temp folder whose names start with this outlive their module (per-process
# caches such as the trained project in optimize_preview_support); every other folder a module made
# with tmp_path_factory is deleted when the module ends.
SESSION_PREFIX = "session-"


@pytest.fixture(scope="module", autouse=True)
def _module_temp_cleanup(tmp_path_factory):
    """Delete what a module's fixtures wrote under the base temp folder once the module is done.

    Trained projects with checkpoints are hundreds of MB each; kept to the end of the session (and
    pytest keeps the last sessions too), the suite filled the CI machine's disk. Together with
    tmp_path_retention_policy = "failed" (pyproject.toml), the peak is the largest module, not the
    sum of all of them."""
    import shutil

    base = tmp_path_factory.getbasetemp()
    before = set(base.iterdir())
    yield
    for entry in set(base.iterdir()) - before:
        if entry.is_dir() and not entry.name.startswith(SESSION_PREFIX):
            shutil.rmtree(entry, ignore_errors=True)
