"""Portal accounts: a user has one role (a group) and a link to the organisation that scopes it."""

from functools import cached_property

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.sessions.base_session import AbstractBaseSession
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from simple_history.models import HistoricalRecords

from .roles import SCOPE_FIELD, Role


class UserHistory(HistoricalRecords):
    """A user's history, less the saves that change nothing it keeps: signing in (update_last_login saves
    `last_login` alone) adds no row. Such a row said nothing, and the sign-in would otherwise be a write that
    moves the page cache's data version (onecare/dataversion.py)."""

    def post_save(self, instance, created, using=None, **kwargs):
        update_fields = kwargs.get("update_fields")
        if not created and update_fields and set(update_fields) <= set(self.excluded_fields):
            return
        super().post_save(instance, created, using=using, **kwargs)


class User(AbstractUser):
    commissioner = models.ForeignKey(
        "localities.Commissioner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="For commissioners and finance approvers: the CCG they work for.",
    )
    practice = models.ForeignKey(
        "localities.Practice",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
        help_text="For practice managers: their practice.",
    )
    locality = models.ForeignKey(
        "localities.Locality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
        help_text="For locality leads: their locality.",
    )

    history = UserHistory(excluded_fields=["password", "last_login"])

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[Role]:
        """The person's roles: their groups' names (group_names), or the groups prefetched with the user."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("groups")
        names = {group.name for group in prefetched} if prefetched is not None else group_names(self)
        return frozenset(role for role in Role if role.value in names)

    @property
    def role(self) -> Role | None:
        """The user's role; a person holds one role in the portal."""
        return next(iter(sorted(self.roles)), None)

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))

    def commissioner_lineage(self) -> set[int]:
        """The user's CCG and every body that merged into it (Commissioner.lineage_ids), without reading the CCG's own
        row; worked out once per instance (a request reads its user afresh). Empty without a CCG."""
        if self.commissioner_id is None:
            return set()
        from localities.models import Commissioner

        return Commissioner.lineage_kept_on(self, self.commissioner_id)

    def clean(self) -> None:
        super().clean()
        if self.pk is None:
            return
        errors = {}
        for role in self.roles:
            field = SCOPE_FIELD[role]
            if field and getattr(self, f"{field}_id") is None:
                errors[field] = f"A {role.value} needs their {field} set."
        if errors:
            raise ValidationError(errors)


def group_names(user: User) -> set[str]:
    """The names of the user's groups, read with one statement as written: every page a person is shown asks for their
    role, and building and compiling the related manager's queryset cost three times the round trip. Nothing for a user
    not yet saved."""
    if user.pk is None:
        return set()
    connection = connections[router.db_for_read(User)]
    quote = connection.ops.quote_name
    links = User.groups.through._meta
    group, person = (quote(links.get_field(name).column) for name in ("group", "user"))
    with connection.cursor() as cursor:
        # The only value is a parameter; the table and column names are the models' own.
        cursor.execute(
            f"SELECT g.name FROM {quote(Group._meta.db_table)} g "  # noqa: S608
            f"JOIN {quote(links.db_table)} l ON l.{group} = g.id WHERE l.{person} = %s",
            [user.pk],
        )
        return {name for (name,) in cursor.fetchall()}


class Session(AbstractBaseSession):
    """A browser's session (onecare/accounts/sessions.py, the SESSION_ENGINE): Django's session row, with the user its
    data says is signed in, so that a request reads the session and its user in one statement."""

    user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.CASCADE,  # deleting an account signs it out everywhere
        related_name="sessions",
        # No constraint in the database: a session saved while its account is being deleted must not fail (Django
        # retries a session it cannot create, for ever). Such a row names nobody who exists, and signs nobody in.
        db_constraint=False,
    )

    @classmethod
    def get_session_store_class(cls):
        from .sessions import SessionStore

        return SessionStore
