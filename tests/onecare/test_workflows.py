"""Every model whose status changes through transition functions describes its workflow one way (onecare.workflow)."""

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from onecare.workflow import Step, Workflow, declared

# Status fields that are not (yet) described as a Workflow, each with the reason. A new status field fails
# test_every_status_field_has_its_workflow until it is declared with onecare.workflow or listed here.
NOT_DESCRIBED = {
    ("localities", "Practice", "status"): "the ODS file's word for the practice, copied by the import: no steps",
    ("businessplan", "Activity", "status"): "the business plan's own word, edited freely in the admin",
}
# Workflows whose pages show the status in words, with no tag.
WITHOUT_TAGS = {"member register", "rule change", "activity upload", "import"}


def all_declared() -> list[Workflow]:
    """Every workflow, once every module that declares one is imported (the URLs and the admin import them all)."""
    import_module(settings.ROOT_URLCONF)
    from django.contrib import admin

    admin.autodiscover()
    return declared()


def status_fields():
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, models.Field) and field.name in ("status", "state") and field.choices:
                yield model, field


def test_every_status_field_has_its_workflow():
    workflows = all_declared()
    missing = []
    for model, field in status_fields():
        key = (model._meta.app_label, model.__name__, field.name)
        described = [w for w in workflows if list(w.states.choices) == list(field.choices)]
        if not described and key not in NOT_DESCRIBED:
            missing.append(".".join(key))
    assert missing == []


def test_the_fields_left_undescribed_still_exist():
    """A field listed as not described that no longer exists (or is described now) is taken off the list."""
    fields = {(m._meta.app_label, m.__name__, f.name): f for m, f in status_fields()}
    described = {tuple(w.states.choices) for w in all_declared()}
    stale = [key for key in NOT_DESCRIBED if key not in fields or tuple(fields[key].choices) in described]
    assert stale == []


@pytest.mark.parametrize("workflow", all_declared(), ids=lambda w: w.name)
def test_each_workflow_is_complete(workflow):
    states = set(workflow.states)
    assert workflow.steps, "a workflow has steps"
    for step in workflow.steps.values():
        assert step.sources and step.sources <= states, step.name
        assert step.target in states, step.name
        assert step.roles and step.label, step.name
    if workflow.name in WITHOUT_TAGS:
        assert workflow.tags == {}
    else:
        assert set(workflow.tags) == states
        assert all(css.startswith("nhsuk-tag--") for css in workflow.tags.values())


def test_each_workflow_is_declared_once():
    names = [w.name for w in all_declared()]
    states = [w.states for w in all_declared()]
    assert len(names) == len(set(names))
    assert len(states) == len(set(states))


# The shared description's queries, on a workflow made here (not declared: it is not kept).


class Light(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


def lights() -> Workflow:
    workflow = Workflow(
        "lights",
        Light,
        [
            Step("ready", frozenset({Light.RED}), Light.AMBER, frozenset({"driver"}), "Get ready"),
            Step("go", frozenset({Light.AMBER}), Light.GREEN, frozenset({"driver"}), "Go", refused_as="started"),
            Step("stop", frozenset({Light.AMBER, Light.GREEN}), Light.RED, frozenset({"driver"}), "Stop"),
        ],
        tags={Light.RED: "nhsuk-tag--red", Light.AMBER: "nhsuk-tag--yellow", Light.GREEN: "nhsuk-tag--green"},
        noun="A light",
    )
    from onecare import workflow as shared

    shared._DECLARED.remove(workflow)
    return workflow


def test_it_answers_which_steps_a_state_allows():
    workflow = lights()
    assert workflow.allows("go", Light.AMBER) and workflow.allows("go", "amber")
    assert not workflow.allows("go", Light.RED)
    assert [s.name for s in workflow.steps_from(Light.AMBER)] == ["go", "stop"]
    assert workflow.targets_from(Light.GREEN) == {Light.RED}
    assert workflow.label_to(Light.GREEN) == "Go" and workflow.label_to("nothing") == ""
    assert workflow.tag_class("amber") == "nhsuk-tag--yellow"


def test_it_words_a_refusal_and_names_an_unknown_step():
    workflow = lights()
    assert workflow.refusal("stop", Light.RED) == "A light that is red cannot be red."
    assert workflow.refusal("go", "red") == "A light that is red cannot be started."
    with pytest.raises(LookupError, match="no step 'fly'"):
        workflow.step("fly")


def test_it_refuses_two_steps_of_one_name():
    with pytest.raises(ValueError, match="two steps"):
        Workflow(
            "twice",
            Light,
            [Step("go", frozenset({Light.RED}), Light.GREEN, frozenset({"x"}), "Go")] * 2,
            tags={},
            noun="A light",
        )
