"""The Label page (a viewer for now): D/A stepping, the position label, layer toggles with pixel
checks, highlighting an annotation from the list, the split filter."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from core.project import catalog
from gui_data_helpers import bare, distance, image_with_masks, interior, mask_of, open_page, rendered, wait_drawn
from studio.pages.label import LabelPage

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture
def seg(make_seg_project):
    project = make_seg_project(num_images=12, size=64, val=0.25)
    yield project
    project.close()


def _go_to(qtbot, page, image_id: int) -> None:
    page.go(page.ids.index(image_id))
    wait_drawn(qtbot, page.image, image_id)


def test_d_and_a_step_and_the_position_follows(qtbot, seg):
    page, _ = open_page(qtbot, LabelPage, seg)
    ids = [i.id for i in catalog.images(seg)]
    wait_drawn(qtbot, page.image, ids[0])
    assert page.position.text() == "1 / 12"
    assert page.file_name.text() == catalog.image(seg, ids[0]).file_name
    target = page.image.view
    target.setFocus()
    qtbot.keyClick(target, Qt.Key.Key_D)
    assert page.position.text() == "2 / 12" and page.spin.value() == 2
    wait_drawn(qtbot, page.image, ids[1])
    qtbot.keyClick(target, Qt.Key.Key_Right)
    assert page.position.text() == "3 / 12"
    qtbot.keyClick(target, Qt.Key.Key_A)
    qtbot.keyClick(target, Qt.Key.Key_Left)
    assert page.position.text() == "1 / 12" and not page.prev_button.isEnabled()
    qtbot.keyClick(target, Qt.Key.Key_A)                   # already first: stays
    assert page.position.text() == "1 / 12"
    qtbot.keyClick(target, Qt.Key.Key_End)
    assert page.position.text() == "12 / 12" and not page.next_button.isEnabled()
    wait_drawn(qtbot, page.image, ids[-1])
    assert page.annotations.topLevelItemCount() == len(catalog.annotations(seg, [ids[-1]])[ids[-1]])
    qtbot.keyClick(target, Qt.Key.Key_Home)
    assert page.position.text() == "1 / 12"
    page.spin.setValue(5)
    assert page.position.text() == "5 / 12"
    qtbot.mouseClick(page.next_button, Qt.MouseButton.LeftButton)
    assert page.position.text() == "6 / 12"


def test_m_toggles_the_masks(qtbot, seg):
    page, _ = open_page(qtbot, LabelPage, seg)
    image_id, anns = image_with_masks(seg)
    _go_to(qtbot, page, image_id)
    for layer in ("boxes", "labels"):
        page.image.set_layer_visible(layer, False)
    masks = [mask_of(seg, a) for a in anns]
    y, x = interior(masks[0], masks[1:])
    plain = bare(seg, image_id)
    assert distance(rendered(page.image)[y, x], plain[y, x]) > 30
    page.image.view.setFocus()
    qtbot.keyClick(page.image.view, Qt.Key.Key_M)
    assert not page.image.layer_visible("masks") and not page.image.layer_actions["masks"].isChecked()
    assert distance(rendered(page.image)[y, x], plain[y, x]) <= 6      # the bare pixel again
    qtbot.keyClick(page.annotations, Qt.Key.Key_M)                     # the shortcut works page-wide
    assert page.image.layer_visible("masks")
    assert distance(rendered(page.image)[y, x], plain[y, x]) > 30
    qtbot.keyClick(page.image.view, Qt.Key.Key_B)
    qtbot.keyClick(page.image.view, Qt.Key.Key_L)
    assert page.image.layer_visible("boxes") and page.image.layer_visible("labels")


def test_selecting_an_annotation_highlights_it(qtbot, seg):
    page, _ = open_page(qtbot, LabelPage, seg)
    image_id, anns = image_with_masks(seg, at_least=2)
    _go_to(qtbot, page, image_id)
    for layer in ("boxes", "labels"):
        page.image.set_layer_visible(layer, False)
    masks = [mask_of(seg, a) for a in anns]
    p0 = interior(masks[0], masks[1:])
    p1 = interior(masks[1], [masks[0]] + masks[2:])
    plain, before = bare(seg, image_id), rendered(page.image)
    item = page.annotations.topLevelItem(0)
    qtbot.mouseClick(page.annotations.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.annotations.visualItemRect(item).center())
    assert page.image.scene.highlighted == 0 and page.annotations.selected_index() == 0
    after = rendered(page.image)
    assert distance(after[p0], before[p0]) <= 6                        # the chosen one keeps its tint
    assert distance(after[p1], plain[p1]) < distance(before[p1], plain[p1]) - 10   # the others fade
    page.annotations.select_index(None)
    assert page.image.scene.highlighted is None
    assert distance(rendered(page.image)[p1], before[p1]) <= 6


def test_split_filter_steps_through_one_split(qtbot, seg):
    page, _ = open_page(qtbot, LabelPage, seg)
    val = [i.id for i in catalog.images(seg, "val")]
    page.split_filter.setCurrentIndex(page.split_filter.findData("val"))
    assert page.ids == val and page.position.text() == f"1 / {len(val)}"
    page.split_filter.setCurrentIndex(page.split_filter.findData("test"))
    assert page.ids == [] and page.position.text() == "0 / 0" and not page.next_button.isEnabled()
    assert "No image is in this split" in page.image.scene.items()[0].text()
