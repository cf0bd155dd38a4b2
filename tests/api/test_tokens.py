"""Personal access tokens: made on the person's own page and shown once, only a digest kept, an expiry that is
required and bounded, revocation, the record of each use, and the refusals of the Bearer authentication."""

import datetime
import hashlib

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.models import AccessToken, TokenUse
from api.throttling import PerTokenOrUserThrottle
from api.tokens import TokenRefused, token_create
from api.views_tokens import RECENT_USES
from onecare.accounts.roles import Role
from tests.onecare.factories import UserFactory

RELEASES = "/api/v1/releases/"


def make_on_page(client, user, name="Ledger import", days="30"):
    client.force_login(user)
    return client.post(reverse("api-tokens:list"), {"name": name, "days": days})


def test_a_new_token_is_shown_once_and_only_its_digest_is_kept(client, world):
    user = world.users[Role.FINANCE_APPROVER]
    response = make_on_page(client, user)
    assert response.status_code == 200
    secret = response.context["secret"]
    assert secret.startswith("bnssg_pat_") and len(secret) > 40
    assert secret in response.text
    assert "no-store" in response["Cache-Control"]
    token = AccessToken.objects.get(user=user)
    assert token.digest == hashlib.sha256(secret.encode()).hexdigest()
    stored = [str(value) for value in AccessToken.objects.filter(pk=token.pk).values().get().values()]
    assert not any(secret in value for value in stored), "the token itself is stored"
    assert secret.startswith(token.hint) and len(token.hint) < 20
    # The list shows its name and start, never the token again.
    listed = client.get(reverse("api-tokens:list"))
    assert "Ledger import" in listed.text and token.hint in listed.text
    assert secret not in listed.text
    # And it works.
    assert client.get(RELEASES, headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_the_expiry_is_required_and_at_most_the_maximum(client, world, settings):
    settings.API_TOKEN_MAX_DAYS = 90
    user = world.users[Role.COMMISSIONER]
    for days in ("", "91", "365", "0", "-1", "abc"):
        response = make_on_page(client, user, days=days)
        assert response.status_code == 200
        assert "There is a problem" in response.text, days
    assert not AccessToken.objects.exists()
    with pytest.raises(TokenRefused, match="1 to 90 days"):
        token_create(user, "Too long", 91)
    token, _ = token_create(user, "Longest", 90)
    assert token.expires_at - token.created_at == datetime.timedelta(days=90)
    settings.API_TOKEN_MAX_DAYS = 7
    assert make_on_page(client, user, days="30").context.get("secret") is None


def test_an_expired_token_is_refused_with_a_message(client, world, bearer):
    headers = bearer(days=7)
    assert client.get(RELEASES, headers=headers).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=7, seconds=1)):
        response = client.get(RELEASES, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "The token has expired: make a new one in the portal."}
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_is_refused_and_only_its_owner_revokes_it(client, world):
    owner, other = world.users[Role.COMMISSIONER], world.users[Role.FINANCE_APPROVER]
    token, secret = token_create(owner, "Reports", 30)
    headers = {"Authorization": f"Bearer {secret}"}
    client.force_login(other)
    assert client.get(reverse("api-tokens:revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("api-tokens:revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert client.get(RELEASES, headers=headers).status_code == 200
    client.force_login(owner)
    assert client.get(reverse("api-tokens:revoke", args=[token.pk])).status_code == 200
    response = client.post(reverse("api-tokens:revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at and token.revoked_by == owner
    client.logout()
    response = client.get(RELEASES, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "The token has been revoked."}


@pytest.mark.parametrize(
    "header",
    ["Bearer bnssg_pat_not-a-real-token", "Bearer nonsense", "Bearer", "Bearer a b", "Bearer caf\u00e9"],
)
def test_an_unknown_or_malformed_token_is_refused(client, world, header):
    response = client.get(RELEASES, headers={"Authorization": header.encode("utf-8").decode("latin-1")})
    assert response.status_code == 401
    assert response.json()["detail"] in (
        "The token is not valid.",
        "Send the header as 'Authorization: Bearer <token>'.",
    )


def test_a_token_of_an_inactive_user_or_one_who_left_the_api_roles_is_refused(client, world, bearer):
    headers = bearer(Role.COMMISSIONER)
    user = world.users[Role.COMMISSIONER]
    user.is_active = False
    user.save()
    response = client.get(RELEASES, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "The token's user account is inactive."}
    user.is_active = True
    user.save()
    user.groups.clear()
    response = client.get(RELEASES, headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "The token's user may no longer use the API."}


def test_no_token_is_a_401_asking_for_one(client, world):
    response = client.get(RELEASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_each_use_is_recorded(client, world, bearer):
    headers = bearer(Role.FINANCE_APPROVER)
    token = AccessToken.objects.get()
    assert token.last_used_at is None
    client.get(RELEASES + "?state=paid", headers=headers, REMOTE_ADDR="10.1.2.3")
    client.get("/api/v1/localities/", headers=headers, REMOTE_ADDR="10.1.2.4")
    uses = list(TokenUse.objects.order_by("pk").values_list("token_id", "method", "path", "ip"))
    assert uses == [
        (token.pk, "GET", "/api/v1/releases/?state=paid", "10.1.2.3"),
        (token.pk, "GET", "/api/v1/localities/", "10.1.2.4"),
    ]
    token.refresh_from_db()
    assert token.last_used_at is not None
    # Refused tokens are not recorded as uses.
    client.get(RELEASES, headers={"Authorization": "Bearer bnssg_pat_unknown"})
    assert TokenUse.objects.count() == 2


def test_the_token_list_takes_as_many_queries_for_three_tokens_as_for_one(client, world):
    user = world.users[Role.FINANCE_APPROVER]
    client.force_login(user)
    start = timezone.now() - datetime.timedelta(hours=1)

    def token_with_uses(name):
        token, _ = token_create(user, name, 30)
        for minute in range(RECENT_USES + 2):
            TokenUse.objects.create(
                token=token, at=start + datetime.timedelta(minutes=minute), method="GET", path=f"/{name}/{minute}/"
            )
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token

    token_with_uses("one")
    client.get(reverse("api-tokens:list"))  # the session's first-request work, outside the count
    with CaptureQueriesContext(connection) as one:
        response = client.get(reverse("api-tokens:list"))
    # Each token shows its last RECENT_USES uses, newest first.
    shown = [use.path for use in response.context["tokens"][0].recent]
    assert shown == [f"/one/{minute}/" for minute in range(RECENT_USES + 1, 1, -1)]
    token_with_uses("two")
    token_with_uses("three")
    with CaptureQueriesContext(connection) as three:
        response = client.get(reverse("api-tokens:list"))
    assert [len(each.recent) for each in response.context["tokens"]] == [RECENT_USES] * 3
    assert len(three) == len(one)


@pytest.mark.parametrize("role", [Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD, Role.ONECARE_STAFF, Role.SCRUTINEER])
def test_roles_that_do_not_see_money_across_localities_hold_no_tokens(client, world, role):
    user = world.users[role]
    with pytest.raises(TokenRefused):
        token_create(user, "Mine", 30)
    client.force_login(user)
    assert client.get(reverse("api-tokens:list")).status_code == 403
    assert client.post(reverse("api-tokens:list"), {"name": "Mine", "days": "30"}).status_code == 403
    assert not AccessToken.objects.exists()
    response = client.get(RELEASES)
    assert response.status_code == 403
    assert "commissioners, finance approvers and data admins" in response.json()["detail"]


def test_requests_over_the_rate_are_429_with_retry_after(client, world, bearer, monkeypatch):
    monkeypatch.setattr(PerTokenOrUserThrottle, "THROTTLE_RATES", {"api": "3/minute"})
    headers = bearer(Role.COMMISSIONER)
    statuses = [client.get(RELEASES, headers=headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(RELEASES, headers=headers)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()
    # Another token (another person's) has its own count.
    assert client.get(RELEASES, headers=bearer(Role.FINANCE_APPROVER)).status_code == 200


def test_throttled_requests_add_no_use_records(client, world, bearer, monkeypatch):
    # The throttle bounds the rows a token can add (api.models): a 429 is not recorded as a use.
    monkeypatch.setattr(PerTokenOrUserThrottle, "THROTTLE_RATES", {"api": "2/minute"})
    headers = bearer(Role.COMMISSIONER)
    statuses = [client.get(RELEASES, headers=headers).status_code for _ in range(5)]
    assert statuses == [200, 200, 429, 429, 429]
    assert TokenUse.objects.count() == 2


def test_token_requests_need_no_second_factor_session_but_a_session_does(client, world, bearer, settings):
    settings.PORTAL_REQUIRE_2FA = True
    headers = bearer(Role.COMMISSIONER)  # the commissioner has no authenticator device at all
    assert client.get(RELEASES, headers=headers).status_code == 200
    client.force_login(world.users[Role.COMMISSIONER])
    response = client.get(RELEASES)
    assert response.status_code == 302 and "/accounts/two-factor/" in response.url
    assert client.get(reverse("api-tokens:list")).status_code == 302


def test_the_account_navigation_links_to_the_tokens_for_api_roles_only(client, world):
    client.force_login(world.users[Role.FINANCE_APPROVER])
    assert reverse("api-tokens:list") in client.get(reverse("accounts:password-change")).text
    client.force_login(world.users[Role.PRACTICE_MANAGER])
    assert reverse("api-tokens:list") not in client.get(reverse("accounts:password-change")).text


def test_a_superuser_may_hold_a_token(client, world):
    admin = UserFactory(is_superuser=True, is_staff=True)
    _, secret = token_create(admin, "Everything", 1)
    response = client.get("/api/v1/localities/", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_the_record_of_uses_is_pruned_nightly_after_the_days_kept(client, world, bearer, settings):
    from api.tasks import token_uses_prune

    settings.API_TOKEN_USE_DAYS = 30
    headers = bearer(Role.COMMISSIONER)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=31)):
        TokenUse.objects.create(token=AccessToken.objects.get(), at=timezone.now(), method="GET", path="/old/")
    client.get(RELEASES, headers=headers)
    assert token_uses_prune() == 1
    assert list(TokenUse.objects.values_list("path", flat=True)) == [RELEASES]
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "api.token_uses_prune" in tasks
