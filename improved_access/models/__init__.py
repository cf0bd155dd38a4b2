"""IA plans, timetables and declarations; compliance rules and payment terms; assessments; activity returns."""

from .activity import ActivityReturn, ActivityUpload, Appointment, UploadStatus
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
    "ActivityUpload",
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
    "UploadStatus",
    "Weekday",
    "defaults_ensure",
    "minutes_of",
]
