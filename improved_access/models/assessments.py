"""What each IA evaluation decided for each locality and quarter: compliant (with its release) or why not."""

from django.db import models
from simple_history.models import HistoricalRecords

from funding.models import MilestoneEvaluation, Release
from localities.models import Locality


class QuarterAssessment(models.Model):
    evaluation = models.ForeignKey(MilestoneEvaluation, on_delete=models.PROTECT, related_name="ia_assessments")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="ia_assessments")
    quarter = models.CharField(max_length=6, help_text="Financial-year quarter, e.g. 2018Q1 (April-June 2018).")
    judged_on = models.DateField(help_text="The timetable, rules and acceptances in force on this day.")
    compliant = models.BooleanField()
    results = models.JSONField(help_text="Each rule: pass or fail, and the figure behind it.")
    reason = models.TextField(blank=True, help_text="Why no release: the rules not met, or a live release exists.")
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-evaluation__started_at", "locality__name"]
        indexes = [models.Index(fields=["locality", "quarter"], name="ia_assessment_locality_quarter")]

    def __str__(self) -> str:
        return f"{self.locality} {self.quarter}: {'compliant' if self.compliant else 'not compliant'}"
