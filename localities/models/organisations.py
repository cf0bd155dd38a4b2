"""Commissioners (CCGs) and GP practices, and which commissioner a practice belonged to when."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models.expressions import RawSQL
from simple_history.models import HistoricalRecords

from onecare import constraints as worded

from ..periods import commissioner_clash, commissioner_period
from ..validators import (
    normalise_ods_code,
    normalise_postcode,
    validate_commissioner_code,
    validate_postcode,
    validate_practice_code,
)
from .dated import Dated, DatedQuerySet


class Commissioner(models.Model):
    """A clinical commissioning group (or its successor body), identified by its ODS code."""

    code = models.CharField("ODS code", max_length=5, unique=True, validators=[validate_commissioner_code])
    name = models.CharField(max_length=200)
    valid_from = models.DateField("established")
    valid_to = models.DateField("dissolved", null=True, blank=True)
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
        help_text="The body it merged into, e.g. 11H, 11T and 12A into 15C on 1 April 2018.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [Dated.period_constraint("commissioner_period_in_order")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    # Bumped whenever this process saves or deletes a commissioner: a lineage an instance worked out before then is
    # worked out again (lineage_ids). A bulk update or bulk create of commissioners does not bump it.
    _lineage_generation = 0

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        Commissioner._lineage_generation += 1

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        Commissioner._lineage_generation += 1
        return deleted

    def clean(self) -> None:
        self.code = normalise_ods_code(self.code)
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "A commissioner cannot be dissolved before it was established."})

    def is_active_on(self, at: datetime.date) -> bool:
        return self.valid_from <= at and (self.valid_to is None or self.valid_to >= at)

    def lineage_ids(self) -> set[int]:
        """This commissioner and every body that merged into it (at any depth).

        Worked out once per instance (until a commissioner is saved or deleted in this process): a request reads its
        user's commissioner afresh, and every permission check and scoped query of the request asks for the lineage."""
        return Commissioner.lineage_kept_on(self, self.pk)

    @staticmethod
    def lineage_sql() -> str:
        """The lineage of one commissioner (its id the statement's one parameter): it and every body that merged into
        it, at any depth, the successor links followed by a recursive query."""
        table = Commissioner._meta.db_table
        # The only value is a parameter; the table name is the model's own.
        return (
            f"WITH RECURSIVE lineage(id) AS (SELECT id FROM {table} WHERE id = %s "  # noqa: S608
            f"UNION SELECT c.id FROM {table} c JOIN lineage l ON c.successor_id = l.id) SELECT id FROM lineage"
        )

    @staticmethod
    def lineage_query(pk: int) -> RawSQL:
        """The lineage of commissioner `pk` as one subquery, for a filter such as `commissioner_id__in=`."""
        return RawSQL(Commissioner.lineage_sql(), [pk])  # noqa: S611 - the statement above, its value a parameter

    @staticmethod
    def lineage_kept_on(holder, pk: int) -> set[int]:
        """The lineage of commissioner `pk`, read in one query and kept on `holder` (the commissioner, or a user:
        User.commissioner_lineage) until a commissioner is saved or deleted in this process. The statement is run as
        it is written, with no queryset built and compiled around it (most of its cost on every page that scopes by
        CCG, which is every list a commissioner sees)."""
        key = (pk, Commissioner._lineage_generation)
        known = holder.__dict__.get("_lineage")
        if known is not None and known[0] == key:
            return set(known[1])
        with connections[router.db_for_read(Commissioner)].cursor() as cursor:
            cursor.execute(Commissioner.lineage_sql(), [pk])
            ids = {pk, *(row[0] for row in cursor.fetchall())}
        holder._lineage = (key, frozenset(ids))
        return ids


class PracticeStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"
    DORMANT = "dormant", "Dormant"
    PROPOSED = "proposed", "Proposed"


class Practice(models.Model):
    """A GP practice, identified by its ODS code."""

    code = models.CharField("ODS code", max_length=6, unique=True, validators=[validate_practice_code])
    name = models.CharField(max_length=200)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=PracticeStatus.choices, default=PracticeStatus.ACTIVE)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            worded.CheckConstraint(
                condition=models.Q(closed_on__isnull=True)
                | models.Q(opened_on__isnull=True)
                | models.Q(closed_on__gte=models.F("opened_on")),
                name="practice_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs) -> None:
        # Normalise however the row arrives (admin, import, shell) so lookups by code and postcode work.
        self.code = normalise_ods_code(self.code)
        self.postcode = normalise_postcode(self.postcode)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.code = normalise_ods_code(self.code)
        self.postcode = normalise_postcode(self.postcode)
        if self.opened_on and self.closed_on and self.closed_on < self.opened_on:
            raise ValidationError({"closed_on": "A practice cannot close before it opened."})

    def commissioner_on(self, at: datetime.date) -> Commissioner | None:
        link = self.commissioner_links.on(at).select_related("commissioner").first()
        return link.commissioner if link else None


class PracticeCommissioner(Dated):
    """A practice belongs to one commissioner at a time; the links keep the history."""

    practice = models.ForeignKey(Practice, on_delete=models.CASCADE, related_name="commissioner_links")
    commissioner = models.ForeignKey(Commissioner, on_delete=models.PROTECT, related_name="practice_links")

    history = HistoricalRecords()
    objects = DatedQuerySet.as_manager()

    class Meta:
        ordering = ["practice__code", "valid_from"]
        verbose_name = "practice's commissioner"
        verbose_name_plural = "practices' commissioners"
        constraints = [
            Dated.period_constraint("practice_commissioner_period_in_order"),
            worded.UniqueConstraint(fields=["practice", "valid_from"], name="one_commissioner_link_per_start"),
        ]

    def __str__(self) -> str:
        return f"{self.practice.code} → {self.commissioner.code} from {self.valid_from:%d/%m/%Y}"

    def clean(self) -> None:
        super().clean()
        if self.practice_id and self.valid_from and not self.overlaps_checked_elsewhere:
            clash = self.overlapping(self.practice.commissioner_links.select_related("commissioner"))
            clash = clash.order_by("valid_from").first()
            if clash is not None:
                raise ValidationError(commissioner_clash(self.practice, commissioner_period(clash)), code="overlap")
