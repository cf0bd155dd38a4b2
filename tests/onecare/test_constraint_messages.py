"""Every model constraint is refused in words, and forms name the field (onecare/constraints.py)."""

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from improved_access.forms import SessionForm
from improved_access.models import Session
from onecare.constraints import MESSAGES
from tests.improved_access.factories import PlanFactory

PROJECT_APPS = ("localities", "funding", "improved_access", "onecare")


def project_constraints():
    for model in apps.get_models():
        if model.__module__.split(".")[0] in PROJECT_APPS:
            for constraint in model._meta.constraints:
                yield model, constraint


def test_every_constraint_of_the_portals_models_has_a_message_in_words():
    found = list(project_constraints())
    assert len(found) > 50
    for model, constraint in found:
        message = str(constraint.violation_error_message)
        assert message != constraint.default_violation_error_message, f"{model._meta.label} {constraint.name}"
        assert "Constraint" not in message and "violated" not in message and "_" not in message
        assert message == MESSAGES[constraint.name]


def test_a_refused_constraint_is_answered_in_its_words():
    session = Session(
        plan=PlanFactory(),
        site="Hub",
        day=0,
        starts_at=datetime.time(18, 30),
        ends_at=datetime.time(20, 0),
        appointment_minutes=0,
        valid_from=datetime.date(2018, 4, 1),
    )
    with pytest.raises(ValidationError) as refused:
        session.validate_constraints()
    assert refused.value.messages == ["Appointment length must be at least 1 minute."]


def session_form(**changes) -> SessionForm:
    data = {
        "site": "Central hub",
        "day": "0",
        "starts_at": "18:30",
        "ends_at": "20:00",
        "clinician_type": "gp",
        "appointment_minutes": "15",
        "booking": "pre",
        "valid_from": "2018-04-01",
        **changes,
    }
    form = SessionForm(data, instance=Session(plan=PlanFactory()))
    form.is_valid()
    return form


def test_an_appointment_length_of_0_is_refused_in_words_against_its_field():
    form = session_form(appointment_minutes="0")
    assert form.errors["appointment_minutes"] == ["Appointment length must be at least 1 minute."]
    assert "Constraint" not in str(form.errors) and "violated" not in str(form.errors)


def test_two_bad_times_say_which_is_which():
    form = session_form(starts_at="25:99", ends_at="soon")
    assert form.errors["starts_at"] == ["Enter the start time as hours and minutes, like 18:30."]
    assert form.errors["ends_at"] == ["Enter the end time as hours and minutes, like 20:00."]
