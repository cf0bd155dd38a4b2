"""The ledger's money invariants under random sequences of the scheme's actions (Hypothesis, stateful).

A state machine plays the portal's people on the LTS rules of the paper (fixtures/lts_*.json): list-size imports
and revisions, practices moving between localities and opting out, evidence and Improved Access plans submitted,
accepted and returned, evaluations as the calendar moves on, approvals, second approvals, rejections, withdrawals,
payment runs and payments. Every action goes through the portal's own functions; a refusal in words is a
legitimate outcome, anything else fails the test. After every step it checks, from the records alone:

- each release's per-practice lines add up to it;
- no practice counts in two localities on one date;
- nothing was proposed before its tranche's window opened, or before the tranches it comes after were released;
- nobody approved or authorised a release they triggered, whose gate evidence they accepted, or whose rule they
  proposed or approved;
- a release is paid at most once, and only from a locked run;
- once everything due is settled (the `settle` step), what was paid for each locality and tranche, adjustments
  included, is the tranche's rate times the locality's population at its reference date, to the penny.

Each example runs in a savepoint that is rolled back, on the throwaway PostgreSQL cluster.
"""

import datetime
import io
import os
from collections import Counter
from decimal import Decimal

import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from funding.evaluation import evaluate_milestones
from funding.models import (
    ChecklistItem,
    Evidence,
    EvidenceStatus,
    EvidenceTransition,
    PaymentRun,
    PaymentRunState,
    Release,
    ReleaseKind,
    ReleaseState,
    ReleaseTransition,
    Tranche,
)
from funding.models.payments import Payment
from funding.money import release_amount
from funding.payment_runs import (
    PaymentRunNotAllowed,
    payment_run_add,
    payment_run_create,
    payment_run_lock,
    payment_run_mark_paid,
)
from funding.release_transitions import (
    ReleaseTransitionNotAllowed,
    release_approve,
    release_authorise,
    release_reject,
    release_withdraw,
)
from funding.transitions import TransitionNotAllowed, evidence_accept, evidence_return, evidence_submit
from improved_access.editing import plan_ensure
from improved_access.models import DeclarationStatus, PlanStatus
from improved_access.transitions import (
    IATransitionNotAllowed,
    declaration_accept,
    declaration_submit,
    plan_accept,
    plan_return,
    plan_submit,
)
from localities.governance import GovernanceNotAllowed, membership_add, membership_end, membership_opt_out
from localities.importing.run import practice_data_import
from localities.models import ListSizeSnapshot, LocalityMembership
from onecare.accounts.roles import Role
from tests.localities.factories import (
    CommissionerFactory,
    ListSizeFactory,
    LocalityFactory,
    MembershipFactory,
    PracticeCommissionerFactory,
    PracticeFactory,
    VehicleFactory,
)
from tests.onecare.factories import UserFactory

START = datetime.date(2017, 9, 1)
END = datetime.date(2019, 6, 30)
EXTRACTS = [datetime.date(2017, 10, 1), datetime.date(2018, 1, 1), datetime.date(2018, 4, 1), datetime.date(2018, 7, 1)]
REFUSED = (
    TransitionNotAllowed,
    ReleaseTransitionNotAllowed,
    PaymentRunNotAllowed,
    GovernanceNotAllowed,
    ValidationError,
    IATransitionNotAllowed,
)
HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS"


def list_size_file(extract: datetime.date, figures: dict[str, int]) -> bytes:
    date = extract.strftime("%d%b%Y").upper()
    lines = [f"GP_PRAC_PAT_LIST,{date},GP,15C,E38000222,{code},BS1 1AA,ALL,ALL,{n}" for code, n in figures.items()]
    return ("\r\n".join([HEADER, *lines]) + "\r\n").encode()


def population(locality, tranche: Tranche) -> Decimal:
    """Worked out here from the records, not by the portal: members on the reference date, each practice's latest
    extract on or before it."""
    field = "registered_patients" if tranche.basis == "registered" else "weighted_patients"
    total = Decimal(0)
    for membership in LocalityMembership.objects.on(tranche.reference_date).filter(locality=locality):
        snapshot = (
            ListSizeSnapshot.objects.filter(practice=membership.practice, extract_date__lte=tranche.reference_date)
            .order_by("-extract_date")
            .first()
        )
        if snapshot is not None and getattr(snapshot, field) is not None:
            total += Decimal(getattr(snapshot, field))
    return total


class World:
    """Made once per test, before the examples: CCGs, two localities of five practices, and their people."""

    def __init__(self):
        call_command("loaddata", "fixtures/lts_checklist.json", "fixtures/lts_tranches.json", verbosity=0)
        bristol = CommissionerFactory(code="11H", name="NHS Bristol CCG", valid_to=datetime.date(2018, 3, 31))
        bnssg = CommissionerFactory(code="15C", name="NHS BNSSG CCG", valid_from=datetime.date(2018, 4, 1))
        bristol.successor = bnssg
        bristol.save()
        self.localities = [
            LocalityFactory(code="north", name="North Bristol", commissioner=bristol),
            LocalityFactory(code="south", name="South Bristol", commissioner=bristol),
        ]
        self.practices = []
        for number in range(6):
            practice = PracticeFactory(code=f"L81{number + 1:03d}", name=f"Surgery {number + 1}")
            PracticeCommissionerFactory(practice=practice, commissioner=bristol)
            ListSizeFactory(
                practice=practice, extract_date=datetime.date(2017, 4, 1), registered_patients=20_000 + 3_000 * number
            )
            MembershipFactory(practice=practice, locality=self.localities[number % 2])
            self.practices.append(practice)
        for locality in self.localities:
            VehicleFactory(locality=locality, established_on=datetime.date(2017, 9, 1))
        self.commissioners = [
            UserFactory(role=Role.COMMISSIONER, commissioner=bnssg, username=f"commissioner-{n}") for n in range(2)
        ]
        self.finance = UserFactory(role=Role.FINANCE_APPROVER, commissioner=bnssg, username="finance")
        self.leads = [
            UserFactory(role=Role.LOCALITY_LEAD, locality=loc, username=f"lead-{loc.code}") for loc in self.localities
        ]
        self.data_admin = UserFactory(role=Role.DATA_ADMIN, username="data-admin")
        self.items = list(ChecklistItem.objects.filter(phase__scheme__code="lts").order_by("phase__number", "position"))
        self.bnssg = bnssg


class LedgerMachine(RuleBasedStateMachine):
    world: World

    def __init__(self):
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.today = START
        self._travel = time_machine.travel(self._moment(), tick=False)
        self._clock = self._travel.start()

    def _moment(self):
        return timezone.make_aware(datetime.datetime.combine(self.today, datetime.time(12)))

    def teardown(self):
        self._travel.stop()
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    def attempt(self, action, *args, **kwargs):
        """Do it through the portal's function; a refusal in words is an allowed outcome (in its own savepoint)."""
        try:
            with transaction.atomic():
                return action(*args, **kwargs)
        except REFUSED:
            return None

    # --- the calendar and the data

    @initialize(start=st.dates(min_value=START, max_value=datetime.date(2018, 9, 30)))
    def the_calendar_starts(self, start):
        self.today = start
        self._clock.move_to(self._moment())

    @rule(days=st.integers(min_value=1, max_value=240))
    def time_passes(self, days):
        self.today = min(END, self.today + datetime.timedelta(days=days))
        self._clock.move_to(self._moment())

    @rule(data=st.data())
    def import_list_sizes(self, data):
        extracts = [extract for extract in EXTRACTS if extract <= self.today]
        if not extracts:
            return
        extract = data.draw(st.sampled_from(extracts), label="extract")
        chosen = data.draw(st.lists(st.sampled_from(self.world.practices), min_size=1, max_size=3, unique=True))
        figures = {p.code: data.draw(st.integers(min_value=5_000, max_value=60_000), label=p.code) for p in chosen}
        record = practice_data_import(
            io.BytesIO(list_size_file(extract, figures)), file_name="list-sizes.csv", user=self.world.data_admin
        )
        assert record.status == "imported", (record.status, record.errors if hasattr(record, "errors") else "")

    @rule(data=st.data())
    def practice_moves(self, data):
        practice = data.draw(st.sampled_from(self.world.practices), label="practice")
        current = LocalityMembership.objects.on(self.today).filter(practice=practice).first()
        if current is None:
            return
        other = next(loc for loc in self.world.localities if loc.pk != current.locality_id)
        commissioner = data.draw(st.sampled_from(self.world.commissioners), label="commissioner")
        if self.attempt(membership_end, current, actor=commissioner, valid_to=self.today) is not None:
            self.attempt(
                membership_add,
                other,
                actor=commissioner,
                practice=practice,
                valid_from=self.today + datetime.timedelta(days=1),
            )

    @rule(data=st.data())
    def practice_opts_out(self, data):
        practice = data.draw(st.sampled_from(self.world.practices), label="practice")
        current = LocalityMembership.objects.on(self.today).filter(practice=practice).first()
        if current is not None and current.opted_out_on is None:
            lead = self.world.leads[self.world.localities.index(current.locality)]
            self.attempt(
                membership_opt_out, current, actor=lead, opted_out_on=self.today, reason="Works with another vehicle."
            )

    # --- evidence and plans

    @rule(data=st.data())
    def evidence_submitted(self, data):
        side = data.draw(st.integers(min_value=0, max_value=1), label="locality")
        item = data.draw(st.sampled_from(self.world.items), label="item")
        locality, lead = self.world.localities[side], self.world.leads[side]
        self.attempt(evidence_submit, locality, item, actor=lead, statement=f"Evidence for {item.number}.")

    @rule(data=st.data(), accept=st.booleans())
    def evidence_reviewed(self, data, accept):
        waiting = list(Evidence.objects.filter(status=EvidenceStatus.SUBMITTED).order_by("pk"))
        if not waiting:
            return
        evidence = data.draw(st.sampled_from(waiting), label="evidence")
        reviewer = data.draw(st.sampled_from(self.world.commissioners), label="reviewer")
        if accept:
            self.attempt(evidence_accept, evidence, actor=reviewer)
        else:
            self.attempt(evidence_return, evidence, actor=reviewer, reason="Please say more.")

    @rule(data=st.data(), phase=st.sampled_from([1, 2]), accept=st.booleans())
    def plan_reviewed(self, data, phase, accept):
        side = data.draw(st.integers(min_value=0, max_value=1), label="locality")
        locality, lead = self.world.localities[side], self.world.leads[side]
        plan = plan_ensure(locality, phase, actor=lead)
        if plan.status in (PlanStatus.DRAFT, PlanStatus.RETURNED):
            self.submit_plan(plan, lead)
            return
        reviewer = data.draw(st.sampled_from(self.world.commissioners), label="reviewer")
        if accept:
            self.accept_plan(plan, reviewer)
        else:
            self.attempt(plan_return, plan, actor=reviewer, reason="Add the same-day sessions.")

    @rule(data=st.data())
    def locality_delivers(self, data):
        """A locality's good month: its lead submits the gate items and plans, a commissioner accepts them all."""
        side = data.draw(st.integers(min_value=0, max_value=1), label="locality")
        locality, lead = self.world.localities[side], self.world.leads[side]
        reviewer = data.draw(st.sampled_from(self.world.commissioners), label="reviewer")
        for item in self.world.items:
            if item.number in ("2.1", "2.2", "2.3", "3.1"):
                self.attempt(evidence_submit, locality, item, actor=lead, statement=f"Evidence for {item.number}.")
                evidence = Evidence.objects.filter(locality=locality, item=item).first()
                if evidence is not None:
                    self.attempt(evidence_accept, evidence, actor=reviewer)
        for phase in (1, 2):
            plan = plan_ensure(locality, phase, actor=lead)
            self.submit_plan(plan, lead)
            self.accept_plan(plan, reviewer)

    def submit_plan(self, plan, lead):
        """The lead submits the plan's declarations, then the plan (the transition refuses it before them)."""
        for declaration in plan.declarations.filter(status__in=[DeclarationStatus.DRAFT, DeclarationStatus.RETURNED]):
            self.attempt(declaration_submit, declaration, actor=lead, evidence="On every practice's website.")
        self.attempt(plan_submit, plan, actor=lead)

    def accept_plan(self, plan, reviewer):
        for declaration in plan.declarations.filter(status=DeclarationStatus.SUBMITTED):
            self.attempt(declaration_accept, declaration, actor=reviewer)
        self.attempt(plan_accept, plan, actor=reviewer)

    # --- money

    @rule(data=st.data())
    def evaluation(self, data):
        by = data.draw(st.sampled_from([None, *self.world.commissioners]), label="triggered by")
        evaluate_milestones(self.today, triggered_by=by, trigger="state machine")

    def _pick(self, data, states):
        releases = list(Release.objects.filter(state__in=states).order_by("pk"))
        return data.draw(st.sampled_from(releases), label="release") if releases else None

    @rule(data=st.data())
    def release_approved(self, data):
        release = self._pick(data, [ReleaseState.PROPOSED])
        if release is not None:
            actor = data.draw(st.sampled_from(self.world.commissioners), label="approver")
            reason = data.draw(st.sampled_from(["", "Agreed at the primary care committee."]), label="reason")
            self.attempt(release_approve, release, actor=actor, reason=reason)

    @rule(data=st.data())
    def release_authorised(self, data):
        release = self._pick(data, [ReleaseState.APPROVED])
        if release is not None:
            self.attempt(release_authorise, release, actor=self.world.finance)

    @rule(data=st.data(), reject=st.booleans())
    def release_ended(self, data, reject):
        release = self._pick(data, [ReleaseState.PROPOSED, ReleaseState.APPROVED, ReleaseState.AUTHORISED])
        if release is not None:
            actor = data.draw(st.sampled_from(self.world.commissioners), label="who")
            end = release_reject if reject else release_withdraw
            self.attempt(end, release, actor=actor, reason="Not yet: the evidence is being looked at again.")

    @rule()
    def payment_run(self):
        authorised = list(Release.objects.filter(state=ReleaseState.AUTHORISED).order_by("pk"))
        if not authorised:
            return
        run = payment_run_create(self.world.bnssg, actor=self.world.finance, name=f"LTS {self.today:%B %Y}")
        payment_run_add(run, authorised, actor=self.world.finance)
        payment_run_lock(run, actor=self.world.finance)
        payment_run_mark_paid(run, actor=self.world.finance, paid_on=self.today)

    @rule()
    def settle(self):
        """Evaluate, then approve, authorise and pay everything due, by people allowed to, until an evaluation finds
        nothing more to propose (an adjustment waits for the one before it); then the sums hold."""
        for _ in range(5):
            outcome = evaluate_milestones(self.today, trigger="settling")
            for release in Release.objects.filter(state=ReleaseState.PROPOSED).order_by("pk"):
                for actor in self.world.commissioners:
                    if self.attempt(release_approve, release, actor=actor, reason="Settling.") is not None:
                        break
            for release in Release.objects.filter(state=ReleaseState.APPROVED).order_by("pk"):
                self.attempt(release_authorise, release, actor=self.world.finance)
            self.payment_run()
            if not (outcome.proposed or outcome.adjustments):
                break
        for locality in self.world.localities:
            for tranche in Tranche.objects.filter(scheme__code="lts"):
                releases = Release.objects.filter(locality=locality, tranche=tranche)
                if releases.exclude(state__in=[ReleaseState.PAID, *DEAD]).exists():
                    continue  # something still waits (a separation of duties nobody here can satisfy)
                paid = releases.filter(state=ReleaseState.PAID).aggregate(total=Sum("amount"))["total"]
                if paid is None:
                    continue
                first = releases.filter(kind=ReleaseKind.RELEASE, state=ReleaseState.PAID).first()
                if first is None:
                    continue
                expected = release_amount(first.rate, population(locality, tranche))
                SEEN[f"settled {tranche.code}" + (" with an adjustment" if releases.count() > 1 else "")] += 1
                assert paid == expected, f"{locality} {tranche.code}: paid £{paid}, due £{expected}"

    # --- invariants, from the records

    @invariant()
    def lines_add_up(self):
        for release in Release.objects.annotate(lines_total=Sum("lines__amount")):
            assert release.lines_total == release.amount, f"{release.reference}: lines £{release.lines_total}"

    @invariant()
    def one_locality_per_practice_per_day(self):
        rows = list(LocalityMembership.objects.order_by("practice_id", "valid_from"))
        for before, after in zip(rows, rows[1:], strict=False):
            if before.practice_id == after.practice_id:
                assert before.valid_to is not None and before.valid_to < after.valid_from, (before, after)

    @invariant()
    def proposed_within_window_and_order(self):
        for release in Release.objects.filter(kind=ReleaseKind.RELEASE).select_related("tranche", "evaluation"):
            tranche = release.tranche
            if tranche.releasable_from:
                assert release.evaluation.at >= tranche.releasable_from, f"{release.reference} before its window"
            for before in tranche.after.all():
                released = ReleaseTransition.objects.filter(
                    release__locality=release.locality_id,
                    release__tranche=before,
                    to_state=ReleaseState.APPROVED,
                    at__lte=release.proposed_at,
                )
                assert released.exists(), f"{release.reference} proposed before {before.code} was released"

    @invariant()
    def separation_of_duties(self):
        steps = ReleaseTransition.objects.filter(to_state__in=[ReleaseState.APPROVED, ReleaseState.AUTHORISED])
        for step in steps.select_related("release__tranche").exclude(actor=None):
            release = step.release
            assert step.actor_id != release.triggered_by_id, f"{release.reference}: approved by who triggered it"
            assert step.actor_id not in {release.rule_proposed_by_id, release.rule_approved_by_id}
            items = release.tranche.gate_items.all()
            acceptors = EvidenceTransition.objects.filter(
                evidence__locality=release.locality_id,
                evidence__item__in=items,
                to_status=EvidenceStatus.ACCEPTED,
                at__lte=release.proposed_at,
            ).values_list("actor_id", flat=True)
            if step.to_state == ReleaseState.APPROVED:
                assert step.actor_id not in set(acceptors), f"{release.reference}: approved by a gate acceptor"

    @invariant()
    def paid_once_from_a_locked_run(self):
        for release in Release.objects.filter(state=ReleaseState.PAID).select_related("payment_run"):
            assert release.payment_run.state == PaymentRunState.PAID
            assert Payment.objects.filter(release=release).count() == 1
        assert not PaymentRun.objects.filter(state=PaymentRunState.DRAFT, releases__state=ReleaseState.PAID).exists()


DEAD = [ReleaseState.REJECTED, ReleaseState.WITHDRAWN]
# What the examples reached, counted across them (the test checks that the sums were checked at all).
SEEN: Counter = Counter()


def test_the_ledger_keeps_its_invariants_under_random_sequences_of_actions():
    LedgerMachine.world = World()
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=int(os.environ.get("LEDGER_EXAMPLES", "25")),
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
            derandomize=True,  # the same sequences on every run: a failure is never down to luck
        ),
    )
    print(f"ledger state machine reached: {dict(SEEN)}")
    assert SEEN["settled T1"] and SEEN["settled T3"], "the examples no longer reach T1 and T3 payments"
