"""Per-keypoint OKS sigmas: how far (relative to the object's scale) a predicted keypoint may be
from the truth, per keypoint, in COCO's object keypoint similarity.

The rule, in order:
1. sigmas given explicitly (a spec's `evaluate.keypoint_sigmas`, one per keypoint) are used;
2. COCO's 17-point person (its names, in its order) gets COCO's published sigmas;
3. otherwise each keypoint gets the sigma of its joint kind, read from its name without the
   side ("left_knee", "r_knee", "knee_left" are knees): COCO's values for nose, eye, ear,
   shoulder, elbow, wrist, hip, knee and ankle; 0.079 for head and neck (CrowdPose's sigmas for
   its head and neck joints); any other name gets the mean of COCO's 17 sigmas (0.0669...).
"""
from __future__ import annotations

import re
from typing import Sequence

COCO_PERSON_KEYPOINTS: tuple[str, ...] = (
    "nose", "left_eye", "right_eye", "left_ear", "right_ear", "left_shoulder", "right_shoulder", "left_elbow",
    "right_elbow", "left_wrist", "right_wrist", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
    "right_ankle")
# pycocotools' COCOeval.Params.kpt_oks_sigmas
COCO_PERSON_SIGMAS: tuple[float, ...] = tuple(v / 10.0 for v in (
    .26, .25, .25, .35, .35, .79, .79, .72, .72, .62, .62, 1.07, 1.07, .87, .87, .89, .89))
JOINT_SIGMAS: dict[str, float] = {
    "nose": 0.026, "eye": 0.025, "ear": 0.035, "shoulder": 0.079, "elbow": 0.072, "wrist": 0.062, "hip": 0.107,
    "knee": 0.087, "ankle": 0.089, "head": 0.079, "neck": 0.079}
DEFAULT_SIGMA = sum(COCO_PERSON_SIGMAS) / len(COCO_PERSON_SIGMAS)

_WORDS = re.compile(r"[a-z]+")
_SIDES = {"left", "right", "l", "r"}


def joint_kind(name: str) -> str | None:
    """The joint kind a keypoint name names ("left_knee" -> "knee"), or None."""
    words = [w for w in _WORDS.findall(name.lower()) if w not in _SIDES]
    for w in words:
        if w in JOINT_SIGMAS:
            return w
        if w.endswith("s") and w[:-1] in JOINT_SIGMAS:     # "eyes"
            return w[:-1]
    return None


def sigmas_for(names: Sequence[str], given: Sequence[float] = ()) -> tuple[tuple[float, ...], str]:
    """(one sigma per keypoint, how they were chosen: a sentence for the evaluation's record)."""
    names = tuple(names)
    if given:
        if len(given) != len(names):
            raise ValueError(f"evaluate.keypoint_sigmas lists {len(given)} sigmas but the keypoint set has "
                             f"{len(names)} keypoints; give one per keypoint (or none for Studio's rule)")
        if any(not s > 0 for s in given):
            raise ValueError("evaluate.keypoint_sigmas must all be positive")
        return tuple(float(s) for s in given), "given in the spec (evaluate.keypoint_sigmas)"
    if names == COCO_PERSON_KEYPOINTS:
        return COCO_PERSON_SIGMAS, "COCO's sigmas for its 17-point person"
    kinds = [joint_kind(n) for n in names]
    sigmas = tuple(JOINT_SIGMAS[k] if k else DEFAULT_SIGMA for k in kinds)
    unknown = [n for n, k in zip(names, kinds) if k is None]
    how = "by joint kind from the keypoint names (COCO's sigma per kind; head and neck 0.079 as CrowdPose)"
    if unknown:
        how += f"; {', '.join(unknown)} got the mean COCO sigma {DEFAULT_SIGMA:.4f}"
    return sigmas, how
