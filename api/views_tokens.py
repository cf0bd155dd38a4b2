"""The person's own API tokens (under their account: accounts/tokens/): make one (shown once), list them with their
last use, revoke one. Only roles that may use the API (api.tokens.may_hold_tokens) reach these pages; another
person's token is a 404, as a missing one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from .forms import TokenForm
from .models import AccessToken, TokenUse
from .tokens import TokenRefused, max_days, may_hold_tokens, token_create, token_revoke

RECENT_USES = 5


def require_holder(user) -> None:
    if not may_hold_tokens(user):
        raise PermissionDenied("Only commissioners, finance approvers and data admins use the read API.")


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    user = request.user
    require_holder(user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = token_create(user, form.cleaned_data["name"], form.cleaned_data["days"])
        except TokenRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            # Shown on this response only: never stored, never sent again (no redirect that could show it twice).
            return render(request, "api/token_created.html", {"token": token, "secret": secret})
    now = timezone.now()
    # Each token's last few uses in one query for all of them (a sliced prefetch: a window per token).
    recent = Prefetch("uses", queryset=TokenUse.objects.order_by("-at", "-pk")[:RECENT_USES], to_attr="recent")
    listed = list(AccessToken.objects.filter(user=user).select_related("revoked_by").prefetch_related(recent))
    for each in listed:
        each.shown_state = each.state(now)
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": listed, "max_days": max_days()},
    )


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require_holder(user)
    token = AccessToken.objects.filter(user=user, pk=pk).first()
    if token is None:
        raise Http404("No such token.")
    if request.method == "POST":
        if token.revoked_at is None:
            token_revoke(token, actor=user)
            messages.success(request, f"The token '{token.name}' is revoked: it no longer works.")
        return redirect("api-tokens:list")
    return render(request, "api/token_revoke.html", {"token": token})
