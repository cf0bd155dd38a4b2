"""Money rules change by four eyes: a RuleChange is proposed by one person and applied when another approves it.

The rules (tranches, Improved Access compliance rules and payment terms, the delegated limit) carry the
version an approval made and who proposed and approved it; releases record the version they applied.
funding.rule_changes has the transitions (propose, approve, reject, withdraw) and who may make them.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from onecare import constraints as worded
from onecare.formats import money


class VersionedRule(models.Model):
    """A rule whose changes are proposed and approved: its version, and who proposed and approved that version.

    Version 1 with nobody named is the rule as seeded (a fixture or a data migration).
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    version_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )
    version_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, editable=False, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True

    def version_people(self) -> set[int]:
        return {pk for pk in (self.version_proposed_by_id, self.version_approved_by_id) if pk}


class DelegatedLimit(VersionedRule):
    """The amount above which a release needs a finance approver's second approval (one row, seeded from the
    FUNDING_DELEGATED_LIMIT setting; changed by a finance approver's proposal and another's approval)."""

    amount = models.DecimalField("delegated limit (£)", max_digits=12, decimal_places=2)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "delegated limit"
        constraints = [worded.CheckConstraint(condition=Q(amount__gte=0), name="delegated_limit_not_negative")]

    def __str__(self) -> str:
        return f"Delegated limit {money(self.amount)}"


class RuleChangeState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class RuleChange(models.Model):
    """A proposed change to a money rule (or a new rule): the values proposed, who proposed it, and the decision."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True, blank=True, help_text="Blank until a new rule is approved.")
    rule_label = models.CharField(max_length=200, help_text="The rule as it was named when proposed.")
    values = models.JSONField(help_text="The proposed values of the fields that change.")
    before = models.JSONField(default=dict, help_text="Their values when the change was proposed.")
    base_version = models.PositiveIntegerField(null=True, blank=True, help_text="The rule's version when proposed.")
    version = models.PositiveIntegerField(null=True, blank=True, help_text="The version the approval made.")
    state = models.CharField(max_length=10, choices=RuleChangeState.choices, default=RuleChangeState.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was rejected or withdrawn.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            worded.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(state="proposed", object_id__isnull=False),
                name="one_open_change_per_rule",
            ),
            worded.CheckConstraint(
                condition=~Q(state__in=["rejected"]) | ~Q(reason=""), name="rejected_rule_change_has_reason"
            ),
        ]
        indexes = [models.Index(fields=["state"], name="rule_change_state")]

    def __str__(self) -> str:
        return f"Change {self.pk} to {self.rule_label}"
