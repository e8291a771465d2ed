"""A category's keypoint schema — its keypoint names and skeleton — read and checked in one place.

COCO stores both on the category: `keypoints` (names, K of them) and `skeleton` (pairs of
1-based keypoint indices, the limbs). The project keeps them in that form (the categories
table, checkpoints, exports); in memory a schema holds the names and its limbs as 0-based pairs.

`check_skeleton` is the rule for what a skeleton may hold: pairs of two whole numbers, each
naming one of the K keypoints (1..K), the two different. A pair that breaks it is dropped with a
sentence saying why (the importer reports them; readers of stored data drop them silently).
`flip_pairs` pairs each "left..." keypoint with its "right..." twin (by name), which a
horizontal flip swaps.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence


@dataclass(frozen=True)
class KeypointSchema:
    names: tuple[str, ...] = ()
    limbs: tuple[tuple[int, int], ...] = ()        # 0-based keypoint index pairs

    @property
    def size(self) -> int:
        return len(self.names)

    def coco_skeleton(self) -> list[list[int]]:
        """The limbs as COCO writes them (1-based pairs)."""
        return [[a + 1, b + 1] for a, b in self.limbs]

    def describe(self) -> str:
        """'17 keypoints (nose, left_eye, ...)' or 'no keypoints'."""
        if not self.names:
            return "no keypoints"
        shown = ", ".join(self.names[:3]) + (", ..." if len(self.names) > 3 else "")
        return f"{len(self.names)} keypoints ({shown})"


def _json_list(value: Any) -> list:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    return value if isinstance(value, list) else []


def keypoint_names(value: Any) -> tuple[str, ...]:
    """Keypoint names from a stored JSON text or a list (non-strings are written as text)."""
    return tuple(str(k) for k in _json_list(value))


def check_skeleton(value: Any, size: int) -> tuple[list[tuple[int, int]], list[str]]:
    """(the valid limbs as 0-based pairs, a sentence per dropped pair) of a COCO skeleton (1-based
    pairs) for a category of `size` keypoints."""
    limbs: list[tuple[int, int]] = []
    problems: list[str] = []
    for pair in _json_list(value):
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in pair)):
            problems.append(f"the skeleton entry {pair!r} is not a pair of keypoint numbers")
            continue
        a, b = pair
        bad = [v for v in (a, b) if not 1 <= v <= size]
        if bad:
            problems.append(f"the skeleton pair [{a}, {b}] names keypoint {bad[0]}, but the category has "
                            f"{size} keypoint(s) (numbered 1 to {size})" if size else
                            f"the skeleton pair [{a}, {b}] names keypoints, but the category lists none")
            continue
        if a == b:
            problems.append(f"the skeleton pair [{a}, {b}] joins keypoint {a} to itself")
            continue
        limbs.append((a - 1, b - 1))
    return limbs, problems


def schema_of(keypoints: Any, skeleton: Any) -> KeypointSchema:
    """The schema of stored `keypoints` / `skeleton` values (JSON text or lists); invalid limbs
    are dropped."""
    names = keypoint_names(keypoints)
    limbs, _ = check_skeleton(skeleton, len(names))
    return KeypointSchema(names, tuple(limbs))


_SIDE = re.compile(r"(^|[_\s-])(left|right|l|r)(?=$|[_\s-])", re.I)


def _other_side(name: str) -> str | None:
    swap = {"left": "right", "right": "left", "l": "r", "r": "l"}
    found = list(_SIDE.finditer(name))
    if len(found) != 1:
        return None
    m = found[0]
    word = m.group(2)
    repl = swap[word.lower()]
    repl = repl.upper() if word.isupper() else repl.capitalize() if word[0].isupper() else repl
    return name[:m.start(2)] + repl + name[m.end(2):]


def flip_pairs(names: Sequence[str]) -> list[int]:
    """For each keypoint, the index of the keypoint a horizontal flip turns it into: its left/right
    twin by name ("left_wrist" <-> "right_wrist", "l_knee" <-> "r_knee"), else itself."""
    index = {n: i for i, n in enumerate(names)}
    out = []
    for i, n in enumerate(names):
        twin = _other_side(n)
        out.append(index.get(twin, i) if twin is not None else i)
    return out


def shared_schema(schemas: Iterable[tuple[str, KeypointSchema]]) -> KeypointSchema:
    """The one schema that every (category name, schema) shares; ValueError with a sentence when
    one has none or they differ (a keypoint model predicts one keypoint set)."""
    items = list(schemas)
    if not items:
        raise ValueError("the project has no categories; import keypoint data first")
    missing = [n for n, s in items if not s.names]
    if missing:
        raise ValueError(f"category {missing[0]!r} defines no keypoints; every category of a pose project needs "
                         "the same keypoint names (import COCO keypoints, whose categories list them)")
    first_name, first = items[0]
    for name, s in items[1:]:
        if s.names != first.names:
            raise ValueError(f"categories {first_name!r} ({first.describe()}) and {name!r} ({s.describe()}) have "
                             "different keypoints; a pose model predicts one keypoint set, so keep one of them "
                             "(or give them the same keypoint names)")
    return first
