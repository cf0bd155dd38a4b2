"""Personal access tokens for the read API, and the record of each use.

Only a SHA-256 digest of a token is stored: the token itself (a recognisable prefix and 256 random bits) is shown
once, on the page that creates it, and can never be shown again. A token has a required expiry (at most
settings.API_TOKEN_MAX_DAYS after it is made) and may be revoked; either ends it for good.

Each answered use is a TokenUse row (token, time, path, address): the throttle (settings.REST_FRAMEWORK's
rate per token) bounds how many rows a token can add, and a nightly task (api.tasks.token_uses_prune) deletes
rows older than settings.API_TOKEN_USE_DAYS.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "bnssg_pat_"  # noqa: S105  (the public start of every token, not a secret)


class AccessTokenQuerySet(models.QuerySet):
    def live(self, at=None):
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=at)


class AccessToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. 'Finance ledger import'.")
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token, in hex.")
    hint = models.CharField(max_length=20, help_text="The token's first characters, to tell tokens apart.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = AccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    def state(self, at=None) -> str:
        at = at or timezone.now()
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= at:
            return "expired"
        return "active"


class TokenUse(models.Model):
    token = models.ForeignKey(AccessToken, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField()
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["token", "-at"], name="api_tokenuse_token_at"),
            models.Index(fields=["at"], name="api_tokenuse_at"),
        ]

    def __str__(self) -> str:
        return f"{self.token_id} {self.method} {self.path} at {self.at:%Y-%m-%d %H:%M:%S}"
