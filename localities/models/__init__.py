"""Commissioners, practices, dated list sizes, localities and their vehicles, memberships, representatives."""

from .imports import ImportFormat, ImportRecord, ImportStatus
from .list_sizes import Basis, ListSizeSnapshot, SourceKind
from .localities import (
    Locality,
    LocalityMembership,
    LocalityVehicle,
    Representative,
    SubLocality,
)
from .organisations import Commissioner, Practice, PracticeCommissioner, PracticeStatus

__all__ = [
    "Basis",
    "Commissioner",
    "ImportFormat",
    "ImportRecord",
    "ImportStatus",
    "ListSizeSnapshot",
    "Locality",
    "LocalityMembership",
    "LocalityVehicle",
    "Practice",
    "PracticeCommissioner",
    "PracticeStatus",
    "Representative",
    "SourceKind",
    "SubLocality",
]
