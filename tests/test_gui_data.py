"""The Data page: counts, thumbnails, the selected image drawn, filters, import/split/export, and a
20,000-image grid that scrolls without stalling the GUI thread."""
from __future__ import annotations

import gc
import json
import time

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer

from core.datasets.stats import dataset_stats
from core.project import Project, catalog
from data_fixtures import snapshot, write_png
from gui_data_helpers import (bare, distance, image_with_masks, interior, mask_of, open_page, rendered,
                              wait_drawn, wait_loaded)
from studio.pages.data import CLIPS, EMPTY, IMAGES, DataPage

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture
def seg(make_seg_project):
    project = make_seg_project(num_images=12, size=64, val=0.25)
    yield project
    project.close()


def _wait_task(qtbot, page) -> None:
    qtbot.waitUntil(lambda: not page.actions.busy, timeout=15_000)


def test_counts_match_dataset_stats(qtbot, seg):
    page, _ = open_page(qtbot, DataPage, seg)
    stats = dataset_stats(seg)
    assert page.stack.currentIndex() == IMAGES
    for cat in stats["categories"]:
        for split in ("all", "train", "val", "test"):
            assert page.summary.count(cat["name"], split) == stats["per_class"][split][cat["name"]]
    assert f"train <b>{stats['splits']['train']}</b>" in page.summary.splits.text()
    assert f"val <b>{stats['splits']['val']}</b>" in page.summary.splits.text()
    assert page.grid.thumbs.rowCount() == stats["images"] == 12
    assert page.split_filter.itemText(0) == "All (12)"


def test_clicking_a_thumbnail_draws_its_annotations(qtbot, seg):
    page, _ = open_page(qtbot, DataPage, seg)
    image_id, anns = image_with_masks(seg)
    row = page.grid.thumbs.row_of(image_id)
    index = page.grid.thumbs.index(row)
    page.grid.scrollTo(index)
    qtbot.mouseClick(page.grid.viewport(), Qt.MouseButton.LeftButton, pos=page.grid.visualRect(index).center())
    view = page.details.image
    wait_drawn(qtbot, view, image_id)
    assert page.details.annotations.topLevelItemCount() == len(anns)
    assert page.details.title.text() == catalog.image(seg, image_id).file_name
    for layer in ("boxes", "labels"):       # only the masks are left to change pixels
        view.set_layer_visible(layer, False)
    drawn, plain = rendered(view), bare(seg, image_id)
    masks = [mask_of(seg, a) for a in anns]
    y, x = interior(masks[0], masks[1:])
    assert distance(drawn[y, x], plain[y, x]) > 30          # the mask tints that pixel
    outside = ~np.any(masks, axis=0)
    ys, xs = np.nonzero(outside)
    assert distance(drawn[ys[0], xs[0]], plain[ys[0], xs[0]]) <= 6   # the background is the bare image


def test_split_filter_reduces_rows_to_the_split(qtbot, seg):
    page, _ = open_page(qtbot, DataPage, seg)
    sizes = catalog.split_sizes(seg)
    page.split_filter.setCurrentIndex(page.split_filter.findData("val"))
    assert page.grid.thumbs.rowCount() == sizes["val"] == 3
    assert page.shown.text() == "3 of 12 images shown"
    val_ids = {r.id for r in catalog.images(seg, "val")}
    assert {page.grid.thumbs.row(i).id for i in range(3)} == val_ids
    cat = catalog.categories(seg)[0]
    page.class_filter.setCurrentIndex(page.class_filter.findData(cat.id))
    holding = {a.image_id for anns in catalog.annotations(seg).values() for a in anns if a.category_id == cat.id}
    assert page.grid.thumbs.rowCount() == len(holding & val_ids)


def test_broken_coco_says_why_and_leaves_the_project_unchanged(qtbot, seg, tmp_path):
    page, session = open_page(qtbot, DataPage, seg)
    before = snapshot(seg)
    broken = tmp_path / "broken.json"
    broken.write_text('{"images": [1, 2,')
    changed = []
    session.data_changed.connect(lambda: changed.append(1))
    dialog = page.open_import_dialog()
    dialog.set_value("annotations", str(broken))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.busy and dialog.error.isVisible(), timeout=10_000)
    assert "broken.json is not valid JSON" in dialog.error.text()
    assert not dialog.import_button.isEnabled()
    dialog.set_value("annotations", str(tmp_path / "missing.json"))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert "does not exist" in dialog.error.text() and not dialog.import_button.isEnabled()
    dialog.reject()
    assert snapshot(seg) == before and changed == []


def test_valid_import_adds_images_and_emits_data_changed(qtbot, seg, tmp_path):
    from core.datasets.synthetic import generate_coco

    page, session = open_page(qtbot, DataPage, seg)
    ann = generate_coco(tmp_path / "more", 4, size=64, seed=7)
    dialog = page.open_import_dialog()
    dialog.set_value("annotations", str(ann))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=10_000)
    assert "Import will add 4 image(s)" in dialog.verdict.text()
    assert catalog.split_sizes(seg)["unassigned"] == 0        # nothing written by the check
    with qtbot.waitSignal(session.data_changed, timeout=15_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    wait_loaded(qtbot, page)
    assert dataset_stats(seg)["images"] == 16
    assert page.grid.thumbs.rowCount() == 16 and page.split_filter.findText("not split (4)") >= 0
    assert "Imported 4 image(s)" in page.actions.status.text()


def test_split_and_export_run_off_the_gui_thread(qtbot, seg, tmp_path):
    page, session = open_page(qtbot, DataPage, seg)
    dialog = page.open_split_dialog()
    dialog.val.setValue(0.6)
    dialog.test.setValue(0.4)
    assert dialog.error.isVisible() and "leave no images for training" in dialog.error.text()
    dialog.test.setValue(0.0)
    dialog.seed.setValue(3)
    with qtbot.waitSignal(session.data_changed, timeout=15_000):
        dialog.accept()
    _wait_task(qtbot, page)
    wait_loaded(qtbot, page)
    assert catalog.split_sizes(seg)["val"] == 7
    assert "Split with seed 3: train 5, val 7, test 0." == page.actions.status.text()
    assert page.split_filter.findText("val (7)") >= 0
    out = tmp_path / "out" / "export.json"
    page._ask_export_path = lambda: str(out)
    page.export_dialog()
    _wait_task(qtbot, page)
    doc = json.loads(out.read_text())
    assert len(doc["images"]) == 12 and len(doc["annotations"]) == dataset_stats(seg)["annotations"]
    assert page.actions.status.text().startswith(f"Wrote {out}")


def test_empty_project_says_so_and_offers_import(qtbot, tmp_path):
    project = Project.create(tmp_path / "empty", "instance_segmentation")
    page, _ = open_page(qtbot, DataPage, project)
    assert page.stack.currentIndex() == EMPTY
    assert "no images yet" in page.empty_text.text()
    assert page.empty_import.isEnabled() and not page.actions.split_button.isEnabled()
    qtbot.mouseClick(page.empty_import, Qt.MouseButton.LeftButton)
    assert page.import_dialog is not None and page.import_dialog.isVisible()
    page.import_dialog.reject()
    project.close()


def test_video_project_imports_and_lists_clips_with_labels(qtbot, tmp_path):
    from core.datasets.sample import sample_video

    src = tmp_path / "actions"
    sample_video(src / "wave" / "w1.mp4", num_frames=8, size=64, seed=1)
    sample_video(src / "clap" / "c1.mp4", num_frames=6, size=64, seed=2)
    project = Project.create(tmp_path / "video", "action_recognition")
    page, session = open_page(qtbot, DataPage, project)
    assert page.stack.currentIndex() == CLIPS and page.clips.is_empty
    assert "no videos yet" in page.clips.empty.text()
    dialog = page.open_import_dialog()
    assert [dialog.format.itemData(i) for i in range(dialog.format.count())] == ["video_folders"]
    dialog.set_value("videos", str(src))
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=20_000)
    assert "2 video(s) as 2 clip(s)" in dialog.verdict.text()
    with qtbot.waitSignal(session.data_changed, timeout=15_000):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert not page.clips.is_empty and page.clips.table.rowCount() == 2
    labels = {page.clips.table.item(r, 3).text(): page.clips.table.item(r, 1).text() for r in range(2)}
    assert labels == {"wave": "0–7", "clap": "0–5"}
    page.clips.table.selectRow(0)
    strip = page.clips.frame                         # the clip as a filmstrip (tests/test_gui_action.py plays it)
    qtbot.waitUntil(lambda: strip.loaded, timeout=10_000)
    assert strip.error == "" and strip.strip_frames == list(range(8 if labels_first(page) == "wave" else 6))
    assert page.clips.table.item(0, 3).text() in strip.caption.text()
    project.close()


def labels_first(page) -> str:
    return page.clips.table.item(0, 3).text()


def test_twenty_thousand_thumbnails_scroll_without_stalling(qtbot, tmp_path, request):
    """Responsiveness of the GUI thread (not a speed benchmark): no gap between 10 ms timer ticks
    may exceed 100 ms while a 20,000-row grid lays out, scrolls end to end and decodes thumbnails."""
    from studio.ui.thumbnails import ThumbnailGrid

    files = [str(write_png(tmp_path / f"{i}.png", 64, 64, seed=i)) for i in range(4)]
    rows = [(i + 1, f"img_{i:05d}.png", files[i % 4], ("train", "val")[i % 5 == 0], 64, 64)
            for i in range(20_000)]
    # The test process holds pytest's heap and the garbage of earlier tests: a full collection of
    # that (which pauses every thread) is not the grid's doing, so collect it before measuring and
    # keep it out of later collections.
    gc.collect()
    gc.freeze()
    request.addfinalizer(gc.unfreeze)
    grid = ThumbnailGrid()
    qtbot.addWidget(grid)
    grid.resize(900, 600)
    grid.show()
    qtbot.waitExposed(grid)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    qtbot.wait(50)
    grid.thumbs.set_rows(rows)
    bar = grid.verticalScrollBar()
    per_row = grid.viewport().width() // grid.gridSize().width()
    full = (20_000 // per_row) * grid.gridSize().height() - grid.viewport().height()
    qtbot.waitUntil(lambda: bar.maximum() >= full, timeout=10_000)   # batched layout of all 20,000 rows
    for k in range(41):
        bar.setValue(bar.maximum() * k // 40)
        qtbot.wait(20)
    qtbot.waitUntil(lambda: grid.thumbs.loader.pending() == 0, timeout=10_000)
    qtbot.wait(60)
    timer.stop()
    gaps = np.diff(ticks) * 1000
    assert len(ticks) > 50
    assert gaps.max() < 100, f"the GUI thread stalled {gaps.max():.0f} ms"
    assert grid.thumbs.loader.decoded > 100            # thumbnails were decoded along the way
    assert grid.thumbs.loader.pixmap(20_000) is not None     # the rows on screen at the end are drawn
    grid.thumbs.loader.wait()
