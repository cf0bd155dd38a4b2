"""A synthetic, seeded, England-sized data set for performance work (`manage.py generate_scale_data`).

It adds to what is in the database, so a test can build the BNSSG size and then grow it tenfold:
commissioners, practices with quarterly registered and weighted list sizes, localities with members
(some opted out, some in sub-localities), vehicles, representatives, evidence in every status with its
transitions, and releases in every state, proposed by the real evaluation and walked on here.

Bulk rows go in with PostgreSQL COPY (funding.bulk_writes), so history records are NOT written for the
synthetic rows (only the releases' "+" records, which the evaluation writes); state changes of releases
and evidence are written directly as rows, not through the transition functions, for speed.
"""

import datetime
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from funding.bulk_writes import copy_objects, next_ids
from funding.evaluation import evaluate_milestones
from funding.models import (
    ChecklistItem,
    Evidence,
    EvidenceStatus,
    EvidenceTransition,
    PaymentRun,
    PaymentRunState,
    Release,
    ReleaseLine,
    ReleaseState,
    ReleaseTransition,
    Tranche,
)
from onecare.accounts.models import User
from onecare.accounts.roles import Role

from .models import (
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
from .models.localities import RepresentativeRole, VehicleKind

COMMISSIONERS = 42
LATEST_QUARTER = datetime.date(2018, 7, 1)  # the T3 reference date: every tranche has figures
EVALUATED_ON = datetime.date(2018, 9, 30)
MEMBERS_FROM = datetime.date(2013, 4, 1)
ITEM_ORDER = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "2.1", "2.2", "2.3", "2.4", "3.1"]
RELEASE_STATES = list(ReleaseState)
# The walk from proposed to each state: the states passed through, in order.
RELEASE_PATHS = {
    ReleaseState.PROPOSED: [],
    ReleaseState.APPROVED: [ReleaseState.APPROVED],
    ReleaseState.AUTHORISED: [ReleaseState.APPROVED, ReleaseState.AUTHORISED],
    ReleaseState.SCHEDULED: [ReleaseState.APPROVED, ReleaseState.AUTHORISED, ReleaseState.SCHEDULED],
    ReleaseState.PAID: [ReleaseState.APPROVED, ReleaseState.AUTHORISED, ReleaseState.SCHEDULED, ReleaseState.PAID],
    ReleaseState.REJECTED: [ReleaseState.REJECTED],
    ReleaseState.WITHDRAWN: [ReleaseState.WITHDRAWN],
}
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


def _insert(model, objects: list, *, ids: bool) -> None:
    """COPY on PostgreSQL (ids from the sequence when wanted), bulk_create elsewhere."""
    if not objects:
        return
    if connection.vendor != "postgresql":
        created = model.objects.bulk_create(objects, batch_size=2_000)
        for obj, saved in zip(objects, created, strict=True):
            obj.pk = saved.pk
        return
    if ids:
        for obj, pk in zip(objects, next_ids(model, len(objects)), strict=True):
            obj.pk = pk
        copy_objects(model, objects)
    else:
        copy_objects(model, objects, skip=["id"])


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
    for made in Commissioner.objects.bulk_create(missing):
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
    User.objects.bulk_create([u for _, u in made], batch_size=2_000)
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
        Locality.objects.bulk_create(locs, batch_size=2_000)
        added["localities"] = len(locs)

        pracs = [
            Practice(code=f"Y{n:05d}", name=f"Synthetic practice {n:05d}", postcode=_postcode(rng), status="active")
            for n in range(first_practice, first_practice + practices)
        ]
        _insert(Practice, pracs, ids=True)
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
        SubLocality.objects.bulk_create(subs, batch_size=2_000)
        LocalityVehicle.objects.bulk_create(vehicles, batch_size=2_000)
        _insert(PracticeCommissioner, links, ids=False)
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
        _insert(LocalityMembership, members, ids=False)
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
        Representative.objects.bulk_create(reps, batch_size=2_000)
        added["representatives"] = len(reps)

        added.update(_evidence(rng, locs, with_vehicle, people))
    # Outside the block above: the evaluation takes its own lock and transaction.
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
    ImportRecord.objects.bulk_create(records)
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
    _insert(ListSizeSnapshot, snapshots, ids=False)
    return snapshots, records


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    moment = datetime.datetime.combine(day, datetime.time(9)) + datetime.timedelta(minutes=rng.randint(0, 480))
    return timezone.make_aware(moment)


def _evidence(rng: random.Random, locs, with_vehicle: set[int], people: People) -> Counter:
    """Each locality has accepted a run of items in order, then has one or two in progress; every status occurs."""
    items = {item.number: item for item in ChecklistItem.objects.all()}
    order = [items[n] for n in ITEM_ORDER if n in items]
    evidence, transitions = [], []
    later = [EvidenceStatus.SUBMITTED, EvidenceStatus.RETURNED, EvidenceStatus.DRAFT, EvidenceStatus.NOT_STARTED]
    for n, loc in enumerate(locs):
        accepted = rng.randint(0, len(order)) if loc.pk in with_vehicle else rng.randint(0, 2)
        statuses = [EvidenceStatus.ACCEPTED] * accepted
        statuses += [later[(n + k) % len(later)] for k in range(min(2, len(order) - accepted))]
        lead, reviewer = people.leads[loc.pk], people.reviewers[loc.commissioner_id]
        for position, (item, status) in enumerate(zip(order, statuses, strict=False)):
            submitted = _at(datetime.date(2017, 10, 10) + datetime.timedelta(days=10 * position), rng)
            reviewed = submitted + datetime.timedelta(days=rng.randint(1, 20))
            e = Evidence(
                locality_id=loc.pk,
                item_id=item.pk,
                status=status,
                statement=f"Synthetic evidence for {item.number} from {loc.name}.",
                updated_at=reviewed,
            )
            steps = []
            if status == EvidenceStatus.DRAFT:
                steps = [(EvidenceStatus.NOT_STARTED, EvidenceStatus.DRAFT, lead, submitted, "")]
            elif status != EvidenceStatus.NOT_STARTED:
                e.submitted_by_id, e.submitted_at = lead.pk, submitted
                steps = [(EvidenceStatus.NOT_STARTED, EvidenceStatus.SUBMITTED, lead, submitted, "")]
                if status in (EvidenceStatus.ACCEPTED, EvidenceStatus.RETURNED):
                    e.reviewed_by_id, e.reviewed_at = reviewer.pk, reviewed
                    reason = "Please add the signed minutes." if status == EvidenceStatus.RETURNED else ""
                    e.return_reason = reason
                    steps.append((EvidenceStatus.SUBMITTED, status, reviewer, reviewed, reason))
            evidence.append(e)
            transitions += [(e, *step) for step in steps]
    _insert(Evidence, evidence, ids=True)
    rows = [
        EvidenceTransition(
            evidence_id=e.pk, from_status=a, to_status=b, actor_id=who.pk, at=when, reason=why, statement=e.statement
        )
        for e, a, b, who, when, why in transitions
    ]
    _insert(EvidenceTransition, rows, ids=False)
    return Counter(evidence=len(evidence), evidence_transitions=len(rows))


def _releases(rng: random.Random, people: People) -> Counter:
    """The evaluation proposes what the evidence opened; here the releases are walked on to every state."""
    outcome = evaluate_milestones(EVALUATED_ON, trigger="synthetic scale data")
    releases = sorted(
        Release.objects.filter(evaluation=outcome.evaluation).select_related("locality"),
        key=lambda r: (r.locality.code, r.tranche_id),
    )
    rng.shuffle(releases)
    runs: dict[tuple[int, str], PaymentRun] = {}
    transitions, changed = [], []
    base = timezone.make_aware(datetime.datetime.combine(EVALUATED_ON, datetime.time(10)))
    for i, release in enumerate(releases):
        state = RELEASE_STATES[i % len(RELEASE_STATES)]
        commissioner = release.locality.commissioner_id
        when, previous = base, ReleaseState.PROPOSED
        for step in RELEASE_PATHS[state]:
            when += datetime.timedelta(hours=rng.randint(1, 72))
            actor = people.approvers[commissioner]
            if step == ReleaseState.APPROVED:
                release.approved_by_id, release.approved_at = actor.pk, when
            elif step == ReleaseState.AUTHORISED:
                actor = people.finance[commissioner]
                release.authorised_by_id, release.authorised_at = actor.pk, when
            elif step in (ReleaseState.SCHEDULED, ReleaseState.PAID):
                actor = people.finance[commissioner]
                release.payment_run = _run(runs, commissioner, state, actor, when)
                if step == ReleaseState.PAID:
                    release.paid_on = timezone.localdate(release.payment_run.created_at)
            else:
                release.reason = f"Synthetic: {step.label.lower()} to exercise the ledger."
            transitions.append(
                ReleaseTransition(
                    release_id=release.pk,
                    from_state=previous,
                    to_state=step,
                    actor_id=actor.pk,
                    at=when,
                    reason=release.reason,
                )
            )
            previous = step
        if state != ReleaseState.PROPOSED:
            release.state = state
            changed.append(release)
    fields = ["state", "approved_by", "approved_at", "authorised_by", "authorised_at", "payment_run", "paid_on"]
    Release.objects.bulk_update(changed, [*fields, "reason"], batch_size=1_000)
    _insert(ReleaseTransition, transitions, ids=False)
    for (_, state), run in runs.items():
        if state == ReleaseState.PAID:
            _pay(run)
    return Counter(
        releases=len(releases),
        release_lines=ReleaseLine.objects.filter(release__evaluation=outcome.evaluation).count(),
        release_transitions=len(transitions),
        payment_runs=len(runs),
        **{f"releases_{state}": sum(r.state == state for r in releases) for state in RELEASE_STATES},
    )


def _run(runs: dict, commissioner: int, state: str, actor: User, when: datetime.datetime) -> PaymentRun:
    """One draft run (for scheduled releases) and one run to be paid per commissioner (a draft until _pay)."""
    key = (commissioner, state)
    if key not in runs:
        paid = state == ReleaseState.PAID
        runs[key] = PaymentRun.objects.create(
            commissioner_id=commissioner,
            name=f"Synthetic {'paid' if paid else 'draft'} run",
            cost_centre="LTS001",
            state=PaymentRunState.DRAFT,
            created_by=actor,
            created_at=when,
        )
    return runs[key]


def _pay(run: PaymentRun) -> None:
    """As locking and marking paid would: the frozen schedule lines, one Payment per release, then the run paid
    (in that order: the database takes schedule lines and releases only while a run is a draft)."""
    from funding.exports import live_rows
    from funding.models import Payment, ScheduleLine

    paid_on = timezone.localdate(run.created_at)
    ScheduleLine.objects.bulk_create(
        ScheduleLine(payment_run=run, release_id=release_id, position=position, **line)
        for position, (release_id, line) in enumerate(live_rows(run), start=1)
    )
    Payment.objects.bulk_create(
        Payment(
            release_id=pk,
            payment_run=run,
            amount=amount,
            paid_on=paid_on,
            recorded_by_id=run.created_by_id,
            recorded_at=run.created_at,
        )
        for pk, amount in run.releases.values_list("pk", "amount")
    )
    PaymentRun.objects.filter(pk=run.pk).update(
        state=PaymentRunState.PAID,
        locked_by=run.created_by_id,
        locked_at=run.created_at,
        paid_by=run.created_by_id,
        paid_at=run.created_at,
        paid_on=paid_on,
    )
