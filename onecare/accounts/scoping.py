"""What each person may see: one place that turns a user into the localities and practices they can read.

Views fetch through get_*_for_user(), which answers 404 to outsiders rather than revealing
that a record exists.
"""

import datetime

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from localities.models import Locality, LocalityMembership, Practice

from .roles import Role


def today() -> datetime.date:
    return timezone.localdate()


def sees_everything(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_role(Role.DATA_ADMIN))


def visible_localities(user, at: datetime.date | None = None) -> QuerySet[Locality]:
    """Localities the user may read: their CCG's (and its predecessors'), their practice's, or their own."""
    localities = Locality.objects.all()
    if not user.is_authenticated or not user.is_active:
        return localities.none()
    if sees_everything(user):
        return localities
    allowed = localities.none()
    if user.has_role(Role.COMMISSIONER, Role.FINANCE_APPROVER) and user.commissioner_id:
        allowed |= localities.filter(commissioner_id__in=user.commissioner_lineage())
    if user.has_role(Role.LOCALITY_LEAD) and user.locality_id:
        allowed |= localities.filter(pk=user.locality_id)
    if user.has_role(Role.PRACTICE_MANAGER) and user.practice_id:
        own = LocalityMembership.objects.on(at or today()).filter(practice_id=user.practice_id)
        allowed |= localities.filter(pk__in=own.values("locality_id"))
    return allowed


def can_see_locality(user, locality: Locality) -> bool:
    """Whether visible_localities(user) holds the locality: without a query when the locality is of the user's CCG
    lineage (the permission checks ask this several times a request, and the lineage is worked out once)."""
    if (
        user.is_authenticated
        and user.is_active
        and user.commissioner_id
        and user.has_role(Role.COMMISSIONER, Role.FINANCE_APPROVER)
        and locality.commissioner_id in user.commissioner_lineage()
    ):
        return True
    return visible_localities(user).filter(pk=locality.pk).exists()


def visible_practices(user, at: datetime.date | None = None) -> QuerySet[Practice]:
    if sees_everything(user):
        return Practice.objects.all()
    members = LocalityMembership.objects.on(at or today()).filter(locality__in=visible_localities(user, at))
    return Practice.objects.filter(pk__in=members.values("practice_id"))


def get_locality_for_user(user, code: str, *related: str) -> Locality:
    """The locality with its commissioner (and the `related` relations: select_related), if the user may see it."""
    try:
        return visible_localities(user).select_related("commissioner", *related).get(code=code)
    except Locality.DoesNotExist:
        raise Http404("No such locality.") from None


def home_locality(user) -> Locality | None:
    """The locality a practice manager or locality lead works in."""
    if user.has_role(Role.LOCALITY_LEAD) and user.locality_id:
        return user.locality
    if user.has_role(Role.PRACTICE_MANAGER) and user.practice_id:
        return visible_localities(user).first()
    return None
