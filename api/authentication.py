"""`Authorization: Bearer <token>` for the read API: a personal access token (api.tokens) of an active user.

An unknown, expired or revoked token, or one whose user is inactive (or no longer in a role that may use the API),
is refused with a 401 and a message saying which. Each request that is answered (past authentication, the API's
roles and the throttle) is recorded (api.models.TokenUse) by the views (TokenUseRecorded below), not here: DRF
authenticates before it throttles, so recording here would add a row for every refused (429) request too.
Token requests carry no session: no CSRF token and no second-factor session state are needed (the token was made on
a page reached only after both), and the two-factor middleware, which sees an anonymous user, lets them through.
"""

from django.utils import timezone
from rest_framework import authentication, exceptions

from .models import AccessToken
from .tokens import may_hold_tokens, token_for, use_record

KEYWORD = "Bearer"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send the header as 'Authorization: Bearer <token>'.")
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed("The token is not valid.") from None
        token = token_for(secret)
        if token is None:
            raise exceptions.AuthenticationFailed("The token is not valid.")
        if token.revoked_at:
            raise exceptions.AuthenticationFailed("The token has been revoked.")
        if token.expires_at <= timezone.now():
            raise exceptions.AuthenticationFailed("The token has expired: make a new one in the portal.")
        user = token.user
        if not user.is_active:
            raise exceptions.AuthenticationFailed("The token's user account is inactive.")
        if not may_hold_tokens(user):
            raise exceptions.AuthenticationFailed("The token's user may no longer use the API.")
        return user, token

    def authenticate_header(self, request) -> str:
        return f'{KEYWORD} realm="api"'


class TokenUseRecorded:
    """A view mixin: once DRF's initial() has authenticated the request and checked the permissions and the throttle,
    record the use of the token it came with (if any), so a refused (401, 403 or 429) request adds no row."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if isinstance(request.auth, AccessToken):
            use_record(request.auth, request.method, request.get_full_path(), request.META.get("REMOTE_ADDR"))
