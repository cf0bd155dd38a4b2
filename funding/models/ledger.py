"""The LTS money: tranche rules as data, and the ledger of releases, their per-practice lines and every state change.

Only funding.evaluation creates releases and only funding.release_transitions changes their state.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from localities.models import Basis, Locality, Practice
from onecare import constraints as worded
from onecare.formats import money

from .checklist import ChecklistItem, Scheme
from .rules import VersionedRule


class Tranche(VersionedRule):
    """A tranche of a scheme: its rate per head and the rule that opens it.

    The gate is met when every gate item has accepted evidence (and, when opens_on_joining is set,
    the locality has joined: it has a Locality Vehicle and member practices on the reference date).
    The population is each member practice's latest list-size snapshot on or before reference_date.
    """

    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="tranches")
    code = models.CharField(max_length=10, help_text="As in the scheme paper, e.g. T2a.")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    rate = models.DecimalField("rate per head (£)", max_digits=6, decimal_places=2)
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.REGISTERED)
    opens_on_joining = models.BooleanField(
        default=False,
        help_text="Opened when the locality joins the scheme: it has a Locality Vehicle and member practices.",
    )
    gate_items = models.ManyToManyField(
        ChecklistItem, blank=True, related_name="tranches", help_text="Every one of these must have accepted evidence."
    )
    reference_date = models.DateField(
        help_text="The population is the latest list-size snapshot on or before this date, of the practices "
        "that are members on this date."
    )
    active = models.BooleanField(default=True, help_text="The evaluation proposes releases of active tranches only.")
    releasable_from = models.DateField(
        "may be released from",
        null=True,
        blank=True,
        help_text="Nothing is proposed on an evaluation of an earlier date. Blank: no window.",
    )
    due_by = models.DateField(
        "due by",
        null=True,
        blank=True,
        help_text="A release whose gate is met after this day is marked late, and approving it needs a reason.",
    )
    after = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="followed_by",
        verbose_name="after tranches",
        help_text="Tranches that must be released first (a release of each approved, authorised, scheduled or paid).",
    )

    history = HistoricalRecords(m2m_fields=[gate_items, after])

    class Meta:
        ordering = ["scheme", "position", "code"]
        constraints = [
            worded.UniqueConstraint(fields=["scheme", "code"], name="tranche_code_unique"),
            worded.CheckConstraint(condition=Q(rate__gte=0), name="tranche_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.code} (£{self.rate} per head)"


class ReleaseKind(models.TextChoices):
    RELEASE = "release", "Release"
    ADJUSTMENT = "adjustment", "Adjustment"


class ReleaseState(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    AUTHORISED = "authorised", "Authorised"
    SCHEDULED = "scheduled", "Scheduled"
    PAID = "paid", "Paid"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


# Schemes that pay through this ledger but have their own evaluation, envelope and pages (Improved Access:
# improved_access.payments, one tranche per financial-year quarter). The LTS evaluation and dashboards leave them out.
SEPARATE_SCHEMES = ["ia"]

# A release in one of these states no longer counts: another may be proposed in its place.
DEAD_STATES = [ReleaseState.REJECTED, ReleaseState.WITHDRAWN]
# An adjustment in one of these states is still being decided or paid.
UNSETTLED_STATES = [ReleaseState.PROPOSED, ReleaseState.APPROVED, ReleaseState.AUTHORISED, ReleaseState.SCHEDULED]
# A release in one of these states is in a payment run (and only these are).
IN_A_RUN = [ReleaseState.SCHEDULED, ReleaseState.PAID]
# A tranche counts as released for a locality (its successors may follow) when a release of it is in one of these.
RELEASED_STATES = [ReleaseState.APPROVED, ReleaseState.AUTHORISED, ReleaseState.SCHEDULED, ReleaseState.PAID]


class MilestoneEvaluation(models.Model):
    """One run of the evaluation: who or what triggered it, for which date, and what it proposed."""

    at = models.DateField(help_text="Gates were judged on evidence accepted by the end of this day.")
    started_at = models.DateTimeField()
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(max_length=200, help_text='E.g. "nightly", "evidence 12 accepted", "command".')
    proposed = models.PositiveIntegerField(default=0)
    adjustments = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal("0.00"))
    requests_consumed = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"Evaluation at {self.at:%d/%m/%Y} ({self.trigger})"


class Release(models.Model):
    """Money due to a locality under one tranche (or an adjustment of a paid release), with how it was worked out."""

    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="releases")
    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="releases")
    kind = models.CharField(max_length=10, choices=ReleaseKind.choices, default=ReleaseKind.RELEASE)
    adjusts = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="adjustments",
        help_text="Adjustments only.",
    )
    rule = models.JSONField(help_text="The tranche rule as applied, and the evidence that met its gate.")
    rule_version = models.PositiveIntegerField(null=True, blank=True, help_text="The tranche's version applied.")
    rule_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rule_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rate = models.DecimalField(max_digits=6, decimal_places=2)
    basis = models.CharField(max_length=10, choices=Basis.choices)
    population = models.DecimalField(max_digits=14, decimal_places=3)
    reference_date = models.DateField()
    snapshot_date = models.DateField(null=True, blank=True, help_text="The latest list-size extract date used.")
    snapshot_sources = models.CharField(max_length=200, blank=True)
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Negative for a claw-back.")
    state = models.CharField(max_length=12, choices=ReleaseState.choices, default=ReleaseState.PROPOSED)
    reason = models.TextField(blank=True, help_text="Why it was rejected or withdrawn; for adjustments, why made.")
    evaluation = models.ForeignKey(MilestoneEvaluation, on_delete=models.PROTECT, related_name="releases")
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    authorised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    authorised_at = models.DateTimeField(null=True, blank=True)
    payment_run = models.ForeignKey(
        "funding.PaymentRun", null=True, blank=True, on_delete=models.PROTECT, related_name="releases"
    )
    paid_on = models.DateField(null=True, blank=True, help_text="The day finance says the money left.")
    late = models.BooleanField(default=False, help_text="Its gate was met after the tranche's due date.")
    late_because = models.TextField(blank=True, help_text="Which evidence was accepted when, against which due date.")
    below_minimum = models.BooleanField(
        "under the minimum", default=False, help_text="The locality was under the scheme's minimum population."
    )
    below_minimum_because = models.TextField(blank=True, help_text="Its population, date and the minimum.")

    # The rule record is written once, with the release, and never changed: the history leaves it out rather than
    # copy it into every record (a historical record's .instance still reads it, from the release). The history is
    # read by release (its id) and date only, so its copies of the foreign keys are not indexed: every evaluation
    # writes a record per release, and each index is one more entry to write per record.
    history = HistoricalRecords(
        excluded_fields=["rule"],
        no_db_index=[
            "locality",
            "tranche",
            "adjusts",
            "rule_proposed_by",
            "rule_approved_by",
            "evaluation",
            "triggered_by",
            "approved_by",
            "authorised_by",
            "payment_run",
        ],
    )

    class Meta:
        ordering = ["-proposed_at", "locality__name", "tranche__position"]
        constraints = [
            worded.UniqueConstraint(
                fields=["locality", "tranche"],
                condition=Q(kind=ReleaseKind.RELEASE) & ~Q(state__in=DEAD_STATES),
                name="one_live_release_per_locality_tranche",
            ),
            worded.UniqueConstraint(
                fields=["adjusts"],
                condition=Q(kind=ReleaseKind.ADJUSTMENT, state__in=UNSETTLED_STATES),
                name="one_unsettled_adjustment_per_release",
            ),
            worded.CheckConstraint(
                condition=Q(kind=ReleaseKind.ADJUSTMENT) | Q(amount__gte=0), name="release_amount_not_negative"
            ),
            worded.CheckConstraint(
                condition=Q(kind=ReleaseKind.RELEASE, adjusts__isnull=True)
                | Q(kind=ReleaseKind.ADJUSTMENT, adjusts__isnull=False),
                name="adjustment_adjusts_a_release",
            ),
            worded.CheckConstraint(
                condition=~Q(state__in=DEAD_STATES) | ~Q(reason=""), name="rejected_release_has_reason"
            ),
            # Payments are final (funding/MONEY.md): a scheduled or paid release is in a run, nothing else is,
            # and a release is paid exactly when it has a paid date. PostgreSQL triggers hold the rest.
            worded.CheckConstraint(
                condition=Q(state__in=IN_A_RUN, payment_run__isnull=False)
                | (~Q(state__in=IN_A_RUN) & Q(payment_run__isnull=True)),
                name="release_in_a_run_when_scheduled_or_paid",
            ),
            worded.CheckConstraint(
                condition=Q(state=ReleaseState.PAID, paid_on__isnull=False)
                | (~Q(state=ReleaseState.PAID) & Q(paid_on__isnull=True)),
                name="paid_release_has_paid_date",
            ),
        ]
        indexes = [models.Index(fields=["state"], name="release_state")]

    def __str__(self) -> str:
        label = "adjustment of " if self.kind == ReleaseKind.ADJUSTMENT else ""
        return f"{label}{self.tranche.code} for {self.locality}: {money(self.amount)}"

    @property
    def needs_exception(self) -> bool:
        """Approving it needs a recorded reason: it is late, or its locality was under the scheme's minimum."""
        return self.late or self.below_minimum

    @property
    def reference(self) -> str:
        """The payment reference finance quotes: scheme (from the rule applied), tranche, locality, release number."""
        return self.reference_naming(None if self.kind == ReleaseKind.ADJUSTMENT else (self.rule or {}).get("scheme"))

    def reference_naming(self, scheme) -> str:
        """The reference, given the scheme that the rule applied names: a list that leaves the rule unread reads the
        scheme alone in its query (the admin's release changelist)."""
        prefix = "ADJ" if self.kind == ReleaseKind.ADJUSTMENT else str(scheme or "lts")
        return f"{prefix}-{self.tranche.code}-{self.locality.code}-{self.pk}".upper()


class ReleaseLine(models.Model):
    """A member practice's share of a release (written once, never changed: the release's history covers it)."""

    # No index of its own: the unique constraint's (release, practice) index serves every lookup by release.
    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="lines", db_index=False)
    practice = models.ForeignKey(Practice, on_delete=models.PROTECT, related_name="+")
    patients = models.DecimalField(max_digits=14, decimal_places=3)
    snapshot_date = models.DateField(null=True, blank=True)
    source_kind = models.CharField(max_length=20, blank=True)
    opted_out = models.BooleanField(default=False)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["release", "practice__code"]
        constraints = [worded.UniqueConstraint(fields=["release", "practice"], name="one_line_per_release_practice")]

    def __str__(self) -> str:
        return f"{self.practice_id}: £{self.amount}"


class ReleaseTransition(models.Model):
    """One state change of a release: who (none for the evaluation itself), when, from, to, and why."""

    release = models.ForeignKey(Release, on_delete=models.PROTECT, related_name="transitions")
    from_state = models.CharField(max_length=12, choices=ReleaseState.choices, blank=True)
    to_state = models.CharField(max_length=12, choices=ReleaseState.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField()
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.release_id}: {self.from_state or 'new'} to {self.to_state} at {self.at:%d/%m/%Y %H:%M}"
