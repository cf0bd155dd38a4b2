"""{% locality_remittances locality %}: on a locality's page, the payments made to it and the practice's money."""

from django import template

from onecare.accounts.roles import Role

from ..remittances import may_read, remittances_for_user

register = template.Library()


@register.inclusion_tag("funding/remittances/_locality.html", takes_context=True)
def locality_remittances(context, locality, releases=None):
    """The paid runs' remittance advice to the locality, and a practice manager's link to their practice's money
    (nothing for a role that reads neither); from the locality's live `releases` where the page has read them
    (funding.dashboards.locality_releases)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not may_read(user):
        return {"shown": False}
    return {
        "shown": True,
        "locality": locality,
        "rows": remittances_for_user(user, locality, releases),
        "practice": user.practice if user.practice_id and user.has_role(Role.PRACTICE_MANAGER) else None,
    }
