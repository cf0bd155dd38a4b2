"""The two-factor pages: set up an authenticator app (secret as text and QR code), then enter its codes."""

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django_otp import login as otp_login
from django_otp import match_token

from .forms import TokenForm
from .twofactor import base32_secret, confirmed_device, device_confirm, requires_two_factor, unconfirmed_device


def next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return candidate if safe else settings.LOGIN_REDIRECT_URL


def qr_code_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    svg = image.to_string(encoding="unicode")
    # Built here from our own otpauth:// URL (the user's name is URL-quoted into it): no markup from input.
    return mark_safe(svg.replace("<svg ", '<svg role="img" aria-label="QR code for your authenticator app" ', 1))  # noqa: S308


@never_cache
@login_required
def setup(request: HttpRequest) -> HttpResponse:
    if not requires_two_factor(request.user):
        return redirect(settings.LOGIN_REDIRECT_URL)
    if confirmed_device(request.user):
        return redirect("security:verify" if not request.user.is_verified() else settings.LOGIN_REDIRECT_URL)
    device = unconfirmed_device(request.user)
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if device_confirm(device, form.cleaned_data["token"]):
            otp_login(request, device)
            return redirect(next_url(request))
        form.add_error("token", "The security code is wrong or has expired: enter the code your app shows now")
    context = {
        "form": form,
        "secret": base32_secret(device),
        "qr_code": qr_code_svg(device.config_url),
        "next": next_url(request),
    }
    return render(request, "security/setup.html", context)


@never_cache
@login_required
def verify(request: HttpRequest) -> HttpResponse:
    if not requires_two_factor(request.user):
        return redirect(settings.LOGIN_REDIRECT_URL)
    if not confirmed_device(request.user):
        return redirect("security:setup")
    if request.user.is_verified():
        return redirect(next_url(request))
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url(request))
        form.add_error("token", "The security code is wrong or has expired: enter the code your app shows now")
    return render(request, "security/verify.html", {"form": form, "next": next_url(request)})


def lockout(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer once an account has had too many failed sign-ins (AXES_LOCKOUT_CALLABLE)."""
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    }
    return render(request, "security/lockout.html", context, status=429)
