"""IA plans, timetables and declarations; compliance rules and payment terms; assessments; activity returns."""

from .activity import ActivityReturn, Appointment
from .assessments import QuarterAssessment
from .plans import (
    PHASE_STARTS,
    Booking,
    ClinicianType,
    Declaration,
    DeclarationKind,
    DeclarationStatus,
    Phase,
    Plan,
    PlanStatus,
    Session,
    Weekday,
    minutes_of,
)
from .rules import ComplianceRule, PaymentTerms, RuleKind, defaults_ensure

__all__ = [
    "PHASE_STARTS",
    "ActivityReturn",
    "Appointment",
    "Booking",
    "ClinicianType",
    "ComplianceRule",
    "Declaration",
    "DeclarationKind",
    "DeclarationStatus",
    "PaymentTerms",
    "Phase",
    "Plan",
    "PlanStatus",
    "QuarterAssessment",
    "RuleKind",
    "Session",
    "Weekday",
    "defaults_ensure",
    "minutes_of",
]
