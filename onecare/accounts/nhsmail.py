"""What the log-in and log-out pages need to know about signing in with NHSmail (onecare/security/oidc.py).

Here, below the security layer, so that the accounts' own views can offer the NHSmail button and end a
session at the provider without importing the sign-in code.
"""

from django.conf import settings

# Where log-out sends a person who signed in with NHSmail, when the portal also ends their provider session.
END_SESSION_URL_KEY = "portal_oidc_end_session_url"


def nhsmail_configured() -> bool:
    """Sign in with NHSmail is on only when the issuer, client id and client secret are all set."""
    return all(
        getattr(settings, name, "")
        for name in ("PORTAL_OIDC_ISSUER", "PORTAL_OIDC_CLIENT_ID", "PORTAL_OIDC_CLIENT_SECRET")
    )
