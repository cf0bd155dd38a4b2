"""Remittance advice and a practice's view of its money: who may see them, and what they say.

A remittance advice is one paid payment run's payments to one payee, a locality (its Locality Vehicle): the
releases paid, how each amount was worked out and why it was due, and each member practice's share (its
release line). It exists once the run is paid: a draft or locked run has none yet (404). The payee's lead,
the practice managers of its member practices, and the commissioners and finance approvers of its CCG see
it; other roles are refused (403) and anything outside the person's scope answers 404.

A practice's money is its share of each live release (its ReleaseLine), the release's state in words and the
day it was paid, with a link to the remittance advice once paid. Every query here runs a fixed number of
statements whatever the number of releases and lines.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Sum
from django.http import Http404

from localities.models import Locality, LocalityMembership, Practice, SourceKind
from onecare.accounts.roles import Role
from onecare.accounts.scoping import can_see_locality, today, visible_localities, visible_practices
from onecare.formats import long_date, money, patients
from onecare.quarters import Quarter

from .exports import payee_of
from .models import (
    DEAD_STATES,
    ChecklistItem,
    PaymentRun,
    PaymentRunState,
    Release,
    ReleaseKind,
    ReleaseLine,
    ReleaseState,
    ScheduleLine,
)
from .money import ZERO

# The roles that read remittance advice and practices' money; any other role is refused (403).
READERS = (Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.LOCALITY_LEAD, Role.PRACTICE_MANAGER)

SOURCE_LABELS = dict(SourceKind.choices)


def may_read(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_role(*READERS))


def require_reader(user) -> None:
    if not may_read(user):
        raise PermissionDenied


def kind_words(release: Release) -> str:
    if release.kind != ReleaseKind.ADJUSTMENT:
        return "Release"
    return "Top-up" if release.amount >= 0 else "Claw-back"


def sources_words(codes: str) -> str:
    """The list-size sources a release used, in words ("NHS Payments to General Practice")."""
    names = [SOURCE_LABELS.get(code.strip(), code.strip()) for code in (codes or "").split(",") if code.strip()]
    return ", ".join(names)


def calculation_words(release: Release) -> str:
    """£0.50 per head x 105,000 registered patients at 01/01/2018 (list sizes of 01/01/2018: ...) = £52,500.00."""
    basis = release.get_basis_display().lower()
    snapshot = ""
    if release.snapshot_date:
        sources = sources_words(release.snapshot_sources)
        snapshot = f" (list sizes of {release.snapshot_date:%d/%m/%Y}{': ' + sources if sources else ''})"
    words = (
        f"{money(release.rate)} per head × {patients(release.population)} {basis} "
        f"at {release.reference_date:%d/%m/%Y}{snapshot} = {money(release.amount)}"
    )
    if release.kind == ReleaseKind.ADJUSTMENT:
        previous = (release.rule or {}).get("previous_amount")
        if previous not in (None, ""):
            now_due = Decimal(previous) + release.amount
            words = (
                f"{money(release.rate)} per head × {patients(release.population)} {basis} "
                f"at {release.reference_date:%d/%m/%Y}{snapshot} = {money(now_due)} now due, "
                f"less {money(previous)} already paid = {money(release.amount)}"
            )
    return words


def _date(text) -> str:
    try:
        return f"{datetime.datetime.fromisoformat(str(text)):%d/%m/%Y}"
    except (TypeError, ValueError):
        return ""


def why_words(release: Release, titles: dict[str, str]) -> str:
    """Why the money was due, from the rule the release applied: the accepted evidence, joining, or the quarter."""
    rule = release.rule or {}
    if release.kind == ReleaseKind.ADJUSTMENT:
        adjusted = release.adjusts.reference if release.adjusts_id else "an earlier release"
        reason = release.reason or "The figures it was worked out from were revised."
        return f"Adjusts {adjusted}. {reason}"
    if rule.get("quarter"):
        try:
            quarter = Quarter.parse(rule["quarter"])
            label = f"{quarter} ({quarter.label})"
        except ValueError:
            label = str(rule["quarter"])
        judged = _date(rule.get("judged_on"))
        return f"Improved Access quarter {label}: the locality met the compliance rules" + (
            f" judged on {judged}." if judged else "."
        )
    evidence = [e for e in rule.get("gate_evidence") or [] if e.get("item")]
    if evidence:
        parts = []
        for e in evidence:
            title = titles.get(e["item"])
            accepted = _date(e.get("accepted_at"))
            parts.append(f"{e['item']}{' ' + title if title else ''}" + (f" (accepted {accepted})" if accepted else ""))
        return "Evidence accepted for " + "; ".join(parts) + "."
    if rule.get("opens_on_joining"):
        return f"{release.locality.name} joined the scheme: its Locality Vehicle and member practices are recorded."
    return f"Tranche {release.tranche.code} was released to {release.locality.name}."


def _titles(releases: list[Release]) -> dict[str, str]:
    """Checklist item titles by number, for the evidence named in the releases' rules (one query, or none)."""
    numbers = {e.get("item") for r in releases for e in (r.rule or {}).get("gate_evidence") or [] if e.get("item")}
    if not numbers:
        return {}
    items = ChecklistItem.objects.filter(number__in=numbers, phase__scheme__code="lts").values_list("number", "title")
    return dict(items)


# --- Remittance advice ------------------------------------------------------------------------------------


@dataclass
class AdviceRelease:
    release: Release
    kind: str
    calculation: str
    why: str
    lines: list[ReleaseLine] = field(default_factory=list)

    @property
    def lines_total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def tranche_words(self) -> str:
        return f"{self.release.tranche.code}: {self.release.tranche.name}"


@dataclass
class Remittance:
    run: PaymentRun
    locality: Locality
    payee: str
    supplier_number: str
    bank_reference: str
    releases: list[AdviceRelease]
    # The practices whose money page the reader may open (their own practice, or those they can see).
    readable_practices: set[int] = field(default_factory=set)

    @property
    def reference(self) -> str:
        return self.run.reference

    @property
    def pay_date(self) -> datetime.date | None:
        return self.run.pay_date

    @property
    def paid_on(self) -> datetime.date:
        return self.run.paid_on

    @property
    def payer(self) -> str:
        return f"{self.run.commissioner.name} ({self.run.commissioner.code})"

    @property
    def total(self) -> Decimal:
        return sum((r.release.amount for r in self.releases), ZERO)

    @property
    def lines_total(self) -> Decimal:
        return sum((r.lines_total for r in self.releases), ZERO)

    @property
    def filename(self) -> str:
        return f"remittance-advice-{self.reference}-{self.locality.code}.pdf".replace(" ", "-").lower()


def _payee_record(run: PaymentRun, locality: Locality, releases: list[Release]) -> tuple[str, str, str]:
    """The payee, its supplier number and bank reference as the locked schedule froze them: what was paid. A
    paid run always has its schedule; the vehicle's record now is only the answer for a run without one."""
    row = (
        ScheduleLine.objects.filter(payment_run=run, release__in=[r.pk for r in releases])
        .order_by("position")
        .values("payee", "supplier_number", "bank_reference")
        .first()
    )
    if row is not None:
        return row["payee"], row["supplier_number"], row["bank_reference"]
    vehicle = getattr(locality, "vehicle", None)
    return payee_of(locality), getattr(vehicle, "supplier_number", ""), getattr(vehicle, "bank_reference", "")


def _readable_members(user, locality: Locality, practice_ids: set[int]) -> set[int]:
    """Of these practices, those whose money page the reader of this locality's advice may open: a practice
    manager's own; for anyone else who reads the locality, its members today (readable_practices, without
    working out the user's localities again)."""
    if _own_practice_only(user):
        return {user.practice_id} & practice_ids
    members = LocalityMembership.objects.on(today()).filter(locality=locality, practice_id__in=practice_ids)
    return set(members.values_list("practice_id", flat=True))


def get_remittance_for_user(user, run_pk: int, code: str) -> Remittance:
    """The remittance advice of a paid run to one locality, for someone who may read it: 403 for other roles,
    404 for a run that is not paid, a locality out of scope, or a run that paid it nothing."""
    require_reader(user)
    try:
        locality = visible_localities(user).select_related("vehicle").get(code=code)
    except Locality.DoesNotExist:
        raise Http404("No such remittance advice.") from None
    run = PaymentRun.objects.select_related("commissioner").filter(pk=run_pk, state=PaymentRunState.PAID).first()
    if run is None:
        raise Http404("No such remittance advice.")
    releases = list(
        Release.objects.filter(payment_run=run, locality=locality, state=ReleaseState.PAID)
        .select_related("tranche", "adjusts__tranche", "adjusts__locality")
        .order_by("tranche__position", "tranche__code", "pk")
    )
    if not releases:
        raise Http404("No such remittance advice.")
    for release in releases:
        release.locality = locality  # one locality: no query per release for its name or code
    lines = defaultdict(list)
    for line in (
        ReleaseLine.objects.filter(release__in=[r.pk for r in releases])
        .select_related("practice")
        .order_by("release_id", "practice__code")
    ):
        lines[line.release_id].append(line)
    titles = _titles(releases)
    name, supplier, bank = _payee_record(run, locality, releases)
    practice_ids = {line.practice_id for found in lines.values() for line in found}
    return Remittance(
        run=run,
        locality=locality,
        payee=name,
        supplier_number=supplier,
        bank_reference=bank,
        readable_practices=_readable_members(user, locality, practice_ids),
        releases=[
            AdviceRelease(
                release=release,
                kind=kind_words(release),
                calculation=calculation_words(release),
                why=why_words(release, titles),
                lines=lines[release.pk],
            )
            for release in releases
        ],
    )


def paid_by_run(locality: Locality, releases: list[Release]) -> list[dict]:
    """remittances_for_user's rows for one locality, from its live releases: the paid ones summed by payment run,
    newest paid first, as the query grouped and ordered them (a paid release always has its run and its day)."""
    runs: dict[int, dict] = {}
    for release in releases:
        if release.state != ReleaseState.PAID:
            continue
        row = runs.setdefault(
            release.payment_run_id,
            {
                "payment_run_id": release.payment_run_id,
                "locality__code": locality.code,
                "locality__name": locality.name,
                "total": ZERO,
                "releases": 0,
                "paid_on": release.paid_on,
            },
        )
        row["total"] += release.amount
        row["releases"] += 1
        row["paid_on"] = min(row["paid_on"], release.paid_on)
    return sorted(runs.values(), key=lambda row: (row["paid_on"], row["payment_run_id"]), reverse=True)


@dataclass
class AdviceRow:
    run_pk: int
    reference: str
    run_name: str
    payer: str
    locality_code: str
    locality_name: str
    paid_on: datetime.date
    pay_date: datetime.date | None
    releases: int
    total: Decimal


def remittances_for_user(
    user, locality: Locality | None = None, releases: list[Release] | None = None
) -> list[AdviceRow]:
    """Every remittance advice the user may read (to one locality when given), newest paid first: one row per paid
    run and payee (two queries; one, or none when nothing is paid yet, with the locality's live `releases` its page
    has read: funding.dashboards.locality_releases, that locality's alone; they are used only with the locality)."""
    require_reader(user)
    if locality is not None and not can_see_locality(user, locality):
        return []
    if releases is not None and locality is not None:
        rows = paid_by_run(locality, releases)
    else:
        paid = Release.objects.filter(state=ReleaseState.PAID)
        if locality is None:
            paid = paid.filter(locality__in=visible_localities(user))
        else:  # the locality's page: without the visible localities' subquery
            paid = paid.filter(locality=locality)
        rows = list(
            paid.values("payment_run_id", "locality__code", "locality__name")
            .annotate(total=Sum("amount"), releases=Count("pk"), paid_on=Min("paid_on"))
            .order_by("-paid_on", "-payment_run_id", "locality__name")
        )
    runs = PaymentRun.objects.select_related("commissioner").in_bulk({row["payment_run_id"] for row in rows})
    found = []
    for row in rows:
        run = runs[row["payment_run_id"]]
        if run.state != PaymentRunState.PAID:
            continue
        found.append(
            AdviceRow(
                run_pk=run.pk,
                reference=run.reference,
                run_name=run.name,
                payer=f"{run.commissioner.name} ({run.commissioner.code})",
                locality_code=row["locality__code"],
                locality_name=row["locality__name"],
                paid_on=run.paid_on,
                pay_date=run.pay_date,
                releases=row["releases"],
                total=row["total"],
            )
        )
    return found


# --- A practice's money ---------------------------------------------------------------------------------


STATE_WORDS = {
    ReleaseState.PROPOSED: "Proposed: waiting for a commissioner's approval",
    ReleaseState.APPROVED: "Approved: waiting for finance's authorisation",
    ReleaseState.AUTHORISED: "Authorised: waiting for a payment run",
    ReleaseState.SCHEDULED: "In a payment run: to be paid",
}


@dataclass
class Share:
    line: ReleaseLine
    release: Release
    kind: str
    why: str

    @property
    def state_words(self) -> str:
        if self.release.state == ReleaseState.PAID:
            return f"Paid on {long_date(self.release.paid_on)}"
        if self.release.state == ReleaseState.SCHEDULED and self.release.payment_run_id:
            pay_date = self.release.payment_run.pay_date
            reference = self.release.payment_run.reference
            if pay_date:
                return f"In payment run {reference}: to be paid on {long_date(pay_date)}"
            return f"In payment run {reference}: to be paid"
        return STATE_WORDS.get(self.release.state, self.release.get_state_display())

    @property
    def paid(self) -> bool:
        return self.release.state == ReleaseState.PAID


@dataclass
class PracticeMoney:
    practice: Practice
    shares: list[Share]

    def _sum(self, states) -> Decimal:
        return sum((s.line.amount for s in self.shares if s.release.state in states), ZERO)

    @property
    def paid(self) -> Decimal:
        return self._sum([ReleaseState.PAID])

    @property
    def on_the_way(self) -> Decimal:
        return self._sum([ReleaseState.APPROVED, ReleaseState.AUTHORISED, ReleaseState.SCHEDULED])

    @property
    def proposed(self) -> Decimal:
        return self._sum([ReleaseState.PROPOSED])

    @property
    def opted_out(self) -> bool:
        return any(s.line.opted_out for s in self.shares)


def _own_practice_only(user) -> bool:
    return user.has_role(Role.PRACTICE_MANAGER) and not user.has_role(
        Role.LOCALITY_LEAD, Role.COMMISSIONER, Role.FINANCE_APPROVER
    )


def readable_practices(user):
    """The practices whose money the user may read: a practice manager's own; a lead's, commissioner's or finance
    approver's, those they can see."""
    if _own_practice_only(user):
        return Practice.objects.filter(pk=user.practice_id)
    return visible_practices(user)


def practice_for_user(user, pk: int) -> Practice:
    """A practice whose money the user may read (readable_practices); 404 for any other."""
    require_reader(user)
    practice = readable_practices(user).filter(pk=pk).first()
    if practice is None:
        raise Http404("No such practice.")
    return practice


def practice_money(user, practice: Practice) -> PracticeMoney:
    """The practice's share of each live release of a locality the user can see, newest first (two queries)."""
    lines = list(
        ReleaseLine.objects.filter(practice=practice, release__locality__in=visible_localities(user))
        .exclude(release__state__in=DEAD_STATES)
        .select_related(
            "release__tranche",
            "release__locality",
            "release__payment_run__commissioner",
            "release__adjusts__tranche",
            "release__adjusts__locality",
        )
        .order_by("-release__proposed_at", "-release__pk")
    )
    titles = _titles([line.release for line in lines])
    shares = [
        Share(line=line, release=line.release, kind=kind_words(line.release), why=why_words(line.release, titles))
        for line in lines
    ]
    return PracticeMoney(practice=practice, shares=shares)
