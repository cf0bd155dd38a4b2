"""The One Care member register: each practice's membership, its £1.00 share and its named lead."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from onecare import constraints as worded


class MemberStatus(models.TextChoices):
    INVITED = "invited", "Invited"
    MEMBER = "member", "Member"
    DECLINED = "declined", "Declined"
    LEFT = "left", "Left"


class Member(models.Model):
    """One practice's place in the register; its history keeps every change of status, share and lead."""

    practice = models.OneToOneField("localities.Practice", on_delete=models.PROTECT, related_name="onecare_member")
    status = models.CharField(max_length=10, choices=MemberStatus.choices, default=MemberStatus.INVITED)
    invited_on = models.DateField(null=True, blank=True)
    joined_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)
    share_certificate_number = models.CharField(max_length=20, null=True, blank=True, unique=True)
    share_paid_on = models.DateField("£1.00 share paid on", null=True, blank=True)
    lead_name = models.CharField("named lead", max_length=200, blank=True)
    lead_job_title = models.CharField("named lead's job title", max_length=200, blank=True)
    lead_email = models.EmailField("named lead's email", blank=True)
    lead_phone = models.CharField("named lead's telephone", max_length=30, blank=True)
    lead_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="onecare_leads",
        help_text="The named lead's portal account, if they have one: they may cast the practice's vote.",
    )
    notes = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["practice__code"]
        constraints = [
            worded.CheckConstraint(
                condition=~Q(status="member") | Q(joined_on__isnull=False), name="member_has_joined_date"
            ),
            worded.CheckConstraint(
                condition=Q(share_paid_on__isnull=True) | Q(share_certificate_number__isnull=False),
                name="paid_share_has_certificate",
            ),
            worded.CheckConstraint(condition=~Q(status="left") | Q(left_on__isnull=False), name="left_has_date"),
        ]

    def __str__(self) -> str:
        return f"{self.practice} ({self.get_status_display().lower()})"

    def clean(self) -> None:
        super().clean()
        if self.share_certificate_number == "":
            self.share_certificate_number = None
        errors = {}
        if self.status == MemberStatus.MEMBER and not self.joined_on:
            errors["joined_on"] = "Give the date the practice joined."
        if self.status == MemberStatus.LEFT and not self.left_on:
            errors["left_on"] = "Give the date the practice left."
        if self.share_paid_on and not self.share_certificate_number:
            errors["share_certificate_number"] = "A paid share needs its certificate number."
        if errors:
            raise ValidationError(errors)
