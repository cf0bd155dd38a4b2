"""Making, finding and revoking personal access tokens (api.models.AccessToken)."""

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils import timezone

from onecare.accounts.roles import API_ROLES

from .models import TOKEN_PREFIX, AccessToken, TokenUse

HINT_LENGTH = len(TOKEN_PREFIX) + 6


def may_hold_tokens(user) -> bool:
    """Who may make tokens and use the read API (onecare.accounts.roles.API_ROLES, and superusers)."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.has_role(*API_ROLES)))


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def max_days() -> int:
    return max(1, int(settings.API_TOKEN_MAX_DAYS))


class TokenRefused(Exception):
    pass


def token_create(user, name: str, days: int) -> tuple[AccessToken, str]:
    """A new token for the user, valid for `days` days (1 to API_TOKEN_MAX_DAYS): the record and the token itself,
    which is not stored and must be shown to the person now."""
    if not may_hold_tokens(user):
        raise TokenRefused("Only commissioners, finance approvers and data admins can make API tokens.")
    if not 1 <= days <= max_days():
        raise TokenRefused(f"A token lasts from 1 to {max_days()} days.")
    name = name.strip()
    if not name:
        raise TokenRefused("Give the token a name.")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = AccessToken.objects.create(
        user=user,
        name=name[:100],
        digest=digest_of(secret),
        hint=secret[:HINT_LENGTH],
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    return token, secret


def token_revoke(token: AccessToken, actor) -> AccessToken:
    """Revoke a token for good (a second revoke changes nothing)."""
    AccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=actor)
    token.refresh_from_db()
    return token


def token_for(secret: str) -> AccessToken | None:
    """The token record whose digest matches (whatever its state), or None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    digest = digest_of(secret)
    found = AccessToken.objects.select_related("user").filter(digest=digest).first()
    # The lookup is by an index on the digest; compare again in constant time all the same.
    if found is None or not hmac.compare_digest(found.digest, digest):
        return None
    return found


def use_record(token: AccessToken, method: str, path: str, ip: str | None) -> None:
    now = timezone.now()
    TokenUse.objects.create(token=token, at=now, method=method[:10], path=path[:500], ip=ip or None)
    AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
