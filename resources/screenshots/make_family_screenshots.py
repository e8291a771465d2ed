"""Render one family's README pictures from a trained project (a demo's: `studio demo --task T`):

    python resources/screenshots/make_family_screenshots.py --project DIR --prefix detection \\
        [--pages data,train,runs,optimize,preview] [--video FILE] [--out DIR]

writes OUT/<prefix>-<page>.png for each page, rendered by `studio gui --page`, as a user would see it
(the Preview plays --video, default the input.mp4 beside the project). With `--wizard-model`, also
OUT/<prefix>-wizard-model.png: the new-project wizard's Model step for the project's family, with
the --recent projects (e.g. a detection demo's, for a gesture project's detector list) in the
recent list. Settings go to a throw-away folder, as in make_screenshots.py, so your own recent
projects are untouched.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from resources.screenshots.make_screenshots import (  # noqa: E402
    family_shots, light_window, settle, shots_env, shrink, use_env)


def wizard_model_shot(task: str, recent: list[Path], path: Path) -> None:
    """The wizard walked to its Model step (sample data) for `task`, in this process."""
    from studio.settings import add_recent_project

    for root in recent:
        add_recent_project(root)
    app, window = light_window()

    wizard = window.page("projects").new_project()
    settle(app, 0.5)
    family = wizard.family_page
    family.list.setCurrentRow([i.name for i in family.infos].index(task))
    wizard.next()
    wizard.location_page.parent_folder.setText(tempfile.gettempdir())
    wizard.next()
    wizard.import_page.buttons["sample"].click()
    wizard.next()
    settle(app, 60, wizard.model_page.isComplete)
    settle(app, 0.5)
    wizard.grab().save(str(path))
    wizard.reject()
    window.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--prefix", required=True, help="file name prefix, e.g. the family: detection, gesture")
    parser.add_argument("--pages", default="data,train,runs,optimize,preview")
    parser.add_argument("--video")
    parser.add_argument("--wizard-model", action="store_true", help="also the wizard's Model step for this family")
    parser.add_argument("--recent", action="append", default=[], help="a project folder to list as recent")
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    _work, env = shots_env()
    pages = tuple(p.strip() for p in args.pages.split(",") if p.strip())
    for path in family_shots(Path(args.project).resolve(), args.prefix, pages, out, env,
                             Path(args.video).resolve() if args.video else None):
        shrink(path)
    if args.wizard_model:
        from core.project import Project

        use_env(env)
        with Project.open(Path(args.project).resolve()) as project:
            task = project.task
        path = out / f"{args.prefix}-wizard-model.png"
        wizard_model_shot(task, [Path(r).resolve() for r in args.recent], path)
        shrink(path)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
