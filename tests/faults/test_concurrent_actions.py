"""Two people doing the same thing at the same moment: one succeeds, the other is told in words, never a 500.

Each test starts two threads (each with its own database connection, so two real PostgreSQL transactions)
that wait at a barrier and then act at once: approvals, marking a run paid, adding one release to two runs,
evidence acceptance and votes, through the transition functions and through the pages people use.
"""

import datetime
import threading
from contextlib import contextmanager
from types import SimpleNamespace
from unittest import mock

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse

from funding.evaluation import evaluate_milestones
from funding.models import (
    Evidence,
    EvidenceStatus,
    Payment,
    PaymentRun,
    PaymentRunState,
    Release,
    ReleaseState,
    ReleaseTransition,
    ScheduleLine,
)
from funding.payment_runs import (
    PaymentRunNotAllowed,
    payment_run_add,
    payment_run_create,
    payment_run_lock,
    payment_run_mark_paid,
)
from funding.release_transitions import ReleaseTransitionNotAllowed, release_approve, release_authorise
from funding.transitions import TransitionNotAllowed, evidence_accept
from onecare.accounts.roles import Role
from onecare.ballots.models import Answer, Vote
from tests.funding.factories import EvidenceFactory
from tests.funding.ledger import accept, join, mark
from tests.localities.factories import PracticeFactory
from tests.onecare.factories import UserFactory
from tests.onecare.onecare_factories import OPENS, open_ballot, practice_manager


def at_once(*actions):
    """Run the actions in threads released together; each one's result or exception, in order."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(index, action):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("returned", action())
        except Exception as error:  # noqa: BLE001 - every outcome is asserted on by the test
            outcomes[index] = ("raised", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, action)) for i, action in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@contextmanager
def meeting_at(target: str, parties: int = 2):
    """The function named by target waits until every request has reached it, then runs: both have passed
    their views' own checks (what the page showed them) before either changes anything."""
    module_name, name = target.rsplit(".", 1)
    module = __import__(module_name, fromlist=[name])
    original = getattr(module, name)
    barrier = threading.Barrier(parties)

    def wrapper(*args, **kwargs):
        barrier.wait(timeout=10)
        return original(*args, **kwargs)

    with mock.patch.object(module, name, wrapper):
        yield


def one_won(outcomes, error_class):
    """Exactly one returned; the other raised error_class (not a database error). The loser's message."""
    kinds = sorted(kind for kind, _ in outcomes)
    assert kinds == ["raised", "returned"], outcomes
    (error,) = [value for kind, value in outcomes if kind == "raised"]
    assert type(error) is error_class or isinstance(error, error_class), repr(error)
    return str(error)


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def no_database_text(message: str) -> None:
    for text in ("constraint", "violat", "deadlock", "duplicate key", "Traceback", "funding_"):
        assert text not in message


@pytest.fixture
def proposed(lts_rules, people, bnssg):
    """South Bristol's T1 release, above the delegated limit, and two commissioners who may each approve it."""
    join(people.south_bristol)
    release = evaluate_milestones(datetime.date(2018, 6, 1), triggered_by=people.commissioner).proposed[0]
    assert release.state == ReleaseState.PROPOSED
    approvers = [UserFactory(role=Role.COMMISSIONER, commissioner=bnssg) for _ in range(2)]
    return SimpleNamespace(release=release, approvers=approvers)


@pytest.fixture
def authorised(lts_rules, people, bnssg):
    join(people.south_bristol, people.woodspring)
    releases = [mark(r, ReleaseState.AUTHORISED) for r in evaluate_milestones(datetime.date(2018, 6, 1)).proposed]
    other_finance = UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg)
    return SimpleNamespace(releases=releases, finance=[people.finance, other_finance])


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_one_is_told_someone_else_approved(proposed):
    first, second = proposed.approvers

    message = one_won(
        at_once(
            lambda: release_approve(Release(pk=proposed.release.pk), actor=first),
            lambda: release_approve(Release(pk=proposed.release.pk), actor=second),
        ),
        ReleaseTransitionNotAllowed,
    )

    release = Release.objects.get(pk=proposed.release.pk)
    assert release.state == ReleaseState.APPROVED
    assert ReleaseTransition.objects.filter(release=release, to_state=ReleaseState.APPROVED).count() == 1
    assert f"{release.reference} was approved by someone else" in message
    no_database_text(message)


@pytest.mark.django_db(transaction=True)
def test_two_authorisations_at_once_one_is_told_someone_else_authorised(proposed, bnssg):
    release_approve(proposed.release, actor=proposed.approvers[0])
    first, second = [UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg) for _ in range(2)]

    message = one_won(
        at_once(
            lambda: release_authorise(Release(pk=proposed.release.pk), actor=first),
            lambda: release_authorise(Release(pk=proposed.release.pk), actor=second),
        ),
        ReleaseTransitionNotAllowed,
    )

    release = Release.objects.get(pk=proposed.release.pk)
    assert release.state == ReleaseState.AUTHORISED
    assert ReleaseTransition.objects.filter(release=release, to_state=ReleaseState.AUTHORISED).count() == 1
    assert f"{release.reference} was authorised by someone else" in message


@pytest.mark.django_db(transaction=True)
def test_two_approvals_at_once_in_the_admin_answer_with_a_message(proposed):
    clients = [logged_in(user) for user in proposed.approvers]
    url = reverse("admin:funding_release_step", args=[proposed.release.pk, "approve"])

    outcomes = at_once(*[lambda c=c: c.post(url) for c in clients])

    responses = [value for kind, value in outcomes]
    assert all(kind == "returned" for kind, _ in outcomes), outcomes
    assert [r.status_code for r in responses] == [302, 302]
    said = [messages_of(r) for r in responses]
    release = Release.objects.get(pk=proposed.release.pk)
    assert sorted(len(m) for m in said) == [1, 1]
    texts = sorted((m[0] for m in said), key=lambda text: "someone else" in text)
    assert texts[0] == f"{release.reference} is now approved."
    assert texts[1].startswith(f"{release.reference}: {release.reference} was approved by someone else")
    no_database_text(texts[1])
    assert ReleaseTransition.objects.filter(release=release, to_state=ReleaseState.APPROVED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_locking_a_run_twice_at_once_freezes_one_schedule(authorised, bnssg):
    first, second = authorised.finance
    run = payment_run_create(bnssg, actor=first, name="June 2018")
    payment_run_add(run, authorised.releases, actor=first)

    message = one_won(
        at_once(
            lambda: payment_run_lock(PaymentRun(pk=run.pk), actor=first),
            lambda: payment_run_lock(PaymentRun(pk=run.pk), actor=second),
        ),
        PaymentRunNotAllowed,
    )

    assert f"Payment run {run.pk} was locked by someone else" in message
    assert PaymentRun.objects.get(pk=run.pk).state == PaymentRunState.LOCKED
    assert ScheduleLine.objects.filter(payment_run=run).count() == 2


@pytest.mark.django_db(transaction=True)
def test_marking_a_run_paid_twice_at_once_pays_once(authorised, bnssg):
    first, second = authorised.finance
    run = payment_run_create(bnssg, actor=first, name="June 2018")
    payment_run_add(run, authorised.releases, actor=first)
    payment_run_lock(run, actor=first)

    message = one_won(
        at_once(
            lambda: payment_run_mark_paid(PaymentRun(pk=run.pk), actor=first),
            lambda: payment_run_mark_paid(PaymentRun(pk=run.pk), actor=second),
        ),
        PaymentRunNotAllowed,
    )

    assert f"Payment run {run.pk} was marked paid by someone else" in message
    assert PaymentRun.objects.get(pk=run.pk).state == PaymentRunState.PAID
    assert Payment.objects.count() == 2
    assert ReleaseTransition.objects.filter(to_state=ReleaseState.PAID).count() == 2


@pytest.mark.django_db(transaction=True)
def test_marking_a_run_paid_twice_at_once_in_the_admin_answers_with_a_message(authorised, bnssg):
    first, second = authorised.finance
    run = payment_run_create(bnssg, actor=first, name="June 2018")
    payment_run_add(run, authorised.releases, actor=first)
    payment_run_lock(run, actor=first)
    clients = [logged_in(user) for user in authorised.finance]
    url = reverse("admin:funding_paymentrun_step", args=[run.pk, "pay"])

    outcomes = at_once(*[lambda c=c: c.post(url) for c in clients])

    assert all(kind == "returned" for kind, _ in outcomes), outcomes
    responses = [value for _, value in outcomes]
    assert [r.status_code for r in responses] == [302, 302]
    texts = sorted(messages_of(r)[0] for r in responses)
    assert any(t.startswith(f"Payment run {run.pk} was marked paid by someone else") for t in texts), texts
    assert Payment.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_runs_sharing_localities_and_tranches_are_paid_at_once(lts_rules, people, bnssg):
    # Four releases (T1 and T2a of two localities), crossed between two runs: each run's first release shares
    # a locality or a tranche with the other's. Each payment waits, holding its first release, until the other
    # holds its own: locking a release must not lock its locality's or tranche's row as well (that blocked the
    # other run, and with the second releases made the two deadlock).
    join(people.south_bristol, people.woodspring)
    gate = list(lts_rules.tranches["T2a"].gate_items.all())
    accepted = datetime.datetime(2018, 5, 1, 12, 0, tzinfo=datetime.UTC)
    accept(people.south_bristol, *gate, at=accepted)
    accept(people.woodspring, *gate, at=accepted)
    proposed = evaluate_milestones(datetime.date(2018, 6, 1)).proposed
    by = {(r.locality_id, r.tranche.code): mark(r, ReleaseState.AUTHORISED) for r in proposed}
    sb, ws = people.south_bristol.pk, people.woodspring.pk
    first, second = [UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg) for _ in range(2)]
    runs = []
    for user, releases in [(first, [by[sb, "T1"], by[ws, "T2a"]]), (second, [by[ws, "T1"], by[sb, "T2a"]])]:
        run = payment_run_create(bnssg, actor=user, name=f"Run of {user.username}")
        payment_run_add(run, releases, actor=user)
        runs.append(payment_run_lock(run, actor=user))

    import funding.payment_runs

    original, barrier, calls = funding.payment_runs.release_pay, threading.Barrier(2), threading.local()

    def pay_then_wait(*args, **kwargs):
        paid = original(*args, **kwargs)
        calls.count = getattr(calls, "count", 0) + 1
        if calls.count == 1:
            barrier.wait(timeout=5)
        return paid

    with mock.patch.object(funding.payment_runs, "release_pay", pay_then_wait):
        outcomes = at_once(
            lambda: payment_run_mark_paid(PaymentRun(pk=runs[0].pk), actor=first),
            lambda: payment_run_mark_paid(PaymentRun(pk=runs[1].pk), actor=second),
        )

    assert [kind for kind, _ in outcomes] == ["returned", "returned"], outcomes
    assert set(PaymentRun.objects.values_list("state", flat=True)) == {PaymentRunState.PAID}
    assert Payment.objects.count() == 4


@pytest.mark.django_db(transaction=True)
def test_adding_a_release_to_two_runs_at_once_adds_it_to_one(authorised, bnssg):
    first, second = authorised.finance
    runs = [payment_run_create(bnssg, actor=user, name=f"Run of {user.username}") for user in (first, second)]
    release = authorised.releases[0]

    message = one_won(
        at_once(
            lambda: payment_run_add(runs[0], [Release(pk=release.pk)], actor=first),
            lambda: payment_run_add(runs[1], [Release(pk=release.pk)], actor=second),
        ),
        PaymentRunNotAllowed,
    )

    release.refresh_from_db()
    assert release.state == ReleaseState.SCHEDULED and release.payment_run_id in {r.pk for r in runs}
    assert f"{release.reference} is already in payment run {release.payment_run_id}" in message
    assert ReleaseTransition.objects.filter(release=release, to_state=ReleaseState.SCHEDULED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_adding_a_release_to_two_runs_at_once_in_the_admin_answers_with_a_message(authorised, bnssg):
    users = authorised.finance
    runs = [payment_run_create(bnssg, actor=user, name=f"Run of {user.username}") for user in users]
    release = authorised.releases[0]
    changelist = reverse("admin:funding_release_changelist")

    def add(user, run):
        post = {"action": "add_to_payment_run", "_selected_action": [release.pk], "confirm": "yes", "run": run.pk}
        return logged_in(user).post(changelist, post)

    with meeting_at("funding.admin.payment_runs.payment_run_add"):
        outcomes = at_once(lambda: add(users[0], runs[0]), lambda: add(users[1], runs[1]))

    assert all(kind == "returned" for kind, _ in outcomes), outcomes
    responses = [value for _, value in outcomes]
    assert [r.status_code for r in responses] == [302, 302]
    texts = [text for r in responses for text in messages_of(r)]
    release.refresh_from_db()
    assert any(f"{release.reference} is already in payment run" in t for t in texts), texts
    assert any(t.startswith("1 releases added") for t in texts), texts
    for text in texts:
        no_database_text(text)


@pytest.mark.django_db(transaction=True)
def test_two_acceptances_of_one_evidence_at_once(people, checklist, bnssg):
    evidence = EvidenceFactory(locality=people.south_bristol, item=checklist.item, submitted=True)
    reviewers = [people.commissioner, people.bnssg_commissioner]

    message = one_won(
        at_once(*[lambda r=r: evidence_accept(Evidence(pk=evidence.pk), actor=r) for r in reviewers]),
        TransitionNotAllowed,
    )

    assert f"item {checklist.item.number} was accepted by someone else" in message
    assert Evidence.objects.get(pk=evidence.pk).status == EvidenceStatus.ACCEPTED
    assert evidence.transitions.filter(to_status=EvidenceStatus.ACCEPTED).count() == 1


@pytest.mark.django_db(transaction=True)
@time_machine.travel(datetime.datetime(2016, 6, 10, 12, 0, tzinfo=OPENS.tzinfo), tick=False)
def test_two_votes_for_one_practice_at_once_on_the_ballot_page():
    ballot, _, practices = open_ballot(practices=2)
    practice = practices[0]
    manager = practice_manager(practice)
    lead = practice_manager(PracticeFactory())
    practice.onecare_member.lead_user = lead
    practice.onecare_member.save()
    url = reverse("ballots:detail", args=[ballot.pk])
    clients = [logged_in(manager), logged_in(lead)]

    with meeting_at("onecare.ballots.views.vote_cast"):
        outcomes = at_once(
            lambda: clients[0].post(url, {"practice": practice.pk, "answer": Answer.YES}),
            lambda: clients[1].post(url, {"practice": practice.pk, "answer": Answer.NO}),
        )

    assert all(kind == "returned" for kind, _ in outcomes), outcomes
    responses = sorted((value for _, value in outcomes), key=lambda r: r.status_code)
    assert [r.status_code for r in responses] == [200, 302]
    assert "has already voted in this ballot" in responses[0].content.decode()
    assert Vote.objects.filter(ballot=ballot, practice=practice).count() == 1
