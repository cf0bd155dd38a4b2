"""Changes to a Locality Vehicle's governance, one function each: the vehicle and its rules, representatives,
sub-localities, which sub-locality a practice is in, practice opt-outs, and where the vehicle is paid.

Each function takes the acting user as actor=, checks can_record_governance, works inside atomic() on a
locked row, validates with full_clean (so the models' own rules apply), returns quietly when the change is
already made, and saves with the actor as the history user.
"""

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q

from onecare.accounts.roles import Role

from .models import Locality, LocalityMembership, LocalityVehicle, Practice, Representative, SubLocality
from .periods import is_period_clash, membership_clash, membership_period

Answer = tuple[bool, str]

VEHICLE_FIELDS = (
    "kind",
    "legal_name",
    "pre_existing",
    "established_on",
    "decision_rules",
    "ratification_rules",
    "governance_notes",
)


class GovernanceNotAllowed(PermissionDenied):
    """The actor may not record this locality's governance."""


def can_record_governance(user, locality: Locality) -> Answer:
    """The locality's own lead, or a commissioner of the CCG the locality was formed under (or its successor)."""
    if not (user.is_authenticated and user.is_active):
        return False, "Sign in to record governance."
    if user.has_role(Role.LOCALITY_LEAD) and user.locality_id == locality.pk:
        return True, ""
    if (
        user.has_role(Role.COMMISSIONER)
        and user.commissioner_id
        and locality.commissioner_id in user.commissioner_lineage()
    ):
        return True, ""
    return False, "Only the locality's lead or its commissioners can record its governance."


def long_date(at: datetime.date) -> str:
    return f"{at.day} {at:%B %Y}"


def _require(actor, locality: Locality) -> None:
    allowed, reason = can_record_governance(actor, locality)
    if not allowed:
        raise GovernanceNotAllowed(reason)


def _save(instance: models.Model, *, actor, reason: str, clean: bool = True) -> None:
    if clean:
        instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
    instance.save()


def _lock_locality(locality: Locality) -> Locality:
    """Serialise changes to one locality's governance, so two people adding the same thing make one record."""
    return Locality.objects.select_for_update().get(pk=locality.pk)


# The vehicle.


def vehicle_update(locality: Locality, *, actor, **changes: Any) -> LocalityVehicle:
    """Create or change the locality's vehicle; only the fields in VEHICLE_FIELDS may be given."""
    unknown = set(changes) - set(VEHICLE_FIELDS)
    if unknown:
        raise TypeError(f"vehicle_update() cannot change {', '.join(sorted(unknown))}")
    _require(actor, locality)
    with transaction.atomic():
        _lock_locality(locality)
        vehicle = LocalityVehicle.objects.select_for_update().filter(locality=locality).first()
        if vehicle is None:
            vehicle = LocalityVehicle(locality=locality)
        for field, value in changes.items():
            if isinstance(value, str):
                value = value.strip()
            setattr(vehicle, field, value)
        if vehicle.pk and not _differs(vehicle):
            return vehicle
        _save(vehicle, actor=actor, reason="Vehicle recorded" if vehicle.pk is None else "Vehicle changed")
    return vehicle


def _differs(vehicle: LocalityVehicle) -> bool:
    stored = LocalityVehicle.objects.filter(pk=vehicle.pk).values(*VEHICLE_FIELDS).get()
    return any(stored[field] != getattr(vehicle, field) for field in VEHICLE_FIELDS)


# Representatives.


def representative_add(
    locality: Locality,
    *,
    actor,
    role: str,
    name: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    email: str = "",
    practice: Practice | None = None,
) -> Representative:
    """Nominate a lead representative or deputy. Deputies must be consistent people, so one named person
    holds one place at a time: a person (matched by email, or by name without one) cannot overlap themself."""
    _require(actor, locality)
    name, email = name.strip(), email.strip()
    with transaction.atomic():
        _lock_locality(locality)
        same = Representative.objects.filter(locality=locality, role=role, name__iexact=name, valid_from=valid_from)
        existing = same.first()
        if existing is not None and existing.valid_to == valid_to:
            return existing
        representative = Representative(
            locality=locality,
            role=role,
            name=name,
            email=email,
            practice=practice,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        errors: dict[str, list] = {}
        try:
            representative.full_clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if practice is not None and valid_from and not _member_on(practice, locality, valid_from):
            errors.setdefault("practice", []).append(
                "Choose a practice that is a member of this locality on the start date."
            )
        person = Q(email__iexact=email) if email else Q(name__iexact=name)
        others = Representative.objects.filter(person, locality=locality)
        clash = representative.overlapping(others).first() if valid_from else None
        if clash is not None:
            errors.setdefault("valid_from", []).append(
                f"{clash.name} is already {clash.get_role_display().lower()} of this locality for some of these "
                "dates: a person holds one place at a time, so end that term first."
            )
        if errors:
            raise ValidationError(errors)
        _save(representative, actor=actor, reason=f"{representative.get_role_display()} nominated", clean=False)
    return representative


def _member_on(practice: Practice, locality: Locality, at: datetime.date) -> bool:
    return LocalityMembership.objects.on(at).filter(practice=practice, locality=locality).exists()


def representative_end(representative: Representative, *, actor, valid_to: datetime.date) -> Representative:
    """End a representative's term on a date (inclusive). Ending it again on the same date changes nothing."""
    _require(actor, representative.locality)
    with transaction.atomic():
        locked = Representative.objects.select_for_update().get(pk=representative.pk)
        if locked.valid_to == valid_to:
            return locked
        if locked.valid_to is not None:
            raise ValidationError({"valid_to": f"This term already ended on {long_date(locked.valid_to)}."})
        locked.valid_to = valid_to
        _save(locked, actor=actor, reason="Term ended")
    return locked


# Sub-localities.


def sub_locality_add(locality: Locality, *, actor, name: str) -> SubLocality:
    """Define a sub-locality; adding one the locality already has (in any letter case) returns that one."""
    _require(actor, locality)
    name = name.strip()
    with transaction.atomic():
        _lock_locality(locality)
        existing = locality.sub_localities.filter(name__iexact=name).first()
        if existing is not None:
            return existing
        sub_locality = SubLocality(locality=locality, name=name)
        _save(sub_locality, actor=actor, reason="Sub-locality defined")
    return sub_locality


def sub_locality_rename(sub_locality: SubLocality, *, actor, name: str) -> SubLocality:
    _require(actor, sub_locality.locality)
    name = name.strip()
    with transaction.atomic():
        _lock_locality(sub_locality.locality)
        locked = SubLocality.objects.select_for_update().get(pk=sub_locality.pk)
        if locked.name == name:
            return locked
        if SubLocality.objects.filter(locality_id=locked.locality_id, name__iexact=name).exclude(pk=locked.pk).exists():
            raise ValidationError({"name": f"This locality already has a sub-locality called {name}."})
        locked.name = name
        _save(locked, actor=actor, reason="Sub-locality renamed")
    return locked


# Practices in the vehicle: their sub-locality and opt-outs.


def _locked_membership(membership: LocalityMembership) -> LocalityMembership:
    return LocalityMembership.objects.select_for_update(of=("self",)).select_related("practice").get(pk=membership.pk)


def membership_assign_sub_locality(
    membership: LocalityMembership, *, actor, sub_locality: SubLocality | None
) -> LocalityMembership:
    """Put a member practice in one of its locality's sub-localities, or in none."""
    _require(actor, membership.locality)
    with transaction.atomic():
        locked = _locked_membership(membership)
        new_id = sub_locality.pk if sub_locality else None
        if locked.sub_locality_id == new_id:
            return locked
        locked.sub_locality = sub_locality
        _save(locked, actor=actor, reason=f"Moved to {sub_locality.name}" if sub_locality else "No sub-locality")
    return locked


def membership_opt_out(
    membership: LocalityMembership, *, actor, opted_out_on: datetime.date, reason: str
) -> LocalityMembership:
    """Record that a practice opted out of the vehicle. It stays a member: the locality is still funded for it."""
    _require(actor, membership.locality)
    reason = reason.strip()
    with transaction.atomic():
        locked = _locked_membership(membership)
        if locked.opted_out_on == opted_out_on and locked.opt_out_reason == reason:
            return locked
        if locked.opted_out_on is not None:
            raise ValidationError(
                {
                    "opted_out_on": f"This practice already opted out on {long_date(locked.opted_out_on)}. "
                    "Withdraw that opt-out first."
                }
            )
        if opted_out_on is not None and not locked.holds_on(opted_out_on):
            raise ValidationError(
                {"opted_out_on": "The opt-out date must fall within the practice's membership of the locality."}
            )
        locked.opted_out_on = opted_out_on
        locked.opt_out_reason = reason
        _save(locked, actor=actor, reason="Opted out of the vehicle")
    return locked


def membership_opt_back_in(membership: LocalityMembership, *, actor) -> LocalityMembership:
    """Withdraw a practice's opt-out; the history keeps the date and reason it replaced."""
    _require(actor, membership.locality)
    with transaction.atomic():
        locked = _locked_membership(membership)
        if locked.opted_out_on is None:
            return locked
        locked.opted_out_on = None
        locked.opt_out_reason = ""
        _save(locked, actor=actor, reason="Opt-out withdrawn")
    return locked


# Which practices are in the locality: this decides which locality is paid for their patients.


def can_change_membership(user, locality: Locality) -> Answer:
    """A commissioner of the CCG the locality was formed under (or its successor): the locality's lead may not
    change which practices it is paid for."""
    if not (user.is_authenticated and user.is_active):
        return False, "Sign in to change the locality's practices."
    if (
        user.has_role(Role.COMMISSIONER)
        and user.commissioner_id
        and locality.commissioner_id in user.commissioner_lineage()
    ):
        return True, ""
    return False, "Only the locality's commissioners can change which practices are in it."


def _require_membership_change(actor, locality: Locality) -> None:
    allowed, reason = can_change_membership(actor, locality)
    if not allowed:
        raise GovernanceNotAllowed(reason)


def _clash_in_words(membership: LocalityMembership, write):
    """Run `write` (which saves `membership` in its own transaction); if the database refuses the dates (a
    membership of the same practice saved a moment before), raise the forms' words instead of its text."""
    try:
        return write()
    except IntegrityError as error:
        if not is_period_clash(error):
            raise
        clash = membership.overlapping(membership.practice.memberships.select_related("locality"))
        clash = clash.order_by("valid_from").first()
        if clash is None:
            raise ValidationError(
                f"{membership.practice} was put in another locality for some of these dates a moment ago: "
                "look at its memberships and try again."
            ) from error
        raise ValidationError(membership_clash(membership.practice, membership_period(clash))) from error


def membership_add(
    locality: Locality,
    *,
    actor,
    practice: Practice,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
) -> LocalityMembership:
    """Put a practice in the locality from a date (to a last day, if given). A practice is in one locality at a
    time: dates that overlap any of its memberships, in this locality or another, are refused with both named.
    Adding the same membership again returns it."""
    _require_membership_change(actor, locality)
    membership = LocalityMembership(practice=practice, locality=locality, valid_from=valid_from, valid_to=valid_to)

    def write() -> LocalityMembership:
        with transaction.atomic():
            # One practice's memberships change one at a time, whichever locality is changing them.
            Practice.objects.select_for_update().filter(pk=practice.pk).first()
            same = LocalityMembership.objects.filter(
                practice=practice, locality=locality, valid_from=valid_from, valid_to=valid_to
            ).first()
            if same is not None:
                return same
            # The overlap check names the clash; a second row with the same start is always one.
            membership.full_clean(validate_constraints=False)
            _save(membership, actor=actor, reason=f"Joined {locality.name}", clean=False)
        return membership

    return _clash_in_words(membership, write)


def membership_end(membership: LocalityMembership, *, actor, valid_to: datetime.date) -> LocalityMembership:
    """End a practice's membership of the locality on a day (its last day in it, inclusive)."""
    _require_membership_change(actor, membership.locality)

    def write() -> LocalityMembership:
        with transaction.atomic():
            Practice.objects.select_for_update().filter(pk=membership.practice_id).first()
            locked = _locked_membership(membership)
            if locked.valid_to == valid_to:
                return locked
            if locked.valid_to is not None:
                raise ValidationError({"valid_to": f"This membership already ended on {long_date(locked.valid_to)}."})
            if locked.opted_out_on is not None and locked.opted_out_on > valid_to:
                raise ValidationError(
                    {
                        "valid_to": f"The practice opted out on {long_date(locked.opted_out_on)}, after this date: "
                        "the membership must last until its opt-out."
                    }
                )
            locked.valid_to = valid_to
            _save(locked, actor=actor, reason=f"Left {locked.locality.name}")
        membership.valid_to = valid_to
        return locked

    return _clash_in_words(membership, write)


# Where the vehicle is paid: the payee record carried by payment schedules and remittance advice.

PAYEE_FIELDS = ("supplier_number", "bank_reference")


def can_keep_payee_record(user) -> Answer:
    """Data admins keep the payee record, as they keep the other reference data: the commissioners who approve the
    locality's releases and the finance approvers who pay them read it (nobody who moves the money also says where it
    goes), and the locality's lead records how the locality works, never where its money is paid."""
    if not (user.is_authenticated and user.is_active):
        return False, "Sign in to change the payee record."
    if user.is_superuser or user.has_role(Role.DATA_ADMIN):
        return True, ""
    return False, "Only data admins can change where a Locality Vehicle is paid."


def vehicle_payee_update(
    vehicle: LocalityVehicle, *, actor, supplier_number: str, bank_reference: str
) -> LocalityVehicle:
    """Change the vehicle's payee record (its supplier number and bank statement reference), nothing else."""
    allowed, reason = can_keep_payee_record(actor)
    if not allowed:
        raise GovernanceNotAllowed(reason)
    supplier_number, bank_reference = supplier_number.strip(), bank_reference.strip()
    with transaction.atomic():
        _lock_locality(vehicle.locality)
        locked = LocalityVehicle.objects.select_for_update().get(pk=vehicle.pk)
        if (locked.supplier_number, locked.bank_reference) == (supplier_number, bank_reference):
            return locked
        locked.supplier_number, locked.bank_reference = supplier_number, bank_reference
        _save(locked, actor=actor, reason="Payee record changed")
    return locked
