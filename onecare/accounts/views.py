"""Log-in, log-out, password change, and the home page that sends each role to its own start page."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy

from .roles import Role
from .scoping import home_locality

START_PAGES = {
    Role.COMMISSIONER: "localities:overview",
    Role.FINANCE_APPROVER: "localities:overview",
    Role.DATA_ADMIN: "admin:index",
    Role.ONECARE_STAFF: "membership:register",
    Role.SCRUTINEER: "ballots:list",
}


def start_page_for(user) -> str | None:
    role = user.role
    if role in (Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD):
        locality = home_locality(user)
        return reverse("localities:detail", args=[locality.code]) if locality else None
    if role in START_PAGES:
        return reverse(START_PAGES[role])
    if user.is_superuser:
        return reverse("admin:index")
    return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    destination = start_page_for(request.user)
    if destination:
        return redirect(destination)
    return render(request, "accounts/no_role.html", status=403)


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
