"""`studio project new|info`."""
from __future__ import annotations

import argparse
import json

from core.families import family_infos
from core.project import Project
from core.project import catalog


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("project", help="create or describe a project")
    psub = p.add_subparsers(dest="action", metavar="ACTION")
    psub.required = True

    new = psub.add_parser("new", help="create a project folder")
    new.add_argument("dir", help="folder of the new project (created; must be empty)")
    new.add_argument("--task", required=True, choices=[f.name for f in family_infos()],
                     help="model family of the project")
    new.add_argument("--name", help="display name (default: the folder's name)")
    new.set_defaults(func=_new)

    info = psub.add_parser("info", help="show what a project holds")
    info.add_argument("dir")
    info.add_argument("--json", action="store_true")
    info.set_defaults(func=_info)


def _new(args: argparse.Namespace) -> int:
    from core.setup.new_project import create_empty_project

    with create_empty_project(args.dir, args.task, args.name) as project:
        print(f"Created {project.task} project {project.name!r} in {project.root}")
    return 0


def _info(args: argparse.Namespace) -> int:
    with Project.open(args.dir) as project:
        facts = {
            "name": project.name, "task": project.task, "root": str(project.root),
            "schema_version": project.schema_version,
            "images": len(catalog.images(project)),
            "categories": [c.name for c in catalog.categories(project)],
            "splits": catalog.split_sizes(project),
        }
    if args.json:
        print(json.dumps(facts, indent=2))
    else:
        for k, v in facts.items():
            print(f"{k}: {v}")
    return 0
