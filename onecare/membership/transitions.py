"""Every change to a practice's place in the register goes through member_update: nothing else assigns Member.status.

The allowed moves are the register's workflow (MEMBERS, onecare.workflow). Only One Care staff make them; a repeat
with nothing new changes nothing. The register shows a status in words, with no tag.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction

from localities.models import Practice
from onecare.workflow import Step, Workflow

from .models import Member, MemberStatus
from .roles import ONECARE_STAFF, is_onecare_staff

S = MemberStatus
STAFF = frozenset({ONECARE_STAFF})

# A practice enters the register invited (member_invite); every later move is one of these steps (member_update).
MEMBERS = Workflow(
    "member register",
    S,
    [
        Step("join", frozenset({S.INVITED, S.DECLINED, S.LEFT}), S.MEMBER, STAFF, "Joined"),
        Step("decline", frozenset({S.INVITED}), S.DECLINED, STAFF, "Declined"),
        Step("invite_again", frozenset({S.DECLINED}), S.INVITED, STAFF, "Invited again"),
        Step("leave", frozenset({S.MEMBER}), S.LEFT, STAFF, "Left"),
    ],
    tags={},
    noun="A practice",
)
# The member admin (onecare/membership/admin.py) reads this name: status now -> statuses it may move to.
MOVES = {state: MEMBERS.targets_from(state) for state in S}
FIELDS = {
    "status",
    "invited_on",
    "joined_on",
    "left_on",
    "share_certificate_number",
    "share_paid_on",
    "lead_name",
    "lead_job_title",
    "lead_email",
    "lead_phone",
    "lead_user",
    "notes",
}


class RegisterError(Exception):
    """The change is not allowed: the actor is not One Care staff, or the move or the record is invalid."""


def member_invite(practice: Practice, *, actor, invited_on: datetime.date) -> Member:
    if not is_onecare_staff(actor):
        raise RegisterError("Only One Care staff keep the member register.")
    with transaction.atomic():
        member = Member.objects.select_for_update().filter(practice=practice).first()
        if member is not None:
            return member
        member = Member(practice=practice, invited_on=invited_on, status=S.INVITED)
        member._history_user = actor
        member._change_reason = "Invited"
        member.save()
    return member


def member_update(member: Member, *, actor, reason: str = "", **changes) -> Member:
    """Change the register entry: a status move must be a step of MEMBERS; the record is validated before it is
    saved."""
    if not is_onecare_staff(actor):
        raise RegisterError("Only One Care staff keep the member register.")
    unknown = set(changes) - FIELDS
    if unknown:
        raise RegisterError(f"Cannot change {', '.join(sorted(unknown))} here.")
    with transaction.atomic():
        member = Member.objects.select_for_update().get(pk=member.pk)
        changed = {name: value for name, value in changes.items() if getattr(member, name) != value}
        if not changed:
            return member
        status = changed.get("status")
        if status is not None and status not in MEMBERS.targets_from(member.status):
            raise RegisterError(
                f"A practice that is {member.get_status_display().lower()} cannot become {S(status).label.lower()}."
            )
        for name, value in changed.items():
            setattr(member, name, value)
        try:
            member.full_clean(exclude=["practice"])
        except ValidationError as error:
            raise RegisterError("; ".join(error.messages)) from None
        member._history_user = actor
        member._change_reason = reason or ("Status: " + member.get_status_display() if status else "Register updated")
        member.save()
    return member
