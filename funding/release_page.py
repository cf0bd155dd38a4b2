"""What a release's page shows, in words: the rule and version applied, rate x population at the snapshot date and
its source, the gate evidence with who accepted it and when, an Improved Access release's compliance, an
adjustment's difference, the per-practice lines and the history. A fixed number of queries whatever the release.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.dateparse import parse_date, parse_datetime

from .models import Evidence, Release, ReleaseKind, ReleaseLine, ReleaseTransition
from .release_actions import day, moment

# What a release's page reads with it (the portal's and the admin's).
RELATED = [
    "locality__commissioner",
    "locality__vehicle",
    "tranche__scheme",
    "adjusts__tranche",
    "adjusts__locality",
    "evaluation",
    "triggered_by",
    "approved_by",
    "authorised_by",
    "rule_proposed_by",
    "rule_approved_by",
    "payment_run__commissioner",
]


def release_for_page(queryset: QuerySet[Release], pk: int) -> Release:
    return queryset.select_related(*RELATED).get(pk=pk)


@dataclass
class Gate:
    what: str
    accepted_by: str
    accepted_at: str
    item_id: int | None = None


def _declaration_kinds() -> dict[str, str]:
    """Improved Access declaration kinds in words (read from the app's model: funding does not import it)."""
    try:
        model = apps.get_model("improved_access", "Declaration")
    except LookupError:
        return {}
    return dict(model._meta.get_field("kind").choices)


def gate_evidence(release: Release) -> list[Gate]:
    """The evidence that met the release's gate (kept in its rule), with who accepted it and when (two queries)."""
    entries = (release.rule or {}).get("gate_evidence") or []
    people = {
        user.pk: str(user)
        for user in get_user_model().objects.filter(pk__in={e["accepted_by"] for e in entries if e.get("accepted_by")})
    }
    items = {
        evidence.pk: evidence.item
        for evidence in Evidence.objects.filter(
            pk__in={e["evidence"] for e in entries if e.get("evidence")}
        ).select_related("item")
    }
    kinds = _declaration_kinds() if any("declaration" in e for e in entries) else {}
    found = []
    for entry in entries:
        item = items.get(entry.get("evidence"))
        if "declaration" in entry:
            what = f"Improved Access declaration: {kinds.get(entry.get('kind'), 'declaration')}"
        elif "plan" in entry:
            what = f"Improved Access phase {entry.get('phase')} plan" + (f" (item {item.number})" if item else "")
        elif item is not None:
            what = f"{item.number} {item.title}"
        else:
            what = f"Checklist item {entry.get('item', '')}".strip()
        at = parse_datetime(entry["accepted_at"]) if entry.get("accepted_at") else None
        found.append(
            Gate(
                what=what,
                accepted_by=people.get(entry.get("accepted_by"), "nobody recorded"),
                accepted_at=moment(at) if at else "",
                item_id=item.pk if item is not None and "declaration" not in entry else None,
            )
        )
    return found


def joined(release: Release) -> str:
    """For a tranche opened by joining the scheme: the Locality Vehicle that made the locality a member, in words."""
    if not (release.rule or {}).get("opens_on_joining"):
        return ""
    vehicle = getattr(release.locality, "vehicle", None)
    established = f", established on {day(vehicle.established_on)}" if vehicle and vehicle.established_on else ""
    return f"Opened by {release.locality.name} joining the scheme: its Locality Vehicle{established}."


def rule_in_words(release: Release) -> str:
    tranche = release.tranche
    name = f"{release.tranche.scheme.name}: tranche {tranche.code}" + (f" ({tranche.name})" if tranche.name else "")
    if not release.rule_version:
        return f"{name}, applied before rules had versions."
    if release.rule_approved_by_id:
        return (
            f"{name}, version {release.rule_version}: proposed by {release.rule_proposed_by} and approved by "
            f"{release.rule_approved_by}. Neither may approve or authorise this release."
        )
    return f"{name}, version {release.rule_version} (as first set up)."


def _date(value) -> datetime.date | None:
    return parse_date(value) if isinstance(value, str) else None


def improved_access(release: Release) -> dict | None:
    """An Improved Access release's quarter, the day compliance was judged, the rules in force and the results."""
    rule = release.rule or {}
    if "quarter" not in rule:
        return None
    return {
        "quarter": rule["quarter"],
        "judged_on": day(_date(rule.get("judged_on"))),
        "rules": [f"{r['name']} (version {r['version']})" for r in rule.get("rule_versions", [])],
        "compliance": rule.get("compliance", []),
    }


def adjustment(release: Release) -> dict | None:
    """What an adjustment corrects: the release, what had been paid for it, what is due now, and the difference."""
    if release.kind != ReleaseKind.ADJUSTMENT:
        return None
    previous = Decimal((release.rule or {}).get("previous_amount") or "0")
    return {
        "adjusts": release.adjusts,
        "previous": previous,
        "now_due": previous + release.amount,
        "difference": release.amount,
        "kind": "top-up" if release.amount > 0 else "claw-back",
    }


def flags(release: Release) -> list[tuple[str, str]]:
    """(flag, why) for each thing that marks the release: late, under the minimum, an adjustment."""
    found = []
    if release.late:
        found.append(("Late", release.late_because or "Its gate was met after the tranche's due date."))
    if release.below_minimum:
        found.append(
            ("Under the minimum", release.below_minimum_because or "The locality was under the scheme's minimum.")
        )
    if release.kind == ReleaseKind.ADJUSTMENT:
        kind = "Top-up" if release.amount > 0 else "Claw-back"
        found.append((kind, f"An adjustment of {release.adjusts.reference}: {release.reason}"))
    return found


def explained(release: Release) -> dict:
    """Everything the page shows about the release beyond its own fields (five queries)."""
    lines = list(ReleaseLine.objects.filter(release=release).select_related("practice").order_by("practice__code"))
    return {
        "rule_words": rule_in_words(release),
        "gate": gate_evidence(release),
        "joined": joined(release),
        "ia": improved_access(release),
        "adjustment": adjustment(release),
        "adjustments": (
            list(release.adjustments.select_related("tranche", "locality").order_by("proposed_at", "pk"))
            if release.kind == ReleaseKind.RELEASE
            else []
        ),
        "flags": flags(release),
        "lines": lines,
        "line_total": sum((line.amount for line in lines), Decimal("0.00")),
        "history": list(ReleaseTransition.objects.filter(release=release).select_related("actor")),
    }
