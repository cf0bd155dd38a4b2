"""The base of every model admin in the portal: scoped like the portal, with history that can only be read.

Every ModelAdmin and inline of the project's apps derives from ScopedAdmin, AuditedAdmin or ScopedInline
(a test fails on one that does not). Each names its `scope`: which rows of its model a user may see, the
same rule the portal's pages follow (onecare.accounts.scoping). The scope filters everything the admin
reaches through get_queryset: the change list and its exports, change, delete and history pages,
actions, autocompletes (which search the related model's admin) and related-object pop-ups; and it
narrows the choices of every foreign key and many-to-many field to what the user may see, so a form
cannot point a record at another organisation's locality, practice or payment run.

History (django-simple-history) is an audit record: it can be read, within the scope, and never
reverted. A POST to a historical version answers 405; its page shows the version read-only.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404, HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin

from localities.models import Commissioner, Locality, LocalityMembership, Practice, PracticeCommissioner

from .roles import Role
from .scoping import sees_everything, visible_localities


def sees_whole_area(user) -> bool:
    """Data admins, superusers and One Care staff: One Care's register and ballots cover every practice."""
    return sees_everything(user) or (user.is_active and user.has_role(Role.ONECARE_STAFF))


def admin_commissioner_ids(user) -> set[int] | None:
    """The CCGs a user works for (with those merged into them); None: all of them."""
    if sees_everything(user):
        return None
    if user.has_role(Role.COMMISSIONER, Role.FINANCE_APPROVER) and user.commissioner_id:
        return user.commissioner_lineage()
    return set()


def admin_localities(user) -> QuerySet[Locality]:
    if sees_whole_area(user):
        return Locality.objects.all()
    return visible_localities(user)


def admin_practices(user) -> QuerySet[Practice]:
    """Practices commissioned by the user's CCGs, or ever members of a locality the user may see."""
    if sees_whole_area(user):
        return Practice.objects.all()
    ids = admin_commissioner_ids(user) or set()
    linked = PracticeCommissioner.objects.filter(commissioner_id__in=ids).values("practice_id")
    members = LocalityMembership.objects.filter(locality__in=admin_localities(user)).values("practice_id")
    return Practice.objects.filter(Q(pk__in=linked) | Q(pk__in=members))


class Scope:
    """Which rows of a model a user may see in the admin."""

    def apply(self, user, queryset: QuerySet) -> QuerySet:
        raise NotImplementedError


class Everyone(Scope):
    """Rules and reference data every user with the model permission may read (the scheme, its items)."""

    def apply(self, user, queryset):
        return queryset


class ByLocality(Scope):
    def __init__(self, path: str):
        self.path = path

    def apply(self, user, queryset):
        if sees_whole_area(user):
            return queryset
        return queryset.filter(**{f"{self.path}__in": admin_localities(user).values("pk")})


class ByPractice(Scope):
    def __init__(self, path: str):
        self.path = path

    def apply(self, user, queryset):
        if sees_whole_area(user):
            return queryset
        return queryset.filter(**{f"{self.path}__in": admin_practices(user).values("pk")})


class ByCommissioner(Scope):
    def __init__(self, path: str):
        self.path = path

    def apply(self, user, queryset):
        ids = admin_commissioner_ids(user)
        return queryset if ids is None else queryset.filter(**{f"{self.path}__in": ids})


class ByUser(Scope):
    """Accounts: a commissioner picks among the people of their own CCG, localities and practices."""

    def apply(self, user, queryset):
        if sees_whole_area(user):
            return queryset
        return queryset.filter(
            Q(pk=user.pk)
            | Q(commissioner_id__in=admin_commissioner_ids(user) or set())
            | Q(locality__in=admin_localities(user).values("pk"))
            | Q(practice__in=admin_practices(user).values("pk"))
        )


class ByCondition(Scope):
    """Rows picked by a function of the user (e.g. evaluations that proposed something the user may see)."""

    def __init__(self, condition):
        self.condition = condition

    def apply(self, user, queryset):
        if sees_everything(user):
            return queryset
        return queryset.filter(self.condition(user)).distinct()


def scope_of_model(admin_site, model) -> Scope | None:
    model_admin = admin_site._registry.get(model)
    return getattr(model_admin, "scope", None)


# Models that have no admin of their own but are chosen in forms.
DEFAULT_SCOPES = {
    Commissioner: ByCommissioner("pk"),
    Locality: ByLocality("pk"),
    Practice: ByPractice("pk"),
}


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices narrowed to the related model's scope."""

    def _scoped(self, request, db_field, formfield):
        if formfield is None or not hasattr(formfield, "queryset"):
            return formfield
        related = db_field.related_model
        scope = scope_of_model(self.admin_site, related) or DEFAULT_SCOPES.get(related)
        if scope is None and related._meta.label_lower == "accounts.user":
            scope = ByUser()
        if scope is not None:
            formfield.queryset = scope.apply(request.user, formfield.queryset)
        return formfield

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        return self._scoped(request, db_field, super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        return self._scoped(request, db_field, super().formfield_for_manytomany(db_field, request, **kwargs))


class ScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """A model admin that shows and changes only what the user's organisation may see."""

    scope: Scope = Everyone()

    def get_queryset(self, request):
        return self.scope.apply(request.user, super().get_queryset(request))

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django's admin sends a missing record to its index ("perhaps it was deleted?"): here it is a 404,
        # the same answer as for a record outside the user's scope, which must not be told apart from it.
        raise Http404("No such record.")

    def get_scoped_or_404(self, request, object_id, queryset: QuerySet | None = None):
        """For the admin's own views: the record, if the user may see it; 403 without the model permission,
        404 outside the scope (a malformed id included)."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        queryset = self.get_queryset(request) if queryset is None else queryset
        try:
            return queryset.get(pk=self.model._meta.pk.to_python(unquote(object_id)))
        except (self.model.DoesNotExist, ValidationError, ValueError):
            raise Http404("No such record.") from None


class AuditedAdmin(ScopedAdmin, SimpleHistoryAdmin):
    """A scoped admin whose history (django-simple-history) is shown read-only and never reverted."""

    def _in_scope(self, request, object_id) -> None:
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404("No such record.")

    def history_view(self, request, object_id, extra_context=None):
        # simple-history falls back to the history of a deleted record: only what is in scope now is shown.
        self._in_scope(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET"])
        self._in_scope(request, object_id)
        request.viewing_history = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def get_readonly_fields(self, request, obj=None):
        if getattr(request, "viewing_history", False):
            fields = [f.name for f in self.model._meta.get_fields() if f.concrete and not f.auto_created]
            return [*super().get_readonly_fields(request, obj), *fields]
        return super().get_readonly_fields(request, obj)

    def get_inline_instances(self, request, obj=None):
        if getattr(request, "viewing_history", False):
            return []
        return super().get_inline_instances(request, obj)


class ReadOnlyAdmin(AuditedAdmin):
    """Records that change only through their transition functions: never added, changed or deleted here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedTabularInline(ScopedChoicesMixin, admin.TabularInline):
    """An inline whose choices are scoped like the admin it sits in."""


class ScopedStackedInline(ScopedChoicesMixin, admin.StackedInline):
    """An inline whose choices are scoped like the admin it sits in."""
