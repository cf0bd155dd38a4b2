"""The read API's endpoints (/api/v1/), each scoped exactly as the portal's own pages:

- localities: the localities overview's rows (onecare.accounts.scoping.visible_localities), with their populations
  at a date by localities.population.with_population, as the overview counts them;
- releases: a release's page (funding.views_releases: releases of the localities the user may see), with its
  per-practice lines;
- payment runs: the payment run pages (funding.views_runs.runs_for: finance approvers and commissioners of the run's
  CCG or the body it merged into; every other role 403), with the schedule as the run's page and exports show it
  (funding.exports.schedules_of: live for a draft, frozen once locked);
- Improved Access quarters: the quarter assessments as the portal's admin lists them (the model's view permission,
  which commissioners and finance approvers hold, and the localities the user may see).

Only roles that may hold API tokens use it (api.tokens.may_hold_tokens); only GET, HEAD and OPTIONS are answered.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.utils.cache import patch_cache_control
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics

from funding.exports import schedules_of
from funding.models import PaymentRun, PaymentRunState, Release, ReleaseKind, ReleaseLine, ReleaseState
from funding.views_runs import require_reader, runs_for
from improved_access.models import QuarterAssessment
from localities.models import Locality
from localities.population import with_population
from onecare.accounts.scoping import today, visible_localities

from . import serializers
from .authentication import TokenUseRecorded
from .filters import Filters, date_range, refuse

CCG = "The commissioner's (CCG's) ODS code, e.g. 11H: the localities it commissions."
LOCALITY = "A locality's code, e.g. sbris."


def documented(offered: dict[str, tuple[str, object]]):
    """The endpoint's filters in the OpenAPI schema: name -> (help, type)."""
    parameters = [
        OpenApiParameter(name, kind, OpenApiParameter.QUERY, description=words)
        for name, (words, kind) in offered.items()
    ]
    return extend_schema_view(get=extend_schema(parameters=parameters))


def no_store(response):
    """Figures for one person: never kept by a browser or a proxy."""
    patch_cache_control(response, private=True, no_store=True)
    return response


class Filtered(TokenUseRecorded):
    """A view whose query string is read by api.filters (a 400 for a filter it does not have)."""

    offered: dict[str, tuple[str, object]] = {}
    # Read only: anything else is a 405 (money moves only through the portal's transitions).
    http_method_names = ["get", "head", "options"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication, the API's roles, the throttle
        self.check_scope()
        self.filters()  # a 400 for a filter the endpoint does not have, before any query

    def check_scope(self) -> None:
        """A 403 for a role that may use the API but not see these pages."""

    def finalize_response(self, request, response, *args, **kwargs):
        return no_store(super().finalize_response(request, response, *args, **kwargs))

    def filters(self) -> Filters:
        if not hasattr(self, "_filters"):
            self._filters = Filters(self.request, self.offered)
        return self._filters


# Localities

LOCALITY_FILTERS = {
    "on": ("Populations on this date (YYYY-MM-DD); today when absent.", OpenApiTypes.DATE),
    "ccg": (CCG, str),
    "locality": (LOCALITY, str),
}


class LocalityView(Filtered):
    serializer_class = serializers.LocalitySerializer
    offered = LOCALITY_FILTERS

    def on(self):
        return self.filters().date("on") or today()

    def get_queryset(self) -> QuerySet[Locality]:
        filters, on = self.filters(), self.on()
        localities = visible_localities(self.request.user)
        if ccg := filters.code("ccg"):
            localities = localities.filter(commissioner__code__iexact=ccg)
        if code := filters.code("locality"):
            localities = localities.filter(code__iexact=code)
        return with_population(localities, on).select_related("commissioner").order_by("commissioner__code", "name")

    def get_serializer(self, *args, **kwargs):
        on = self.on()
        for item in args[0] if kwargs.get("many") else [args[0]] if args else []:
            item.on = on
        return super().get_serializer(*args, **kwargs)


@documented(LOCALITY_FILTERS)
class LocalityList(LocalityView, generics.ListAPIView):
    """Localities the user may see, with their registered and weighted populations and member practices on a date."""


@documented({"on": LOCALITY_FILTERS["on"]})
class LocalityDetail(LocalityView, generics.RetrieveAPIView):
    """One locality (by code), with its populations on a date."""

    offered = {"on": LOCALITY_FILTERS["on"]}
    lookup_field = "code"


# Releases

RELEASE_FILTERS = {
    "state": (f"One of: {', '.join(ReleaseState.values)}.", str),
    "kind": (f"One of: {', '.join(ReleaseKind.values)}.", str),
    "ccg": (CCG, str),
    "locality": (LOCALITY, str),
    "scheme": ("A scheme's code: lts or ia.", str),
    "tranche": ("A tranche's code, e.g. T1.", str),
    "proposed_from": ("Proposed on or after this date (YYYY-MM-DD).", OpenApiTypes.DATE),
    "proposed_to": ("Proposed on or before this date.", OpenApiTypes.DATE),
    "paid_from": ("Paid on or after this date.", OpenApiTypes.DATE),
    "paid_to": ("Paid on or before this date.", OpenApiTypes.DATE),
    "payment_run": ("The id of the payment run that holds it.", int),
}


class ReleaseView(Filtered):
    serializer_class = serializers.ReleaseSerializer

    def get_queryset(self) -> QuerySet[Release]:
        return (
            Release.objects.filter(locality__in=visible_localities(self.request.user))
            .select_related("locality__commissioner", "tranche__scheme")
            .prefetch_related(
                Prefetch("lines", queryset=ReleaseLine.objects.select_related("practice").order_by("practice__code"))
            )
            .order_by("-proposed_at", "-pk")
        )


@documented(RELEASE_FILTERS)
class ReleaseList(ReleaseView, generics.ListAPIView):
    """Releases and adjustments of the localities the user may see, newest first, each with its per-practice lines."""

    offered = RELEASE_FILTERS

    def get_queryset(self) -> QuerySet[Release]:
        filters = self.filters()
        releases = super().get_queryset()
        wanted = {
            "state": filters.choice("state", ReleaseState.values),
            "kind": filters.choice("kind", ReleaseKind.values),
            "locality__commissioner__code__iexact": filters.code("ccg"),
            "locality__code__iexact": filters.code("locality"),
            "tranche__scheme__code__iexact": filters.code("scheme"),
            "tranche__code__iexact": filters.code("tranche"),
        }
        run = filters.raw("payment_run")
        if run is not None:
            if not run.isdigit() or len(run) > 12:
                refuse("payment_run", "Enter a payment run's id, a whole number.")
            wanted["payment_run_id"] = int(run)
        releases = releases.filter(**{key: value for key, value in wanted.items() if value is not None})
        releases = releases.filter(**date_range(filters, "proposed_at__date", "proposed_from", "proposed_to"))
        return releases.filter(**date_range(filters, "paid_on", "paid_from", "paid_to"))


class ReleaseDetail(ReleaseView, generics.RetrieveAPIView):
    """One release, with its per-practice lines."""


# Payment runs

RUN_FILTERS = {
    "state": (f"One of: {', '.join(PaymentRunState.values)}.", str),
    "ccg": ("The run's commissioner's (CCG's) ODS code.", str),
    "pay_date_from": ("Planned pay date on or after this date (YYYY-MM-DD).", OpenApiTypes.DATE),
    "pay_date_to": ("Planned pay date on or before this date.", OpenApiTypes.DATE),
    "paid_from": ("Paid on or after this date.", OpenApiTypes.DATE),
    "paid_to": ("Paid on or before this date.", OpenApiTypes.DATE),
}


class RunView(Filtered):
    serializer_class = serializers.PaymentRunSerializer

    def check_scope(self) -> None:
        require_reader(self.request.user)

    def get_queryset(self) -> QuerySet[PaymentRun]:
        # The payment run pages' own rule: 403 for a role that may not see them (funding.views_runs.require_reader).
        return runs_for(self.request.user).order_by("-created_at", "-pk")

    def get_serializer(self, *args, **kwargs):
        runs = list(args[0]) if kwargs.get("many") else [args[0]] if args else []
        schedules = schedules_of(runs)  # the frozen lines of a page of runs in one query
        for run in runs:
            run.schedule = schedules[run.pk]
        return super().get_serializer(*args, **kwargs)


@documented(RUN_FILTERS)
class RunList(RunView, generics.ListAPIView):
    """Payment runs of the user's CCG (and of the CCGs merged into it), newest first, each with its schedule."""

    offered = RUN_FILTERS

    def get_queryset(self) -> QuerySet[PaymentRun]:
        filters = self.filters()
        runs = super().get_queryset()
        if state := filters.choice("state", PaymentRunState.values):
            runs = runs.filter(state=state)
        if ccg := filters.code("ccg"):
            runs = runs.filter(commissioner__code__iexact=ccg)
        runs = runs.filter(**date_range(filters, "pay_date", "pay_date_from", "pay_date_to"))
        return runs.filter(**date_range(filters, "paid_on", "paid_from", "paid_to"))


class RunDetail(RunView, generics.RetrieveAPIView):
    """One payment run with its schedule (a line per release, each with its per-practice breakdown)."""


# Improved Access quarters

QUARTER_FILTERS = {
    "quarter": ("A financial-year quarter as YYYYQn, e.g. 2018Q1 (April to June 2018).", str),
    "ccg": (CCG, str),
    "locality": (LOCALITY, str),
    "compliant": ("true or false.", bool),
    "state": (f"Its release's state, one of: {', '.join(ReleaseState.values)}.", str),
    "judged_from": ("Judged on or after this date (YYYY-MM-DD).", OpenApiTypes.DATE),
    "judged_to": ("Judged on or before this date.", OpenApiTypes.DATE),
}


class QuarterView(Filtered):
    serializer_class = serializers.QuarterSerializer

    def check_scope(self) -> None:
        if not self.request.user.has_perm("improved_access.view_quarterassessment"):
            raise PermissionDenied("Only commissioners and finance approvers see Improved Access quarters.")

    def get_queryset(self) -> QuerySet[QuarterAssessment]:
        user = self.request.user
        return (
            QuarterAssessment.objects.filter(locality__in=visible_localities(user))
            .select_related("locality__commissioner", "evaluation", "release")
            .order_by("-quarter", "locality__name", "-evaluation__started_at", "-pk")
        )


@documented(QUARTER_FILTERS)
class QuarterList(QuarterView, generics.ListAPIView):
    """Improved Access quarter assessments of the localities the user may see: compliant or why not, and the release
    each proposed."""

    offered = QUARTER_FILTERS

    def get_queryset(self) -> QuerySet[QuarterAssessment]:
        filters = self.filters()
        quarters = super().get_queryset()
        wanted = {
            "quarter": filters.quarter("quarter"),
            "locality__commissioner__code__iexact": filters.code("ccg"),
            "locality__code__iexact": filters.code("locality"),
            "compliant": filters.boolean("compliant"),
            "release__state": filters.choice("state", ReleaseState.values),
        }
        quarters = quarters.filter(**{key: value for key, value in wanted.items() if value is not None})
        return quarters.filter(**date_range(filters, "judged_on", "judged_from", "judged_to"))


class QuarterDetail(QuarterView, generics.RetrieveAPIView):
    """One Improved Access quarter assessment."""
