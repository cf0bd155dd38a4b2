"""Records that hold between two dates: from a start date to an end date, both inclusive."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from onecare import constraints as worded


def in_force_on(at: datetime.date, path: str = "") -> Q:
    """The records in force on a date, reached through `path` (e.g. "memberships__"; "" for the model's own)."""
    return (Q(**{f"{path}valid_to__isnull": True}) | Q(**{f"{path}valid_to__gte": at})) & Q(
        **{f"{path}valid_from__lte": at}
    )


class DatedQuerySet(models.QuerySet):
    def on(self, at: datetime.date) -> "DatedQuerySet":
        """The records in force on a date."""
        return self.filter(in_force_on(at))


class Dated(models.Model):
    valid_from = models.DateField("from")
    valid_to = models.DateField("to (inclusive)", null=True, blank=True, help_text="Leave blank while it still holds.")

    objects = DatedQuerySet.as_manager()

    # A formset that checks its rows against each other and the saved ones sets this on its forms' instances,
    # so a row is not checked alone against rows the same form is changing (localities.admin).
    overlaps_checked_elsewhere = False

    class Meta:
        abstract = True

    def holds_on(self, at: datetime.date) -> bool:
        return self.valid_from <= at and (self.valid_to is None or self.valid_to >= at)

    def clean(self) -> None:
        super().clean()
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "The end date cannot be before the start date."})

    @staticmethod
    def period_constraint(name: str) -> worded.CheckConstraint:
        return worded.CheckConstraint(
            condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")), name=name
        )

    def overlapping(self, queryset: models.QuerySet) -> models.QuerySet:
        """The records of `queryset` (other than this one) whose period overlaps this one's."""
        overlaps = queryset.exclude(pk=self.pk).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
        if self.valid_to is not None:
            overlaps = overlaps.filter(valid_from__lte=self.valid_to)
        return overlaps
