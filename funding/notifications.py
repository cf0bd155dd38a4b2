"""Emails about evidence: to commissioners on submission, to the locality on review, and deadline reminders.

Every function here is idempotent where it can be: reminders claim a SentReminder row (unique per
locality, phase and kind) in the same transaction as the send, so a rerun or a parallel run sends nothing.
"""

import datetime

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from localities.models import Commissioner, Locality, LocalityMembership
from onecare.accounts.models import User
from onecare.accounts.roles import Role
from onecare.accounts.scoping import today

from .models import REMINDER_DAYS, Evidence, EvidenceStatus, Phase, ReminderKind, SentReminder
from .workflow import OVERDUE_WHEN


def send(template: str, context: dict, recipients: list[str]) -> int:
    """One message with a plain-text body and an HTML alternative, from templates/emails/<template>.{txt,html}."""
    if not recipients:
        return 0
    context = {"portal_url": settings.PORTAL_URL, **context}  # every link absolute: e-mails leave the portal
    subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=sorted(set(recipients)),
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message.send()


def commissioners_of(locality: Locality) -> list[str]:
    """Commissioner staff of the locality's CCG or any body it merged into."""
    ids, body = [], locality.commissioner
    while body is not None and body.pk not in ids:
        ids.append(body.pk)
        body = Commissioner.objects.filter(pk=body.successor_id).first() if body.successor_id else None
    staff = User.objects.filter(is_active=True, groups__name=Role.COMMISSIONER.value, commissioner_id__in=ids)
    return [u.email for u in staff if u.email]


def locality_people(locality: Locality, leads_only: bool = False) -> list[str]:
    people = User.objects.filter(is_active=True, groups__name=Role.LOCALITY_LEAD.value, locality=locality)
    emails = [u.email for u in people if u.email]
    if not leads_only:
        practices = LocalityMembership.objects.on(today()).filter(locality=locality).values("practice_id")
        managers = User.objects.filter(
            is_active=True, groups__name=Role.PRACTICE_MANAGER.value, practice_id__in=practices
        )
        emails += [u.email for u in managers if u.email]
    return emails


def _evidence(evidence_id: int) -> Evidence:
    return Evidence.objects.select_related("locality__commissioner", "item__phase", "submitted_by", "reviewed_by").get(
        pk=evidence_id
    )


def evidence_submitted_notify(evidence_id: int) -> int:
    evidence = _evidence(evidence_id)
    if evidence.status != EvidenceStatus.SUBMITTED:
        return 0
    return send("evidence_submitted", {"evidence": evidence}, commissioners_of(evidence.locality))


def evidence_reviewed_notify(evidence_id: int) -> int:
    evidence = _evidence(evidence_id)
    if evidence.status not in {EvidenceStatus.ACCEPTED, EvidenceStatus.RETURNED}:
        return 0
    recipients = locality_people(evidence.locality, leads_only=True)
    if evidence.submitted_by and evidence.submitted_by.email:
        recipients.append(evidence.submitted_by.email)
    return send("evidence_reviewed", {"evidence": evidence}, recipients)


def reminder_due(phase: Phase, day: datetime.date) -> ReminderKind | None:
    """The reminder a phase calls for on a day: the nearest advance reminder not yet passed, or overdue."""
    days_left = (phase.deadline - day).days
    if days_left < 0:
        return ReminderKind.OVERDUE
    for kind, days in sorted(REMINDER_DAYS.items(), key=lambda pair: pair[1]):
        if days_left <= days:
            return kind
    return None


def deadline_reminders_send() -> int:
    """Send each locality the reminders its unfinished phases call for today; each kind at most once."""
    day = today()
    sent = 0
    phases = list(Phase.objects.filter(scheme__active=True).prefetch_related("items"))
    for phase in phases:
        kind = reminder_due(phase, day)
        if kind is None:
            continue
        for locality in Locality.objects.all():
            done = set(
                Evidence.objects.filter(locality=locality, item__phase=phase)
                .exclude(status__in=OVERDUE_WHEN)
                .values_list("item_id", flat=True)
            )
            outstanding = [item for item in phase.items.all() if item.pk not in done]
            if outstanding:
                sent += _remind(locality, phase, kind, outstanding)
    return sent


def _remind(locality: Locality, phase: Phase, kind: ReminderKind, outstanding: list) -> int:
    recipients = locality_people(locality)
    try:
        with transaction.atomic():
            SentReminder.objects.create(
                locality=locality, phase=phase, kind=kind, sent_at=timezone.now(), recipients=", ".join(recipients)
            )
            context = {"locality": locality, "phase": phase, "kind": kind, "items": outstanding}
            return send("deadline_reminder", context, recipients)
    except IntegrityError:
        return 0
