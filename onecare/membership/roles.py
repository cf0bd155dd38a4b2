"""One Care's roles: staff keep the member register and run ballots as returning officer; the
scrutineer (Avon LMC, independent of One Care) sees the tally and certifies results.

The roles themselves, and their permissions, are in onecare.accounts.roles with every other role.
"""

from onecare.accounts.roles import Role

ONECARE_STAFF = Role.ONECARE_STAFF.value
SCRUTINEER = Role.SCRUTINEER.value


def is_onecare_staff(user) -> bool:
    """One Care staff (superusers count too: they run the service)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.has_role(Role.ONECARE_STAFF)


def is_scrutineer(user) -> bool:
    """Strictly the scrutineer: a superuser is not independent, so does not count."""
    return user.is_authenticated and user.is_active and user.has_role(Role.SCRUTINEER)
