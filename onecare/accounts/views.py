"""Log-in, log-out, password change, and the home page that sends each role to its own start page."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy

from .nhsmail import END_SESSION_URL_KEY, nhsmail_configured
from .roles import Role
from .scoping import home_locality

START_PAGES = {
    Role.COMMISSIONER: "localities:overview",
    Role.FINANCE_APPROVER: "localities:overview",
    Role.DATA_ADMIN: "accounts:data-admin-home",
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
        return reverse("accounts:data-admin-home")
    return None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    destination = start_page_for(request.user)
    if destination:
        return redirect(destination)
    return render(request, "accounts/no_role.html", status=403)


# The data admin's start page: where each of their pages is, most of them in the admin.
DATA_ADMIN_LINKS = [
    (
        "Practice data",
        [
            (
                "Import practice data",
                "admin:localities_importrecord_changelist",
                "NHS Digital list sizes, the ODS practice register, NHS Payments files and the membership template",
            ),
            ("Practices", "admin:localities_practice_changelist", "Every practice, its commissioner links and history"),
            ("List sizes", "admin:localities_listsizesnapshot_changelist", "Registered and weighted list sizes"),
            ("Commissioners", "admin:localities_commissioner_changelist", "CCGs and their mergers"),
        ],
    ),
    (
        "Localities",
        [
            ("Localities overview", "localities:overview", "Population and progress of every locality"),
            ("Localities in the admin", "admin:localities_locality_changelist", "Localities and their vehicles"),
            ("Memberships", "admin:localities_localitymembership_changelist", "Which practice is in which locality"),
            ("Representatives", "admin:localities_representative_changelist", "Each locality's representatives"),
        ],
    ),
    (
        "Funding",
        [
            ("Money", "funding:money", "LTS and Improved Access money released and paid against the envelopes"),
            ("Evidence", "admin:funding_evidence_changelist", "Checklist evidence of every locality"),
            ("Releases", "admin:funding_release_changelist", "Tranche releases and adjustments"),
        ],
    ),
    (
        "Tasks",
        [
            (
                "Tasks waiting for the broker",
                "admin:outbox_unsenttask_changelist",
                "Tasks the broker could not take, sent again every five minutes",
            ),
            ("Evaluation requests", "admin:funding_evaluationrequest_changelist", "Milestone evaluations asked for"),
            ("Everything in the admin", "admin:index", "Every list the data admin can open"),
        ],
    ),
]


@login_required
def data_admin_home(request: HttpRequest) -> HttpResponse:
    if not (request.user.is_superuser or request.user.has_role(Role.DATA_ADMIN)):
        raise PermissionDenied("This page is the data admin's start page.")
    sections = [
        (title, [(label, reverse(name), hint) for label, name, hint in links]) for title, links in DATA_ADMIN_LINKS
    ]
    return render(request, "accounts/data_admin_home.html", {"sections": sections})


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, nhsmail_sign_in=nhsmail_configured())


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        # Read before the session ends: set at an NHSmail sign-in when log-out ends the provider's session too.
        end_session_url = request.session.get(END_SESSION_URL_KEY)
        response = super().post(request, *args, **kwargs)
        return HttpResponseRedirect(end_session_url) if end_session_url else response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:password-change-done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"
