"""One rate (settings.REST_FRAMEWORK DEFAULT_THROTTLE_RATES["api"], env PORTAL_API_THROTTLE_RATE) per token, or per
user when signed in with a session; a request over it answers 429 with Retry-After."""

from rest_framework.throttling import SimpleRateThrottle

from .models import AccessToken


class PerTokenOrUserThrottle(SimpleRateThrottle):
    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, AccessToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}
