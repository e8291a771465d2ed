"""One registry of import formats (core.datasets.formats): the CLI, the GUI's import dialog and the
wizard list exactly the formats it holds for each family, with the inputs it names; adding a format
is one entry; a family's built-in sample data comes from its FamilyInfo."""
from __future__ import annotations

import argparse
import dataclasses

import pytest

import core.families as families
from core.datasets import formats
from core.datasets.formats import FORMATS, FormatInput, ImportFormat, formats_for, import_format, input_names
from core.errors import DataError
from core.families import family_infos
from core.project import Project, catalog
from data_fixtures import data_cli, write_png

FAMILIES = [info.name for info in family_infos()]


def expected_options(info) -> list[str]:
    return [*info.import_formats, *(["sample"] if info.sample_data else []), "skip"]


def cli_import_parser() -> argparse.ArgumentParser:
    from studio.commands import data

    parser = argparse.ArgumentParser(prog="studio")
    data.register(parser.add_subparsers(dest="command"))
    return parser


def import_action(parser: argparse.ArgumentParser, flag: str) -> argparse.Action:
    data_parser = next(a for a in parser._subparsers._group_actions[0].choices.values())
    imp = data_parser._subparsers._group_actions[0].choices["import"]
    return next(a for a in imp._actions if flag in a.option_strings)


def test_every_family_names_registered_formats_only():
    for info in family_infos():
        assert [f.name for f in formats_for(info)] == list(info.import_formats)
    with pytest.raises(DataError, match="Unknown import format 'voc'; Studio imports coco, labelme"):
        import_format("voc")


@pytest.mark.parametrize("task", FAMILIES)
def test_the_cli_takes_exactly_the_registry_formats_of_each_family(tmp_path, task):
    parser = cli_import_parser()
    assert tuple(import_action(parser, "--format").choices) == tuple(FORMATS)
    for name in input_names():                       # a flag per input the registry names
        assert import_action(parser, formats.cli_flag(name)).help
    info = families.family_info(task)
    with Project.create(tmp_path / task, task) as project:
        root = str(project.root)
    for fmt in FORMATS.values():
        if fmt.name in info.import_formats:          # accepted: it goes on to ask for the inputs
            with pytest.raises(DataError, match=f"A {fmt.name} import needs --"):
                data_cli("import", root, "--format", fmt.name)
        else:
            with pytest.raises(DataError, match=f"projects import {', '.join(info.import_formats)}, not {fmt.name}"):
                data_cli("import", root, "--format", fmt.name)


def test_the_import_dialog_lists_the_registry_formats_of_each_family(qtbot, tmp_path):
    from gui_data_helpers import open_page
    from studio.pages.data import DataPage

    for task in FAMILIES:
        info = families.family_info(task)
        project = Project.create(tmp_path / task, task)
        page, _ = open_page(qtbot, DataPage, project)
        dialog = page.open_import_dialog()
        assert [dialog.format.itemData(i) for i in range(dialog.format.count())] == list(info.import_formats), task
        for key in info.import_formats:
            assert list(dialog.edits[key]) == list(FORMATS[key].flags)
        dialog.reject()
        project.close()


def test_the_wizard_offers_the_registry_formats_and_the_familys_sample_data(qtbot, tmp_path):
    from studio.wizard.import_page import ImportPage
    from studio.wizard.import_sources import FormatForm, options_for

    class FamilyChoice:
        info = None

        def family(self):
            return self.info

    choice = FamilyChoice()
    page = ImportPage(choice)
    qtbot.addWidget(page)
    for info in family_infos():
        assert options_for(info) == expected_options(info)
        choice.info = info
        page.initializePage()
        shown = [w.objectName().removeprefix("Option_") for w in
                 (page.choices.itemAt(i).widget() for i in range(page.choices.count())) if not w.isHidden()]
        assert shown == expected_options(info), info.name          # in the family's order
        for key in info.import_formats:
            form = page.forms[key]
            assert isinstance(form, FormatForm) and list(form.fields) == list(FORMATS[key].flags)
    (tmp_path / "image_2").mkdir()
    (tmp_path / "label_2").mkdir()
    page.forms["kitti"].fields["images"].setText(str(tmp_path / "image_2"))   # the registry's guess
    assert page.forms["kitti"].fields["labels"].text() == str(tmp_path / "label_2")


def test_the_class_map_options_reach_the_planner_from_the_dialog_and_the_wizard(qtbot, tmp_path):
    """The class map is a text option and --unmapped a choice, beside the paths, in every form."""
    from studio.ui.import_dialog import ImportDialog
    from studio.wizard.import_sources import FormatForm

    images, labels = tmp_path / "image_2", tmp_path / "label_2"
    write_png(images / "a.png", 40, 30)
    labels.mkdir()
    (labels / "a.txt").write_text("Car 0 0 0 1 1 20 20 0 0 0 0 0 0 0\nTram 0 0 0 2 2 9 9 0 0 0 0 0 0 0\n")
    with Project.create(tmp_path / "p", "detection") as project:
        root = project.root
    dialog = ImportDialog(root, ("kitti",))
    qtbot.addWidget(dialog)
    dialog.set_value("images", str(images))
    dialog.set_value("class_map", "Car=vehicle,Car")
    dialog.check()
    assert dialog.error.text() == ("The class map rule 'Car' is not SOURCE=TARGET (e.g. Car=vehicle, or *=hand for "
                                   "every class).") and dialog.task is None     # refused before anything runs
    dialog.set_value("class_map", "Car=vehicle")
    dialog.set_value("unmapped", "drop")
    assert FORMATS["kitti"].kwargs(dialog.values()) == {"images_dir": str(images), "labels_dir": str(labels),
                                                        "class_map": "Car=vehicle", "unmapped": "drop"}
    dialog.check()
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=60_000)
    assert [c.name for c in dialog.plan.categories] == ["vehicle"] and len(dialog.plan.annotations) == 1
    form = FormatForm(FORMATS["kitti"])
    qtbot.addWidget(form)
    form.fields["images"].setText(str(images))
    form.fields["class_map"].setText("*=hand")
    assert form.kwargs()["class_map"] == "*=hand" and form.kwargs()["unmapped"] == "keep"
    form.fields["class_map"].setText("=")
    assert "needs a class on both sides" in form.problem()


def test_a_new_format_is_one_entry(tmp_path, monkeypatch, qtbot):
    from studio.ui.import_dialog import ImportDialog
    from studio.wizard.import_sources import make_forms

    toy = ImportFormat("toy", "Toy folders", "toy folders", "A folder of toys.",
                       (FormatInput("images", "dir", "Toy folder", "the folder of toys", "root_dir"),),
                       "core.datasets.image_folders:plan_image_folders_import")
    monkeypatch.setitem(FORMATS, "toy", toy)
    gesture = families.family_info("gesture")
    infos = {i.name: i for i in family_infos()}
    infos["gesture"] = dataclasses.replace(gesture, import_formats=("toy",))
    monkeypatch.setattr(families, "_all", lambda: infos)
    for cls in ("thumbs_up", "palm"):
        write_png(tmp_path / "toys" / cls / "a.png", 16, 16, seed=len(cls))
    with Project.create(tmp_path / "p", "gesture") as project:
        root = str(project.root)
    assert "toy" in import_action(cli_import_parser(), "--format").choices
    assert data_cli("import", root, "--format", "toy", "--images", str(tmp_path / "toys")) == 0
    with Project.open(root) as project:
        assert len(catalog.images(project)) == 2
    dialog = ImportDialog(root, ("toy",))
    qtbot.addWidget(dialog)
    assert dialog.format.itemData(0) == "toy" and list(dialog.edits["toy"]) == ["images"]
    assert "toy" in [f.key for f in make_forms()]


def test_inputs_say_what_is_missing_or_wrong(tmp_path):
    kitti = FORMATS["kitti"]
    assert kitti.problem({}) == "Choose the folder of images (e.g. image_2/)."
    assert kitti.problem({"images": str(tmp_path)}, cli=True) == (
        "A kitti import needs --images DIR and --labels DIR; missing: --labels (the folder of label .txt files, one "
        "<image name>.txt per image (e.g. label_2/)).")
    assert kitti.problem({"images": str(tmp_path), "labels": str(tmp_path / "nope")}) == \
        f"The labels folder {tmp_path / 'nope'} does not exist."
    (tmp_path / "image_2").mkdir()
    (tmp_path / "label_2").mkdir()
    assert kitti.guess("labels", {"images": str(tmp_path / "image_2")}) == str(tmp_path / "label_2")
    coco = FORMATS["coco"]
    assert coco.kwargs({"annotations": " a.json "}) == {"annotations_file": "a.json", "images_dir": None,
                                                        "class_map": None, "unmapped": "keep"}
    assert coco.problem({"annotations": str(tmp_path)}) == f"The annotations file {tmp_path} does not exist (it is a folder)."


def test_the_cli_refuses_flags_a_format_does_not_take(tmp_path):
    with Project.create(tmp_path / "p", "detection") as project:
        root = str(project.root)
    with pytest.raises(DataError, match="A coco import does not take --labels; it takes --annotations, --images."):
        data_cli("import", root, "--format", "coco", "--annotations", "x.json", "--labels", str(tmp_path))


CALLS: list[dict] = []


def fake_sample_data(project, num_images, size, seed, reporter):
    """A stand-in sample importer (what FamilyInfo.sample_data names): a few images via image folders."""
    from core.datasets.image_folders import plan_image_folders_import
    from core.datasets.plan import commit_import

    CALLS.append({"task": project.task, "num_images": num_images, "size": size, "seed": seed})
    root = project.root.parent / "sample-src"
    for i in range(num_images):
        write_png(root / ("a" if i % 2 else "b") / f"{i}.png", size, size, seed=i)
    return commit_import(project, plan_image_folders_import(root), reporter=reporter)


def test_the_sample_choice_runs_the_familys_sample_importer(tmp_path, monkeypatch):
    from core.setup.new_project import DataSource, NewProjectRequest, create_project
    from studio.wizard.import_sources import options_for

    infos = {i.name: i for i in family_infos()}
    assert infos["instance_segmentation"].sample_data == "core.datasets.sample:import_sample_data"
    infos["gesture"] = dataclasses.replace(infos["gesture"], sample_data="test_import_formats:fake_sample_data")
    infos["pose"] = dataclasses.replace(infos["pose"], sample_data=None)      # a family that brings none
    monkeypatch.setattr(families, "_all", lambda: infos)
    assert options_for(infos["gesture"]) == ["image_folders", "detection_crops", "sample", "skip"]
    CALLS.clear()
    result = create_project(NewProjectRequest(tmp_path / "g", "gesture", "g",
                                              DataSource("sample", sample_images=4, sample_size=16, val_fraction=0.5)))
    assert CALLS == [{"task": "gesture", "num_images": 4, "size": 16, "seed": 0}]
    assert result.images == 4 and sum(result.split.values()) == 4
    with pytest.raises(DataError, match="2D pose projects have no built-in sample data; import your own data instead"):
        create_project(NewProjectRequest(tmp_path / "pose", "pose", "pose", DataSource("sample")))
    assert not (tmp_path / "pose").exists()


def test_registry_imports_nothing_heavy():
    import subprocess
    import sys

    code = ("import sys, core.datasets.formats, studio.commands.data; "
            "heavy = [m for m in ('torch', 'cv2', 'PySide6', 'core.datasets.coco') if m in sys.modules]; "
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=formats.__file__.rsplit("/core/", 1)[0]).stdout.strip()
    assert out == "[]"
