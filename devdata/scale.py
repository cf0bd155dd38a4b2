"""A synthetic, seeded, England-sized data set for performance work (`manage.py generate_scale_data`).

It adds to what is in the database, so a test can build the BNSSG size and then grow it tenfold:
commissioners, practices with quarterly registered and weighted list sizes, localities with members
(some opted out, some in sub-localities), vehicles, representatives, evidence in every status, and releases
in every state.

Organisations, practices, list sizes, memberships and people are data: they are bulk-created, with their history
records where the model keeps history (simple-history's bulk_create_with_history). Every change of state goes
through its transition function, as in the portal: evidence is saved, submitted, accepted and returned by
funding.transitions (items 1.7 and 2.4 through the locality's Improved Access plan, improved_access.transitions);
the releases are proposed by evaluate_milestones and approved, authorised, rejected, withdrawn, scheduled and paid
by funding.release_transitions and funding.payment_runs. Each step is dated on its synthetic day by the demo clock
(devdata.demo.funding.demo_clock). The tasks the transitions queue on commit are held (_tasks_held): the e-mails
to synthetic people are not sent, and the evaluation each acceptance asks for is the one nightly evaluation run
here, which consumes every acceptance's request.
"""

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from devdata.demo.funding import demo_clock, on
from devdata.demo.improved_access import plan_as_evidence
from funding.evaluation import evaluate_milestones
from funding.models import (
    PLAN_EVIDENCE_ITEMS,
    ChecklistItem,
    Evidence,
    EvidenceStatus,
    EvidenceTransition,
    Release,
    ReleaseLine,
    ReleaseState,
    ReleaseTransition,
    Tranche,
)
from funding.payment_runs import payment_run_add, payment_run_create, payment_run_lock, payment_run_mark_paid
from funding.release_transitions import (
    exception_needed,
    release_approve,
    release_authorise,
    release_reject,
    release_withdraw,
)
from funding.release_workflow import needs_second_approval
from funding.transitions import evidence_accept, evidence_return, evidence_save_draft, evidence_submit
from improved_access.editing import plan_ensure
from localities.models import (
    Commissioner,
    ImportFormat,
    ImportRecord,
    ImportStatus,
    ListSizeSnapshot,
    Locality,
    LocalityMembership,
    LocalityVehicle,
    Practice,
    PracticeCommissioner,
    Representative,
    SourceKind,
    SubLocality,
)
from localities.models.localities import RepresentativeRole, VehicleKind
from onecare import tasks_queue
from onecare.accounts.models import User
from onecare.accounts.roles import Role

COMMISSIONERS = 42
LATEST_QUARTER = datetime.date(2018, 7, 1)  # the T3 reference date: every tranche has figures
EVALUATED_ON = datetime.date(2018, 9, 30)
RUNS_ON = datetime.date(2018, 10, 15)  # the payment runs are made (and one locked) after the approvals
PAID_ON = datetime.date(2018, 10, 19)
DEAD = (ReleaseState.REJECTED, ReleaseState.WITHDRAWN)
MEMBERS_FROM = datetime.date(2013, 4, 1)
ITEM_ORDER = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.1", "2.2", "2.3", "2.4", "3.1"]
RELEASE_STATES = list(ReleaseState)
PLAN_ITEMS = {number: phase for phase, number in PLAN_EVIDENCE_ITEMS.items()}  # 1.7: phase 1, 2.4: phase 2
EXCEPTION = "Synthetic: approved as an exception to exercise the ledger."
BATCH = 5_000
AREAS = ["B", "BS", "CB", "DN", "EX", "GL", "HU", "L", "LS", "M", "NE", "NG", "OX", "PL", "S", "SO", "TA", "YO"]


@dataclass
class People:
    leads: dict[int, User] = field(default_factory=dict)  # by locality id
    reviewers: dict[int, User] = field(default_factory=dict)  # by commissioner id
    approvers: dict[int, User] = field(default_factory=dict)
    finance: dict[int, User] = field(default_factory=dict)


def quarter_dates(quarters: int) -> list[datetime.date]:
    """The first days of the last `quarters` quarters, oldest first, ending at LATEST_QUARTER."""
    dates, year, month = [], LATEST_QUARTER.year, LATEST_QUARTER.month
    for _ in range(quarters):
        dates.append(datetime.date(year, month, 1))
        month -= 3
        if month < 1:
            month, year = month + 12, year - 1
    return dates[::-1]


def _create(model, objects: list) -> list:
    """Bulk-create the rows (their primary keys set), with one "created" history record each where the model keeps
    history; in batches, so an England-sized list of rows and their history records are never all held at once."""
    history = getattr(model, "history", None) is not None
    for start in range(0, len(objects), BATCH):
        batch = objects[start : start + BATCH]
        if history:
            bulk_create_with_history(batch, model, batch_size=2_000, default_change_reason="Synthetic scale data")
        else:
            model.objects.bulk_create(batch, batch_size=2_000)
    return objects


@contextmanager
def _tasks_held() -> Iterator[list[str]]:
    """Synthetic data only: the tasks the transitions queue on commit (onecare.tasks_queue) are held, not sent, while
    the block runs; yields the names of those held. They are the e-mails to synthetic people, who have no inbox, and
    the milestone evaluation each acceptance asks for, whose request (EvaluationRequest) stays in the database for
    the one nightly evaluation _releases runs: thousands of whole evaluations at England size would take hours.
    Nothing else is changed: every transition runs as it does in the portal."""
    with tasks_queue.held() as held:
        yield held


def _ensure_rules() -> None:
    if not Tranche.objects.exists():
        call_command("loaddata", "fixtures/lts_checklist.json", "fixtures/lts_tranches.json", verbosity=0)


def _commissioners(count: int) -> list[Commissioner]:
    wanted = [f"S{n:02d}" for n in range(count)]
    have = {c.code: c for c in Commissioner.objects.filter(code__in=wanted)}
    missing = [
        Commissioner(code=code, name=f"Synthetic commissioner {code}", valid_from=MEMBERS_FROM)
        for code in wanted
        if code not in have
    ]
    for made in _create(Commissioner, missing):
        have[made.code] = made
    return [have[code] for code in wanted]


def _postcode(rng: random.Random) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{rng.choice(AREAS)}{rng.randint(1, 29)} {rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _sizes(rng: random.Random, total: int, parts: int) -> list[int]:
    """`total` split into `parts` positive whole numbers, at random."""
    cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def _users(commissioners, localities) -> People:
    """A reviewer, an approver and a finance approver per commissioner, and a lead per locality (no logins)."""
    roles = {
        "reviewer": Role.COMMISSIONER,
        "approver": Role.COMMISSIONER,
        "finance": Role.FINANCE_APPROVER,
        "lead": Role.LOCALITY_LEAD,
    }
    password = make_password(None)  # unusable: synthetic people never log in
    made = [
        (kind, User(username=f"scale.{kind}.{c.code.lower()}", commissioner=c, is_staff=True, password=password))
        for c in commissioners
        for kind in ("reviewer", "approver", "finance")
    ]
    made += [("lead", User(username=f"scale.lead.{loc.code}", locality=loc, password=password)) for loc in localities]
    existing = set(User.objects.filter(username__in=[u.username for _, u in made]).values_list("username", flat=True))
    made = [(kind, u) for kind, u in made if u.username not in existing]
    _create(User, [u for _, u in made])
    group_ids = dict(Group.objects.filter(name__in=[r.value for r in roles.values()]).values_list("name", "pk"))
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=u.pk, group_id=group_ids[roles[kind].value]) for kind, u in made], batch_size=5_000
    )
    people = People()
    everyone = {u.username: u for u in User.objects.filter(username__startswith="scale.")}
    for c in commissioners:
        people.reviewers[c.pk] = everyone[f"scale.reviewer.{c.code.lower()}"]
        people.approvers[c.pk] = everyone[f"scale.approver.{c.code.lower()}"]
        people.finance[c.pk] = everyone[f"scale.finance.{c.code.lower()}"]
    for loc in localities:
        people.leads[loc.pk] = everyone[f"scale.lead.{loc.code}"]
    return people


def generate_scale_data(
    *, practices: int, localities: int, quarters: int, seed: int = 1, commissioners: int = COMMISSIONERS
) -> Counter:
    """Add a synthetic data set of this size; return how many rows of each kind it added.

    Localities are spread over `commissioners` commissioners (England has 42; a test may want one, so that a
    commissioner's pages grow with the data).
    """
    if practices < localities or localities < 1 or quarters < 1:
        raise ValueError("Give at least one locality and one quarter, and at least one practice per locality.")
    _ensure_rules()
    added = Counter()
    with transaction.atomic():
        first_practice = Practice.objects.filter(code__startswith="Y").count()
        first_locality = Locality.objects.filter(code__startswith="scl").count()
        rng = random.Random(f"{seed}:{first_locality}:{first_practice}")  # noqa: S311 - synthetic data, not secrets
        commissioners = _commissioners(commissioners)

        locs = [
            Locality(
                code=f"scl{n:05d}",
                name=f"Synthetic locality {n:05d}",
                commissioner=commissioners[n % len(commissioners)],
            )
            for n in range(first_locality, first_locality + localities)
        ]
        _create(Locality, locs)
        added["localities"] = len(locs)

        pracs = [
            Practice(code=f"Y{n:05d}", name=f"Synthetic practice {n:05d}", postcode=_postcode(rng), status="active")
            for n in range(first_practice, first_practice + practices)
        ]
        _create(Practice, pracs)
        added["practices"] = len(pracs)

        members_of = {}
        start = 0
        for loc, size in zip(locs, _sizes(rng, practices, localities), strict=True):
            members_of[loc.pk] = pracs[start : start + size]
            start += size

        links, members, subs, vehicles, reps = [], [], [], [], []
        for n, loc in enumerate(locs):
            members_here = members_of[loc.pk]
            for p in members_here:
                links.append(
                    PracticeCommissioner(practice_id=p.pk, commissioner=loc.commissioner, valid_from=MEMBERS_FROM)
                )
            if len(members_here) >= 4 and n % 4 == 0:
                subs += [SubLocality(locality=loc, name=f"{loc.name} {side}") for side in ("north", "south")]
            if rng.random() < 0.85:
                formal = rng.random() < 0.5
                vehicles.append(
                    LocalityVehicle(
                        locality=loc,
                        kind=VehicleKind.FORMAL if formal else VehicleKind.INFORMAL,
                        legal_name=f"{loc.name} Federation Ltd" if formal else "",
                        established_on=datetime.date(2017, 10, 1),
                        decision_rules="One practice, one vote; a simple majority of practices.",
                    )
                )
        _create(SubLocality, subs)
        _create(LocalityVehicle, vehicles)
        _create(PracticeCommissioner, links)
        subs_of = defaultdict(list)
        for sub in subs:
            subs_of[sub.locality_id].append(sub)
        with_vehicle = {v.locality_id for v in vehicles}
        for loc in locs:
            here = subs_of[loc.pk]
            for i, p in enumerate(members_of[loc.pk]):
                opted_out = loc.pk in with_vehicle and rng.random() < 0.03
                members.append(
                    LocalityMembership(
                        practice_id=p.pk,
                        locality=loc,
                        sub_locality_id=here[i % 2].pk if here else None,
                        valid_from=MEMBERS_FROM,
                        opted_out_on=datetime.date(2018, 2, 1) if opted_out else None,
                        opt_out_reason="Prefers to work outside the vehicle (synthetic)." if opted_out else "",
                    )
                )
        _create(LocalityMembership, members)
        added.update(
            practice_commissioners=len(links),
            memberships=len(members),
            opt_outs=sum(m.opted_out_on is not None for m in members),
            sub_localities=len(subs),
            vehicles=len(vehicles),
        )

        snapshots, records = _list_sizes(rng, pracs, quarters)
        added.update(list_sizes=len(snapshots), import_records=len(records))

        people = _users(commissioners, locs)
        for loc in locs:
            if loc.pk not in with_vehicle:
                continue
            first = members_of[loc.pk][0]
            reps.append(
                Representative(
                    locality=loc,
                    role=RepresentativeRole.LEAD,
                    name=f"Lead of {loc.name}",
                    practice_id=first.pk,
                    user=people.leads[loc.pk],
                    valid_from=datetime.date(2017, 10, 1),
                )
            )
            if rng.random() < 0.33:
                reps.append(
                    Representative(
                        locality=loc,
                        role=RepresentativeRole.DEPUTY,
                        name=f"Deputy of {loc.name}",
                        practice_id=first.pk,
                        valid_from=datetime.date(2017, 10, 1),
                    )
                )
        _create(Representative, reps)
        added["representatives"] = len(reps)

    # The state changes, each through its transition function, on its synthetic day (module docstring).
    with _tasks_held():
        with transaction.atomic():
            added.update(_evidence(rng, locs, with_vehicle, people))
        with transaction.atomic():
            added.update(_releases(rng, people))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return added


def _list_sizes(rng: random.Random, pracs: list[Practice], quarters: int):
    dates = quarter_dates(quarters)
    now = timezone.now()
    records = [
        ImportRecord(
            file_name=f"gp-reg-pat-prac-all_{day.strftime('%d%b%Y').upper()}.csv",
            format=ImportFormat.NHS_DIGITAL,
            status=ImportStatus.IMPORTED,
            created_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9))),
            finished_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 5))),
            rows_new=len(pracs),
            options={"synthetic": True},
        )
        for day in dates
    ]
    _create(ImportRecord, records)
    snapshots = []
    for p in pracs:
        patients = rng.randint(1_500, 25_000)
        weighting = rng.uniform(0.85, 1.2)
        for day, record in zip(dates, records, strict=True):
            patients = max(500, int(patients * rng.uniform(0.98, 1.025)))
            snapshots.append(
                ListSizeSnapshot(
                    practice_id=p.pk,
                    extract_date=day,
                    registered_patients=patients,
                    weighted_patients=Decimal(f"{patients * weighting:.3f}"),
                    source_kind=SourceKind.NHS_DIGITAL,
                    source=record.file_name,
                    created_at=now,
                    import_record_id=record.pk,
                )
            )
    _create(ListSizeSnapshot, snapshots)
    return snapshots, records


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(9)) + datetime.timedelta(minutes=rng.randint(0, 480))
    return timezone.make_aware(moment)


def _evidence(rng: random.Random, locs, with_vehicle: set[int], people: People) -> Counter:
    """Each locality has accepted a run of items in order, then has one or two in progress; every status occurs.

    The lead saves or submits, a commissioner of the locality's CCG accepts or returns (funding.transitions); items
    1.7 and 2.4 are the locality's Improved Access plans, submitted, accepted or returned on the plan
    (improved_access.transitions), which the item follows. An item not started is a row in its first state."""
    items = {item.number: item for item in ChecklistItem.objects.all()}
    order = [items[n] for n in ITEM_ORDER if n in items]
    later = [EvidenceStatus.SUBMITTED, EvidenceStatus.RETURNED, EvidenceStatus.DRAFT, EvidenceStatus.NOT_STARTED]
    steps = {EvidenceStatus.ACCEPTED: "accept", EvidenceStatus.RETURNED: "return", EvidenceStatus.SUBMITTED: "submit"}
    before = EvidenceTransition.objects.count()
    not_started = []
    for n, loc in enumerate(locs):
        accepted = rng.randint(0, len(order)) if loc.pk in with_vehicle else rng.randint(0, 2)
        statuses = [EvidenceStatus.ACCEPTED] * accepted
        statuses += [later[(n + k) % len(later)] for k in range(min(2, len(order) - accepted))]
        lead, reviewer = people.leads[loc.pk], people.reviewers[loc.commissioner_id]
        for position, (item, status) in enumerate(zip(order, statuses, strict=False)):
            submitted = _at(datetime.date(2017, 10, 10) + datetime.timedelta(days=10 * position), rng)
            reviewed = submitted + datetime.timedelta(days=rng.randint(1, 20))
            statement = f"Synthetic evidence for {item.number} from {loc.name}."
            if status == EvidenceStatus.NOT_STARTED:
                not_started.append(Evidence(locality_id=loc.pk, item_id=item.pk))
            elif item.number in PLAN_ITEMS:
                if status == EvidenceStatus.DRAFT:
                    with demo_clock(submitted):
                        plan_ensure(loc, PLAN_ITEMS[item.number], actor=lead)
                else:
                    _plan(loc, item.number, steps[status], lead, reviewer, submitted, reviewed)
            elif status == EvidenceStatus.DRAFT:
                with demo_clock(submitted):
                    evidence_save_draft(loc, item, actor=lead, statement=statement)
            else:
                with demo_clock(submitted):
                    evidence = evidence_submit(loc, item, actor=lead, statement=statement)
                with demo_clock(reviewed):
                    if status == EvidenceStatus.ACCEPTED:
                        evidence_accept(evidence, actor=reviewer)
                    elif status == EvidenceStatus.RETURNED:
                        evidence_return(evidence, actor=reviewer, reason="Please add the signed minutes.")
    _create(Evidence, not_started)
    made = Evidence.objects.filter(locality__in=locs)
    return Counter(evidence=made.count(), evidence_transitions=EvidenceTransition.objects.count() - before)


def _plan(locality, number: str, step: str, lead: User, reviewer: User, submitted, reviewed) -> None:
    """Item 1.7 or 2.4: the locality's IA plan (its evidence) submitted, then accepted or returned, on its days."""
    with demo_clock(submitted):
        plan_as_evidence(locality, number, "submit", lead=lead, reviewer=reviewer)
    if step != "submit":
        with demo_clock(reviewed):
            plan_as_evidence(locality, number, step, lead=lead, reviewer=reviewer)


def _releases(rng: random.Random, people: People) -> Counter:
    """The nightly evaluation proposes what the evidence opened; each release is then taken to a state, every state
    occurring: approved (above the delegated limit only: within it the approval authorises too), authorised,
    scheduled in a draft payment run, paid in a run locked and marked paid, rejected, withdrawn, or left proposed."""
    with demo_clock(on(EVALUATED_ON, 2)):
        outcome = evaluate_milestones(EVALUATED_ON, trigger="synthetic scale data")
    releases = sorted(
        Release.objects.filter(evaluation=outcome.evaluation).select_related("locality__commissioner", "tranche"),
        key=lambda r: (r.locality.code, r.tranche_id),
    )
    rng.shuffle(releases)
    before = ReleaseTransition.objects.count()
    small_states = [state for state in RELEASE_STATES if state != ReleaseState.APPROVED]
    turns = Counter()
    to_run = defaultdict(list)  # (commissioner, state) -> releases to schedule
    for release in releases:
        big = needs_second_approval(release.amount)
        states = RELEASE_STATES if big else small_states
        state = states[turns[big] % len(states)]
        turns[big] += 1
        commissioner = release.locality.commissioner_id
        approver, finance = people.approvers[commissioner], people.finance[commissioner]
        day = EVALUATED_ON + datetime.timedelta(days=rng.randint(1, 10))
        with demo_clock(on(day, 11)):
            if state == ReleaseState.REJECTED:
                release_reject(release, actor=approver, reason="Synthetic: rejected to exercise the ledger.")
            elif state == ReleaseState.WITHDRAWN:
                release_withdraw(release, actor=approver, reason="Synthetic: withdrawn to exercise the ledger.")
            elif state != ReleaseState.PROPOSED:
                release_approve(release, actor=approver, reason=EXCEPTION if exception_needed(release) else "")
        if big and state not in (ReleaseState.PROPOSED, ReleaseState.APPROVED, *DEAD):
            with demo_clock(on(day, 15)):
                release_authorise(release, actor=finance)
        if state in (ReleaseState.SCHEDULED, ReleaseState.PAID):
            to_run[(release.locality.commissioner, state)].append(release)
    runs = 0
    for (commissioner, state), scheduled in to_run.items():
        finance = people.finance[commissioner.pk]
        paid = state == ReleaseState.PAID
        with demo_clock(on(RUNS_ON, 9)):
            run = payment_run_create(
                commissioner,
                actor=finance,
                name=f"Synthetic {'paid' if paid else 'draft'} run",
                cost_centre="LTS001",
                pay_date=PAID_ON,
            )
            payment_run_add(run, scheduled, actor=finance)
            if paid:
                payment_run_lock(run, actor=finance)
        if paid:
            with demo_clock(on(PAID_ON, 16)):
                payment_run_mark_paid(run, actor=finance, paid_on=PAID_ON)
        runs += 1
    return Counter(
        releases=len(releases),
        release_lines=ReleaseLine.objects.filter(release__evaluation=outcome.evaluation).count(),
        release_transitions=ReleaseTransition.objects.count() - before,
        payment_runs=runs,
        **{
            f"releases_{state}": Release.objects.filter(evaluation=outcome.evaluation, state=state).count()
            for state in RELEASE_STATES
        },
    )
