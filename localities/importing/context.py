"""What every parser and writer of one import needs to know: who, which record, the area, today."""

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone

from ..models import Commissioner, ImportRecord
from ..validators import normalise_ods_code


def portal_area() -> frozenset[str]:
    return frozenset(normalise_ods_code(code) for code in settings.PORTAL_AREA_COMMISSIONERS if code.strip())


@dataclass
class ImportContext:
    record: ImportRecord
    user: object | None = None
    options: dict = field(default_factory=dict)
    today: datetime.date = field(default_factory=timezone.localdate)
    area: frozenset[str] = field(default_factory=portal_area)
    _commissioner_ids: dict[str, int] | None = None

    @property
    def file_name(self) -> str:
        return self.record.file_name

    @property
    def commissioner_ids(self) -> dict[str, int]:
        if self._commissioner_ids is None:
            self._commissioner_ids = dict(Commissioner.objects.values_list("code", "pk"))
        return self._commissioner_ids

    @property
    def history(self) -> dict:
        """Keyword arguments for simple_history's bulk helpers: who did it, and which import."""
        return {"default_user": self.user, "default_change_reason": self.record.change_reason}

    def area_text(self) -> str:
        return ", ".join(sorted(self.area))
