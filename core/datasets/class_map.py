"""A class map applied while importing: rename, merge or drop the classes a source names.

Written as ``Car=vehicle,Van=vehicle`` (commas or new lines between rules, spaces around names
ignored); ``*=hand`` sends every class no other rule names to ``hand``. A class no rule names is
kept under its own name or dropped, as the user says (``--unmapped keep|drop``; default keep). A
rule whose target is ``DontCare`` (or ``__ignore__``) turns that class's boxes into ignore regions
(left out of training and of evaluation). KITTI's own ``DontCare`` rows are ignore regions
already and are never mapped.

`apply_class_map` rewrites an `ImportPlan` in place and says what it did in the plan's report:
each mapped class (a "repaired" item), each dropped class (a "skipped" item with its count) and
each rule that matched no class of the data (probably a typo). Torch- and Qt-free.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from core.datasets.plan import PlannedCategory
from core.errors import DataError

UNMAPPED = ("keep", "drop")
IGNORE_TARGETS = ("dontcare", "__ignore__")   # compared lower-cased
EVERYTHING = "*"


def is_ignore_name(name: str) -> bool:
    """True for the names that mark ignore regions rather than a class (KITTI DontCare, labelme __ignore__)."""
    return name.strip().lower() in IGNORE_TARGETS


@dataclass(frozen=True)
class ClassMap:
    rules: dict[str, str] = field(default_factory=dict)    # source class -> target class
    default: str | None = None                              # the target of "*"
    unmapped: str = "keep"                                  # what happens to a class no rule names

    def target(self, name: str) -> str | None:
        """The class `name` becomes (an ignore name for ignore regions), or None when it is dropped."""
        if name in self.rules:
            return self.rules[name]
        if self.default is not None:
            return self.default
        return name if self.unmapped == "keep" else None

    @property
    def empty(self) -> bool:
        return not self.rules and self.default is None and self.unmapped == "keep"


def parse_class_map(text: str | None, unmapped: str | None = None) -> ClassMap:
    """The class map a user typed; DataError with a sentence saying what is wrong."""
    unmapped = (unmapped or "keep").strip().lower()
    if unmapped not in UNMAPPED:
        raise DataError(f"--unmapped must be keep or drop, not {unmapped!r}.")
    rules: dict[str, str] = {}
    default = None
    for raw in (text or "").replace("\n", ",").split(","):
        rule = raw.strip()
        if not rule:
            continue
        if rule.count("=") != 1:
            raise DataError(f"The class map rule {rule!r} is not SOURCE=TARGET (e.g. Car=vehicle, or *=hand for "
                            "every class).")
        source, target = (part.strip() for part in rule.split("="))
        if not source or not target:
            raise DataError(f"The class map rule {rule!r} needs a class on both sides of '='.")
        if target == EVERYTHING:
            raise DataError(f"The class map rule {rule!r} maps to '*'; '*' may only stand on the left (*=hand).")
        if is_ignore_name(source):
            raise DataError(f"The class map rule {rule!r} maps {source}, which marks ignore regions, not a class; "
                            "ignore regions are kept as they are.")
        if source == EVERYTHING:
            if default is not None and default != target:
                raise DataError(f"The class map sends '*' to both {default!r} and {target!r}; keep one.")
            default = target
            continue
        if source in rules and rules[source] != target:
            raise DataError(f"The class map sends {source!r} to both {rules[source]!r} and {target!r}; keep one.")
        rules[source] = target
    return ClassMap(rules, default, unmapped)


def class_map_problem(text: str | None) -> str:
    """The sentence a class map would fail with, or "" (the import forms check as the user types)."""
    try:
        parse_class_map(text)
    except DataError as exc:
        return str(exc)
    return ""


def apply_class_map(plan, class_map: ClassMap) -> None:
    """Rename, merge and drop the plan's categories as `class_map` says (annotations follow)."""
    if class_map.empty:
        return
    report = plan.report
    counts = Counter(a.category_id for a in plan.annotations if a.category_id is not None)
    names = [c.name for c in plan.categories]
    for source in sorted(class_map.rules):
        if source not in names:
            report.skipped(f"class map rule {source}={class_map.rules[source]}",
                           f"No class of the data is named {source!r}, so this rule changed nothing (the data's "
                           f"classes: {', '.join(names) or 'none'}).")
    targets: dict[int, str | None] = {i: class_map.target(c.name) for i, c in enumerate(plan.categories)}
    kept = sorted({t for t in targets.values() if t is not None and not is_ignore_name(t)})
    index = {name: k for k, name in enumerate(kept)}
    sources: dict[str, list[int]] = {name: [] for name in kept}
    for i, t in targets.items():
        if t is not None and t in sources:
            sources[t].append(i)
    new_categories = []
    for name in kept:
        members = [plan.categories[i] for i in sources[name]]
        first = next((m for m in members if m.name == name), members[0])
        source_id = first.source_id if len(members) == 1 else None
        new_categories.append(PlannedCategory(name, source_id, first.supercategory, first.keypoints, first.skeleton))
    for i, c in enumerate(plan.categories):
        t, n = targets[i], counts.get(i, 0)
        if t is None:
            report.skipped(f"class {c.name}", f"Dropped with its {n} annotation(s): no class map rule names it "
                           "(unmapped classes are dropped).")
        elif is_ignore_name(t):
            report.repaired(f"class {c.name}", f"Its {n} annotation(s) became ignore regions ({c.name}={t}).")
        elif t != c.name:
            report.repaired(f"class {c.name}", f"Mapped to {t!r} by the class map ({n} annotation(s)).")
    out = []
    for a in plan.annotations:
        if a.category_id is None:
            out.append(a)
            continue
        t = targets[a.category_id]
        if t is None:
            continue
        if is_ignore_name(t):
            a.category_id, a.iscrowd = None, 1
        else:
            a.category_id = index[t]
        out.append(a)
    plan.annotations = out
    plan.categories = new_categories
