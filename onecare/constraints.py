"""Model constraints whose refusals are written in words for the person filling in the form.

Django's default message for a refused constraint is "Constraint “ia_session_appointment_minutes” is violated.",
which is the database's name, not the user's. Every CheckConstraint and UniqueConstraint of the portal's models is
made with the classes here (`from onecare import constraints as worded`, then `worded.CheckConstraint(...)`), which
take their `violation_error_message` from MESSAGES by the constraint's name (a name with none gets FALLBACK, which
the test refuses).

The message is what a form shows, not what the database holds: `deconstruct()` gives Django's own class without it,
and equality (which the migration autodetector uses) ignores it, so rewording a message needs no
migration (tests/onecare/test_constraint_messages.py checks every model).
"""

from django.db import models

MESSAGES = {
    # localities
    "commissioner_period_in_order": "The commissioner's end date must be on or after its start date.",
    "practice_closes_after_opening": "The date the practice closed must be on or after the date it opened.",
    "practice_commissioner_period_in_order": (
        "The end date of the commissioner link must be on or after its start date."
    ),
    "one_commissioner_link_per_start": "This practice already has a commissioner link starting on that date.",
    "one_list_size_per_practice_date_source": (
        "This practice already has a list size from that source for that extract date."
    ),
    "weighted_patients_not_negative": "The weighted list size cannot be negative.",
    "sub_locality_name_unique": "This locality already has a sub-locality with that name.",
    "membership_period_in_order": "The membership's end date must be on or after its start date.",
    "one_membership_per_practice_start": "This practice already has a membership starting on that date.",
    "opt_out_has_reason": "Give the reason the practice opted out.",
    "representative_period_in_order": "The representative's end date must be on or after their start date.",
    # funding
    "phase_number_unique": "The scheme already has a phase with that number.",
    "checklist_item_number_unique": "The phase already has a checklist item with that number.",
    "one_evidence_per_locality_item": "This locality already has evidence for that checklist item.",
    "returned_evidence_has_reason": "Give the reason the evidence is returned.",
    "delegated_limit_not_negative": "The delegated limit cannot be negative.",
    "one_open_change_per_rule": "This rule already has a proposed change waiting for approval.",
    "rejected_rule_change_has_reason": "Give the reason the change is rejected.",
    "tranche_code_unique": "The scheme already has a tranche with that code.",
    "tranche_rate_not_negative": "The tranche's rate per head cannot be negative.",
    "one_live_release_per_locality_tranche": "This locality already has a release of that tranche.",
    "one_unsettled_adjustment_per_release": "This release already has an adjustment waiting to be settled.",
    "release_amount_not_negative": "The amount of a release cannot be negative.",
    "adjustment_adjusts_a_release": "An adjustment must name the release it adjusts, and only an adjustment may.",
    "rejected_release_has_reason": "Give the reason the release is rejected.",
    "release_in_a_run_when_scheduled_or_paid": (
        "A scheduled or paid release must be in a payment run, and no other release may be."
    ),
    "paid_release_has_paid_date": "A paid release needs the date it was paid, and only a paid release has one.",
    "one_line_per_release_practice": "This release already has a line for that practice.",
    "one_reminder_per_kind": "This reminder has already been sent to the locality for that phase.",
    "locked_run_has_lock": "A locked payment run must say who locked it and when.",
    "paid_run_has_paid_date": "A paid payment run must say who marked it paid, when, and the date it was paid.",
    "release_paid_once": "This release has already been paid.",
    "release_on_one_schedule": "This release is already on a payment schedule.",
    "one_schedule_line_per_position": "The payment schedule already has a line in that position.",
    # improved_access
    "ia_one_current_return": "This locality already has an activity return for that quarter.",
    "ia_attended_within_booked": "Attended appointments cannot be more than booked appointments.",
    "ia_dna_within_booked": "Appointments not attended cannot be more than booked appointments less attended ones.",
    "ia_plan_one_per_locality_phase": "This locality already has a plan for that phase.",
    "ia_session_ends_after_start": "The session's end time must be after its start time.",
    "ia_session_valid_period": "The session's last date must be on or after its first date.",
    "ia_session_appointment_minutes": "Appointment length must be at least 1 minute.",
    "ia_declaration_one_per_plan_kind": "The plan already has that declaration.",
    "ia_returned_declaration_has_reason": "Give the reason the declaration is returned.",
    "ia_rule_one_per_kind_and_date": "A rule of that kind already applies from that date.",
    "ia_rule_threshold_not_negative": "The rule's threshold cannot be negative.",
    "ia_evening_rule_has_time": "An evening rule needs the time evenings start.",
    "ia_payment_rate_not_negative": "The payment rate cannot be negative.",
    # onecare
    "member_has_joined_date": "A member practice needs the date it joined.",
    "paid_share_has_certificate": "A paid share needs its share certificate number.",
    "left_has_date": "A practice that has left needs the date it left.",
    "ballot_locality_matches_electorate": (
        "A locality ballot needs its locality, and a ballot of all One Care members must not name one."
    ),
    "election_has_seats": "An election needs at least one seat.",
    "meeting_not_before_postal_deadline": "The meeting date must be on or after the postal vote deadline.",
    "certified_ballot_has_certifier": "A certified ballot must say who certified it and when.",
    "one_elector_per_practice": "This practice is already an elector in the ballot.",
    "candidate_name_unique_in_ballot": "The ballot already has a candidate with that name.",
    "one_vote_per_practice": "This practice has already voted in the ballot.",
    "one_mark_per_candidate": "This vote already marks that candidate.",
    "activity_number_unique_in_area": "The area of work already has an activity with that number.",
    "risk_levels_one_to_five": "Likelihood and impact must each be from 1 to 5.",
    "one_income_figure_per_source_year": "There is already an income figure for that source and year.",
    "income_not_negative": "Income cannot be negative.",
}


# A constraint added without its own words still answers in words; tests/onecare/test_constraint_messages.py fails
# until it has them.
FALLBACK = "This change conflicts with the portal's records. Check the values and try again."


def _message(name: str) -> str:
    return MESSAGES.get(name, FALLBACK)


class CheckConstraint(models.CheckConstraint):
    def __init__(self, *args, name: str, **kwargs):
        kwargs.setdefault("violation_error_message", _message(name))
        super().__init__(*args, name=name, **kwargs)

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        kwargs.pop("violation_error_message", None)
        return "django.db.models.CheckConstraint", args, kwargs

    def __eq__(self, other):
        if isinstance(other, models.CheckConstraint):
            return self.deconstruct() == other.deconstruct()
        return super().__eq__(other)


class UniqueConstraint(models.UniqueConstraint):
    def __init__(self, *args, name: str, **kwargs):
        kwargs.setdefault("violation_error_message", _message(name))
        super().__init__(*args, name=name, **kwargs)

    def deconstruct(self):
        _path, args, kwargs = super().deconstruct()
        kwargs.pop("violation_error_message", None)
        return "django.db.models.UniqueConstraint", args, kwargs

    def __eq__(self, other):
        if isinstance(other, models.UniqueConstraint):
            return self.deconstruct() == other.deconstruct()
        return super().__eq__(other)
