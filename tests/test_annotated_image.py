"""The annotated-image widget: masks of every encoding (crowd hatched), keypoints with skeleton
lines, frames of videos and frame folders, unreadable files, layers and zoom."""
from __future__ import annotations

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent

from core.datasets.browse import CategoryStyle
from core.datasets.masks import encode_mask
from core.project.catalog import Annotation
from gui_data_helpers import distance, qimage_rgb, wait_drawn
from studio.ui.annotated_image import AnnotatedImage
from studio.ui.annotation_doc import HATCH_ALPHA, MASK_ALPHA, ImageDoc, class_rgb, prepare

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
H = W = 40


def _doc(frame=None, **kw) -> ImageDoc:
    blob = np.zeros((H, W), bool)
    blob[20:30, 5:15] = True
    anns = [
        Annotation(None, 1, 1, (2, 2, 10, 10), seg_kind="polygon", segmentation=[[2, 2, 12, 2, 12, 12, 2, 12]]),
        Annotation(None, 1, 2, (5, 20, 10, 10), seg_kind="rle", segmentation=encode_mask(blob), iscrowd=1),
        Annotation(None, 1, 1, (25, 25, 8, 8)),                                          # box only
        Annotation(None, 1, 3, (20, 2, 15, 15), keypoints=[22, 4, 2, 30, 10, 1, 0, 0, 0, 34, 15, 2]),
    ]
    styles = {1: CategoryStyle(1, "box"), 2: CategoryStyle(2, "crowd"),
              3: CategoryStyle(3, "person", ("a", "b", "c", "d"), ((0, 1), (1, 2), (1, 3)))}
    frame = np.full((H, W, 3), 90, np.uint8) if frame is None else frame
    return ImageDoc(None, W, H, anns, styles, image_id=1, title="t.png", frame=frame, **kw)


def test_prepare_colors_masks_hatches_crowds_and_skips_boxes():
    prepared = prepare(_doc())
    poly, crowd, box, person = prepared.masks
    assert box is None and person is None
    assert (poly.x, poly.y) == (2, 2) and poly.image.width() == poly.image.height() == 10
    alpha = {poly.image.pixelColor(x, y).alpha() for y in range(10) for x in range(10)}
    assert alpha == {MASK_ALPHA}
    assert poly.image.pixelColor(5, 5).getRgb()[:3] == class_rgb(1)
    crowd_alpha = np.array([crowd.image.pixelColor(x, y).alpha() for y in range(10) for x in range(10)])
    assert set(np.unique(crowd_alpha)) == set(HATCH_ALPHA)            # stripes, not a flat fill
    assert len(crowd.contours) == 1 and crowd.contours[0][:, 0].min() == 5


def test_keypoints_skeleton_and_layers(qtbot):
    view = AnnotatedImage()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    view.show_document(_doc())
    wait_drawn(qtbot, view)
    person = view.scene.items_of[3]
    lines = [i for i in person.keypoints if hasattr(i, "line")]
    dots = [i for i in person.keypoints if not hasattr(i, "line")]
    assert len(dots) == 3                        # v=0 is not drawn
    assert len(lines) == 2 * 2                   # (0,1) and (1,3), each a halo and a line; (1,2) has an invisible end
    coloured = [line for line in lines if line.pen().color().alpha() == 255]
    from core.video.skeleton import limb_color
    assert [line.pen().color().getRgb()[:3] for line in coloured] == [limb_color(0)[::-1], limb_color(2)[::-1]]
    assert [line.pen().style() for line in coloured] == [Qt.PenStyle.DashLine] * 2   # both reach the hidden b
    hollow = [d for d in dots if d.brush().style() == Qt.BrushStyle.NoBrush]
    assert len(hollow) == 1                      # v=1: occluded
    assert view.scene.items_of[1].tag.text == "crowd (crowd)"
    view.set_layer_visible("boxes", False)
    assert not view.scene.items_of[0].box.isVisible() and view.scene.items_of[0].mask.isVisible()
    view.set_layer_visible("masks", False)
    assert not view.scene.items_of[0].mask.isVisible() and view.scene.items_of[0].tag.isVisible()
    view.toggle_layer("labels")
    assert not view.scene.items_of[0].tag.isVisible() and not view.layer_actions["labels"].isChecked()


def test_wheel_zooms_and_fit_restores(qtbot):
    view = AnnotatedImage()
    qtbot.addWidget(view)
    view.resize(400, 400)
    view.show()
    view.show_document(_doc())
    wait_drawn(qtbot, view)
    fitted = view.view.zoom
    assert fitted > 5                            # a 40 px image fills the view
    center = QPointF(view.view.viewport().rect().center())
    event = QWheelEvent(center, view.view.mapToGlobal(center), QPoint(0, 0), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    view.view.wheelEvent(event)
    assert view.view.zoom == pytest.approx(fitted * 1.25 ** 2) and not view.view.fitting
    assert view.zoom_label.text() == f"{view.view.zoom * 100:.0f}%"
    view.fit_action.trigger()
    assert view.view.zoom == pytest.approx(fitted) and view.view.fitting


def test_video_frames_frame_folders_and_unreadable_files(qtbot, tmp_path):
    from core.datasets.sample import sample_video

    view = AnnotatedImage(toolbar=False)
    qtbot.addWidget(view)
    folder = tmp_path / "clip" / "rgb"
    folder.mkdir(parents=True)
    for i, value in enumerate((10, 200)):
        cv2.imwrite(str(folder / f"{i + 1:06d}.png"), np.full((24, 32, 3), value, np.uint8))
    view.show_document(ImageDoc(folder, 0, 0, frame_index=1, caption="wave"))
    wait_drawn(qtbot, view)
    assert (view.doc.width, view.doc.height) == (32, 24) and view.scene.error == ""
    assert distance(qimage_rgb(view.render_image())[20, 30], np.array([200, 200, 200])) <= 3
    video = sample_video(tmp_path / "v.mp4", num_frames=6, size=48)
    view.show_document(ImageDoc(video, 0, 0, frame_index=3))
    wait_drawn(qtbot, view)
    assert (view.doc.width, view.doc.height) == (48, 48) and view.scene.error == ""
    view.show_document(ImageDoc(tmp_path / "gone.png", 30, 20, image_id=7))
    wait_drawn(qtbot, view, 7)
    assert view.scene.error == f"The image file {tmp_path / 'gone.png'} is missing."
    assert view.render_image().width() == 30             # the annotations still have their canvas


def test_an_ignore_region_of_every_class_is_grey_hatched_and_named_ignore(qtbot):
    """KITTI DontCare / labelme __ignore__: no category, iscrowd 1, a box only — drawn as its box, hatched."""
    from studio.ui.annotation_doc import IGNORE_RGB

    doc = ImageDoc(None, W, H, [Annotation(None, 1, None, (4, 6, 20, 10), iscrowd=1)], {}, image_id=1,
                   frame=np.full((H, W, 3), 90, np.uint8))
    (mask,) = prepare(doc).masks
    assert (mask.x, mask.y, mask.image.width(), mask.image.height()) == (4, 6, 20, 10)
    px = [mask.image.pixelColor(x, 0) for x in range(6)]
    assert {c.alpha() for c in px} == set(HATCH_ALPHA)                     # stripes, not a flat fill
    assert (px[0].red(), px[0].green(), px[0].blue()) == IGNORE_RGB
    assert doc.category_name(None) == "ignore" and class_rgb(None) == IGNORE_RGB
    view = AnnotatedImage()
    qtbot.addWidget(view)
    view.show_document(doc)
    wait_drawn(qtbot, view)
    (group,) = view.scene.items_of
    assert group.tag.text == "ignore" and group.mask is not None and group.crowd
