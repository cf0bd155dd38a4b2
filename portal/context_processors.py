"""The navigation each role sees in the page header: links to every app, and the approvals inbox's count."""

from django.db import DatabaseError
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from funding.inbox import awaiting_count
from onecare.accounts.roles import API_ROLES, Role
from onecare.accounts.scoping import home_locality


def navigation(request: HttpRequest) -> dict:
    """The header's links and the user's role, worked out when a template first reads them: the admin's pages, which
    render with this context too, never do, and so never pay for the approvals count."""
    found = SimpleLazyObject(lambda: _navigation_or_none(request))
    return {
        "nav_links": SimpleLazyObject(lambda: found["nav_links"]),
        "user_role": SimpleLazyObject(lambda: found.get("user_role")),
    }


def _navigation_or_none(request: HttpRequest) -> dict:
    try:
        return _navigation(request)
    except DatabaseError:
        # The error pages render with this context too: a database that fails must not turn a 404 into a 500.
        return {"nav_links": []}


def _navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    links = []
    if user.has_role(Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD):
        locality = home_locality(user)
        if locality:
            links.append(("Our locality", reverse("localities:detail", args=[locality.code])))
        if locality and user.has_role(Role.LOCALITY_LEAD):
            links.append(("Improved Access", reverse("improved_access:status", args=[locality.code])))
    if user.is_superuser or user.has_role(Role.DATA_ADMIN):
        links.append(("Data admin", reverse("accounts:data-admin-home")))
    if user.is_superuser or user.has_role(Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN):
        links.append(("Localities", reverse("localities:overview")))
    if user.has_role(Role.COMMISSIONER):
        links.append(("Review evidence", reverse("funding:review-queue")))
    if user.has_role(Role.COMMISSIONER, Role.FINANCE_APPROVER):
        # What waits for the person's approval or second approval: one query.
        links.append((f"Approvals ({awaiting_count(user)})", reverse("funding:inbox")))
    if user.has_role(Role.COMMISSIONER):
        links.append(("Improved Access", reverse("improved_access:overview")))
    if user.has_role(
        Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.DATA_ADMIN, Role.PRACTICE_MANAGER, Role.LOCALITY_LEAD
    ):
        links.append(("Money", reverse("funding:money")))
    if user.has_role(Role.FINANCE_APPROVER):
        links.append(("Payment runs", reverse("funding:runs")))
    if user.has_role(Role.PRACTICE_MANAGER) and user.practice_id:
        links.append(("Our practice's money", reverse("funding:practice-money", args=[user.practice_id])))
    if user.has_role(Role.COMMISSIONER, Role.FINANCE_APPROVER, Role.LOCALITY_LEAD):
        links.append(("Remittance advice", reverse("funding:remittances")))
    if user.has_role(Role.ONECARE_STAFF):
        links.append(("Member register", reverse("membership:register")))
    if user.has_role(Role.ONECARE_STAFF, Role.SCRUTINEER, Role.PRACTICE_MANAGER):
        links.append(("Ballots", reverse("ballots:list")))
    if user.has_role(Role.ONECARE_STAFF, Role.SCRUTINEER, Role.PRACTICE_MANAGER):
        links.append(("Business plan", reverse("businessplan:plan")))
    if user.is_staff:
        links.append(("Admin", reverse("admin:index")))
    if user.is_superuser or user.has_role(*API_ROLES):
        # The person's personal access tokens for the read API (api.views_tokens), beside their password.
        links.append(("API tokens", reverse("api-tokens:list")))
    links.append(("Change password", reverse("accounts:password-change")))
    return {"nav_links": links, "user_role": user.role}
