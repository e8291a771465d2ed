"""Creating a training run from a spec: the one way the CLI (`studio train --spec`), the Train
page, the new-project wizard and the demo make a run. Everything is checked first, so a refusal
leaves no run row and no folder behind."""
from __future__ import annotations

from typing import Any

from core.errors import DataError, RunError, SpecError
from core.families import family_info
from core.project import Project, runs
from core.project.samples import count_samples


def check_new_run_name(project: Project, name: str) -> str | None:
    """A sentence saying why `name` cannot name a new run, or None."""
    try:
        runs.check_run_name(name)
    except RunError as exc:
        return str(exc)
    if runs.find_run(project, name) is not None:
        return f"A run named {name!r} already exists; choose another name."
    return None


def create_run_from_spec(project: Project, name: str, spec: Any, parent_run: str | None = None,
                         require_data: bool = True) -> str:
    """The run row and runs/NAME/spec.yaml. `require_data` refuses a spec whose training split
    has no images (the wizard may make a run before any data is imported)."""
    from core.specs import save_spec_file, spec_to_yaml

    problem = check_new_run_name(project, name)
    if problem:
        raise RunError(problem)
    if getattr(spec, "task", project.task) != project.task:
        raise SpecError(f"The spec is for {spec.task} but the project is {project.task}.")
    split = getattr(getattr(spec, "data", None), "train_split", None)
    if require_data and split:
        kind = family_info(project.task).sample_kind
        if count_samples(project, kind, split) == 0:
            what = {"image": "images", "crop": "labelled boxes or images", "clip": "clips"}[kind]
            raise DataError(f"The {split!r} split has no {what}: import data and split it first (or pick another "
                            "data.train_split).")
    train = getattr(spec, "train", None)
    runs.create_run(project, name, project.task, spec_to_yaml(spec), parent_run=parent_run,
                    total_steps=getattr(train, "total_steps", None))
    save_spec_file(spec, project.run_dir(name) / "spec.yaml")
    return name


def start_from_model(project: Project, name: str, spec: Any, state_dict: dict, transforms: list | None = None,
                     parent_run: str | None = None) -> str:
    """A new run that starts from a given model — weights plus the model transforms that made its
    structure (a pruned model, say): its `checkpoints/start.pt`, which the trainer loads (the
    transforms replayed first) when the run has no step checkpoint yet."""
    from core.families import get_family
    from core.models.checkpoint import write_checkpoint
    from core.project import catalog
    from core.runtime.base import categories_payload
    from core.specs import spec_to_yaml
    from core.training.trainer import start_checkpoint

    family = get_family(project.task)
    categories = catalog.categories(project)
    create_run_from_spec(project, name, spec, parent_run=parent_run)
    try:
        write_checkpoint(start_checkpoint(project.run_dir(name)), {
            "step": 0, "task": project.task, "spec": spec_to_yaml(spec), "categories": categories_payload(categories),
            "transforms": list(transforms or []), "model": state_dict, "role": "start",
            "parent_run": parent_run})
        # the weights must fit the spec's model with those transforms: refuse now, not at train time
        from core.models.weights import restore_model

        restore_model(family, spec, categories, {"model": state_dict, "transforms": transforms}, f"run {name}'s start")
    except BaseException:
        import shutil

        runs.delete_run(project, name)
        shutil.rmtree(project.run_dir(name), ignore_errors=True)
        raise
    return name
