import datetime
import io

import pytest
import time_machine
from django.core.management import CommandError, call_command

from funding.models import EvaluationRequest, MilestoneEvaluation, Release
from funding.tasks import evaluate_milestones, evaluation_requests_sweep
from funding.transitions import evidence_accept
from tests.funding.factories import EvidenceFactory

from .ledger import join


def run_command(*args) -> list[str]:
    out = io.StringIO()
    call_command("evaluate_milestones", *args, stdout=out)
    return out.getvalue().splitlines()


def test_it_prints_what_it_proposed_and_a_summary(lts_rules, two_localities):
    join(*two_localities)

    lines = run_command("--date", "2018-06-01")

    assert lines[-1] == "summary: proposed=2 adjustments=0 amount=105000.00"
    assert lines[0].startswith("release ") and "T1 South Bristol £0.50 x 105,000 = £52,500.00" in lines[0]
    assert run_command("--date", "2018-06-01") == ["summary: proposed=0 adjustments=0 amount=0.00"]
    assert MilestoneEvaluation.objects.first().trigger == "command"


def test_it_refuses_a_bad_date(lts_rules):
    with pytest.raises(CommandError):
        run_command("--date", "01/06/2018")


def test_it_runs_as_a_task_recording_who_triggered_it(lts_rules, two_localities, user_factory):
    join(two_localities[0])
    user = user_factory()

    summary = evaluate_milestones.delay(at="2018-06-01", triggered_by_id=user.pk, trigger="by hand").get()

    assert summary == "summary: proposed=1 adjustments=0 amount=52500.00"
    assert Release.objects.get().triggered_by == user
    assert evaluate_milestones.acks_late


def test_it_evaluates_on_commit_after_an_acceptance(
    lts_rules, people, user_factory, django_capture_on_commit_callbacks
):
    item = lts_rules.items["2.1"]
    evidence = EvidenceFactory(locality=people.south_bristol, item=item, submitted=True)

    with django_capture_on_commit_callbacks(execute=True):
        evidence_accept(evidence, actor=people.commissioner)

    release = Release.objects.get()
    assert (release.tranche.code, release.triggered_by) == ("T2a", people.commissioner)
    assert release.rule["gate_evidence"][0]["accepted_by"] == people.commissioner.pk
    assert EvaluationRequest.objects.get().consumed_at is not None


def test_it_sweeps_requests_whose_task_was_lost(lts_rules, people):
    evidence = EvidenceFactory(locality=people.south_bristol, item=lts_rules.items["2.1"], submitted=True)
    evidence_accept(evidence, actor=people.commissioner)  # no commit in this test: the task is never queued

    assert evaluation_requests_sweep.delay().get() == "summary: proposed=0 adjustments=0 amount=0.00"
    assert EvaluationRequest.objects.get().consumed_at is None  # too recent to be lost yet

    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=11)):
        summary = evaluation_requests_sweep.delay().get()

    assert summary.startswith("summary: proposed=1 ")
    assert EvaluationRequest.objects.get().consumed_at is not None
