"""Tasks that could not be queued because the broker was unreachable, kept until it takes them."""

from django.db import models


class UnsentTask(models.Model):
    """A Celery task whose sending failed after its transaction committed: sent again by the sweep."""

    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    attempts = models.PositiveIntegerField(default=1, help_text="Sends tried, the first one included.")
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "task waiting for the broker"
        verbose_name_plural = "tasks waiting for the broker"

    def __str__(self) -> str:
        return f"{self.task_name} ({self.created_at:%Y-%m-%d %H:%M})"
