"""The checks keypoints (COCO person_keypoints style) go through on import, each with a sentence in the report.

A category's schema comes from its `keypoints` (names, K of them) and `skeleton` (1-based pairs):
- a skeleton pair naming a keypoint the category does not have (or not a pair of numbers) is
  dropped (repaired), the valid pairs stay;
- `keypoints` that is not a list is ignored (repaired);
- two categories of one file with the same name and different keypoint names are not merged:
  the import is refused (which keypoint set would the annotations mean?). The same rule holds
  against the project (`project_schema_conflicts`): a category that has the name of a project
  category but other keypoint names is refused with a sentence saying how to keep both.

An annotation's `keypoints` must hold x, y, visibility for each of its category's K keypoints:
- another length (or values that are not numbers) skips the annotation;
- a visibility other than 0 (not labeled), 1 (labeled, hidden) or 2 (labeled, visible) skips it;
- a labeled keypoint outside the image is stored as not labeled, (0, 0, 0) (repaired);
- `num_keypoints` always counts the labeled keypoints (v > 0): a file that says otherwise is
  repaired; an annotation whose keypoints are all unlabeled has none (num_keypoints 0);
- keypoints on a category that names no keypoints are dropped (repaired): there is no schema
  to read them with.
"""
from __future__ import annotations

import math
from typing import Any

from core.datasets.report import ImportReport
from core.project import Project
from core.project.keypoint_schema import KeypointSchema, check_skeleton, keypoint_names, schema_of


def category_schema(entry: dict, what: str, report: ImportReport) -> tuple[list | None, list | None]:
    """(keypoint names, valid COCO skeleton pairs) of a COCO category entry, reporting what was dropped."""
    kps, skel = entry.get("keypoints"), entry.get("skeleton")
    if kps is not None and not isinstance(kps, list):
        report.repaired(what, f"Its keypoints entry is a {type(kps).__name__}, not a list of names; it was ignored.")
        kps = None
    names = list(keypoint_names(kps)) if kps else []
    if not skel:
        return names or None, None
    limbs, problems = check_skeleton(skel, len(names))
    for p in problems:
        report.repaired(what, f"In its skeleton, {p}; the pair was dropped.")
    return names or None, [[a + 1, b + 1] for a, b in limbs]


def same_names(a: list | None, b: list | None) -> bool:
    return list(a or []) == list(b or [])


def describe(names: list | None) -> str:
    return KeypointSchema(tuple(names or ())).describe()


def check_keypoints(value: Any, names: list | None, category: str, num_keypoints: Any, w: int, h: int, what: str,
                    report: ImportReport) -> tuple[bool, list | None]:
    """(keep the annotation?, its stored keypoints or None) — see the module docstring."""
    if value is None or value == []:
        return True, None
    if not isinstance(value, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                              and math.isfinite(v) for v in value):
        report.skipped(what, "Skipped because its keypoints are not a list of numbers.")
        return False, None
    k = len(names or [])
    if not k:
        report.repaired(what, f"Its {len(value)} keypoint value(s) were dropped: category {category!r} names no "
                        "keypoints, so they cannot be read.")
        return True, None
    if len(value) != 3 * k:
        report.skipped(what, f"Skipped because its keypoints list has {len(value)} values, but category {category!r} "
                       f"has {k} keypoints ({3 * k} values: x, y and visibility of each).")
        return False, None
    kps = list(value)
    bad = [(i, kps[3 * i + 2]) for i in range(k) if kps[3 * i + 2] not in (0, 1, 2)]
    if bad:
        i, v = bad[0]
        report.skipped(what, f"Skipped because keypoint {i + 1} ({names[i]}) has visibility {v:g}; COCO's are 0 "
                       "(not labeled), 1 (labeled, hidden) and 2 (labeled, visible).")
        return False, None
    outside = []
    for i in range(k):
        x, y, v = kps[3 * i:3 * i + 3]
        if v > 0 and not (0 <= x <= w and 0 <= y <= h):
            outside.append(f"{names[i]} at ({x:g}, {y:g})")
            kps[3 * i:3 * i + 3] = [0, 0, 0]
        else:
            kps[3 * i + 2] = int(v)
    if outside:
        report.repaired(what, f"Its keypoint(s) {', '.join(outside)} lie outside the {w}x{h} image; they are "
                        "stored as not labeled.")
    labeled = sum(1 for v in kps[2::3] if v > 0)
    if num_keypoints is not None and num_keypoints != labeled:
        report.repaired(what, f"Its num_keypoints says {num_keypoints!r} but {labeled} keypoint(s) are labeled "
                        f"(visibility > 0); {labeled} is stored.")
    return True, kps


def project_schema_conflicts(project: Project, categories: list, report: ImportReport) -> None:
    """A rejection for each planned category whose name is a project category's with other keypoint
    names; a note when only the skeleton differs (the project's is kept)."""
    stored = {name: schema_of(kps, skel) for name, kps, skel in
              project.conn.execute("SELECT name, keypoints, skeleton FROM categories")}
    for c in categories:
        if c.name not in stored:
            continue
        ours, theirs = stored[c.name], schema_of(c.keypoints, c.skeleton)
        if ours.names != theirs.names:
            report.rejected(f"category {c.name!r}", (
                f"This file's {c.name!r} has {theirs.describe()} but the project's {c.name!r} has {ours.describe()}; "
                "merging them would mix two keypoint sets under one name. Rename the category in the file (say "
                f"{c.name + '_' + str(theirs.size or 'boxes')!r}) to keep it as a separate category, or make its "
                "keypoints the project's, and import again."))
        elif ours.limbs != theirs.limbs:
            report.repaired(f"category {c.name!r}", f"Its skeleton differs from the project's {c.name!r}; the "
                            "project's skeleton is kept.")
