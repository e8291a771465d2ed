"""How a skeleton looks (core.video.skeleton, the one owner): a colour per limb on every person,
hidden keypoints hollow with dashed limbs, unlabeled ones not drawn — over frames of a generated
video through the shared overlay; and the stick-figure generator's exact keypoints."""
from __future__ import annotations

import cv2
import numpy as np

from core.datasets.synthetic_pose import JOINTS, SKELETON, generate_pose_video, render_pose_scene
from core.predictions import Instances
from core.video.overlay import draw_instances
from core.video.skeleton import draw_keypoints, limb_color, limb_style, point_style

LIMBS = ((0, 1), (1, 2), (0, 3))


def has(img: np.ndarray, color) -> bool:
    return bool((img.reshape(-1, 3) == np.array(color, np.uint8)).all(axis=1).any())


def test_styles_follow_visibility():
    assert [point_style(v) for v in (2, 1, 0)] == ["filled", "hollow", None]
    assert limb_style(2, 2) == "solid" and limb_style(2, 1) == "dashed" and limb_style(1, 0) is None
    assert len({limb_color(i) for i in range(20)}) == 20 and limb_color(3) == limb_color(3)


def test_a_person_drawn_limb_by_limb():
    frame = np.zeros((120, 120, 3), np.uint8)
    kps = np.array([[20, 20, 2], [100, 20, 2], [100, 100, 1], [20, 100, 2], [60, 60, 0]], np.float32)
    draw_keypoints(frame, kps, LIMBS, point_color=(0, 0, 255))
    solid = frame[20, 40:80]                           # limb 0, both ends seen: solid, its own colour
    assert (solid == limb_color(0)).all(axis=1).sum() >= 30
    dashed = frame[28:92, 100]                         # limb 1 ends at a hidden keypoint: dashed
    on = (np.abs(dashed.astype(int) - limb_color(1)).sum(axis=1) < 60)
    assert 0.25 < on.mean() < 0.8, on.mean()
    assert has(frame[15:26, 15:26], (0, 0, 255))                            # a seen keypoint: a filled dot
    assert (frame[60, 60] == 0).all() and (frame[55:66, 55:66] == 0).all()   # unlabeled: nothing


def test_a_hidden_keypoint_is_a_ring():
    frame = np.zeros((60, 60, 3), np.uint8)
    draw_keypoints(frame, np.array([[30, 30, 1]], np.float32), (), point_color=(0, 255, 0))
    assert (frame[30, 30] == 0).all()                                       # hollow
    assert has(frame[25:36, 25:36], (0, 255, 0))                            # the ring


def test_every_person_keeps_the_limb_colours_over_a_generated_video(tmp_path):
    video = generate_pose_video(tmp_path / "walk.mp4", num_frames=4, size=(96, 128), seed=2)
    cap = cv2.VideoCapture(str(video))
    frames = []
    while True:
        ok, f = cap.read()
        if not ok:
            break
        frames.append(f)
    assert len(frames) == 4
    a = np.array([[10, 10, 2], [50, 10, 2], [50, 50, 2], [10, 50, 2]], np.float32)
    b = a + np.array([60, 30, 0], np.float32)
    pred = Instances(np.array([[5, 5, 55, 55], [65, 35, 115, 85]]), np.array([0.9, 0.8]), np.array([1, 1]),
                     keypoints=np.stack([a, b]), skeleton=LIMBS)
    for frame in frames:
        before = frame.copy()
        draw_instances(frame, pred, {1: "figure"}, score_threshold=0.5)
        for person in (a, b):
            for i, (p, q) in enumerate(LIMBS):
                mid = ((person[p, :2] + person[q, :2]) / 2).round().astype(int)
                patch = frame[mid[1] - 1:mid[1] + 2, mid[0] - 1:mid[0] + 2]
                assert has(patch, limb_color(i)), (i, mid)
        assert not has(before, limb_color(0)) or not has(before, limb_color(1))
    low = Instances(pred.boxes, np.array([0.3, 0.2]), pred.labels, keypoints=pred.keypoints, skeleton=LIMBS)
    blank = frames[0].copy()
    assert (draw_instances(blank, low, {1: "figure"}, score_threshold=0.5) == frames[0]).all()   # below the threshold


def test_stick_figures_have_exact_keypoints_and_flags():
    rng = np.random.default_rng(4)
    seen = {0: 0, 1: 0, 2: 0}
    for _ in range(30):
        image, people = render_pose_scene(rng, (96, 128))
        assert image.shape == (96, 128, 3)
        for p in people:
            k = np.asarray(p["keypoints"], np.float32).reshape(-1, 3)
            assert k.shape == (len(JOINTS), 3) and p["num_keypoints"] == int((k[:, 2] > 0).sum())
            for x, y, v in k:
                seen[int(v)] += 1
                if v == 0:
                    assert x == 0 and y == 0
                else:
                    assert 0 <= x < 128 and 0 <= y < 96
            x, y, w, h = p["bbox"]
            assert w > 0 and h > 0 and p["area"] <= w * h
    assert all(seen[v] > 0 for v in (0, 1, 2)), seen           # some leave the frame, some are hidden
    assert len(SKELETON) == 14 and all(1 <= a <= 14 and 1 <= b <= 14 for a, b in SKELETON)
