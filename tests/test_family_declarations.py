"""The wizard takes from what a family declares, never from its name: the built-in sample data
(`FamilyInfo.sample_data`) and the schedule that learns it on a CPU (a family's
`sample_schedule` module, named by its INFO, found by `core.families.spec_lookup.sample_schedule_for`)."""
from __future__ import annotations

import dataclasses
import sys
import textwrap

import pytest

import core.families
from core.families.instance_segmentation.demo import FULL, demo_spec
from core.families.spec_lookup import default_spec_for, sample_schedule_for
from family_standin import register


@pytest.fixture
def standin_package(tmp_path, monkeypatch):
    """A family package `core.families.standin` (no trainer) with sample data and a sample schedule."""
    pkg = tmp_path / "standin"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        from core.families.info import FamilyInfo

        INFO = FamilyInfo(name="standin", title="Stand-in", summary="A family for tests.", model="none",
                          import_formats=(), headline_metric="top1", picture="none.png", order=999,
                          sample_data="somewhere:make_sample",
                          sample_schedule="core.families.standin.sample_schedule:sample_schedule")
    '''))
    (pkg / "sample_schedule.py").write_text("def sample_schedule(spec):\n    spec.steps = 7\n    return spec\n")
    monkeypatch.setattr(core.families, "__path__", [*core.families.__path__, str(tmp_path)])
    import core.families.standin as standin

    register(monkeypatch, standin.INFO)
    yield standin.INFO
    for name in [m for m in sys.modules if m.startswith("core.families.standin")]:
        del sys.modules[name]


def test_the_sample_schedule_is_found_through_the_info(standin_package, monkeypatch):
    class Spec:
        steps = 0

    assert sample_schedule_for("standin")(Spec()).steps == 7
    register(monkeypatch, standin_package, dataclasses.replace(standin_package, name="bare", sample_schedule=None))
    assert sample_schedule_for("bare") is None                       # declares none
    assert sample_schedule_for("pose").__module__ == "core.families.pose.sample_schedule"
    schedule = sample_schedule_for("instance_segmentation")
    assert schedule.__module__ == "core.families.instance_segmentation.sample_schedule"


def test_the_demo_and_the_wizard_share_the_sample_schedule():
    from studio.wizard.environment import Environment
    from studio.wizard.review_page import generate_spec

    env = Environment("instance_segmentation", object, cuda=False)
    spec = generate_spec(env, "cpu", "resnet18", "", sample_size=FULL.image_size)
    assert spec.train == demo_spec(FULL).train and spec.train.total_steps == FULL.total_steps == 2000
    assert generate_spec(env, "gpu", "resnet18", "", 64).train == default_spec_for(env.task, "gpu").train
    assert generate_spec(env, "cpu", "resnet18", "", None).train == default_spec_for(env.task, "cpu").train


def test_the_schedule_follows_the_declaration_not_the_name(monkeypatch):
    from studio.wizard.environment import Environment
    from studio.wizard.review_page import generate_spec

    monkeypatch.setattr("studio.wizard.review_page.sample_schedule_for", lambda task: None)
    env = Environment("instance_segmentation", object, cuda=False)
    spec = generate_spec(env, "cpu", "resnet18", "", sample_size=96)
    assert spec.train == default_spec_for(env.task, "cpu").train and spec.data.image_size == 96


def test_the_family_page_mentions_sample_data_where_a_family_declares_it(qtbot, standin_package, monkeypatch):
    from studio.wizard.family_page import FamilyPage

    seg = dataclasses.replace(core.families.family_info("instance_segmentation"), sample_data=None)
    register(monkeypatch, seg, standin_package)
    page = FamilyPage()
    qtbot.addWidget(page)
    page.select("standin")
    assert "or the built-in sample data" in page.details.text()
    assert "Compared by:</b> top1" in page.details.text()
    page.select("instance_segmentation")
    assert "sample data" not in page.details.text()
