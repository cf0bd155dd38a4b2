"""Portal pages for a Locality Vehicle's governance: a summary anyone who can see the locality can read, and
forms for its lead and commissioners. Every change goes through localities.governance."""

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from onecare.accounts.scoping import get_locality_for_user, today

from . import governance
from .forms import (
    MembershipAddForm,
    MembershipEndForm,
    MembershipSubLocalityForm,
    OptOutForm,
    RepresentativeEndForm,
    RepresentativeForm,
    SubLocalityForm,
    VehicleForm,
    add_domain_errors,
)
from .models import Locality, LocalityMembership, LocalityVehicle, Representative, SubLocality


def get_editable_locality(user, code: str) -> Locality:
    """The locality if the user may record its governance; 404 if they cannot see it, 403 if they can only read."""
    locality = get_locality_for_user(user, code)
    allowed, reason = governance.can_record_governance(user, locality)
    if not allowed:
        raise PermissionDenied(reason)
    return locality


def get_membership_locality(user, code: str) -> Locality:
    """The locality if the user may change which practices are in it; 404 if they cannot see it, else 403."""
    locality = get_locality_for_user(user, code)
    allowed, reason = governance.can_change_membership(user, locality)
    if not allowed:
        raise PermissionDenied(reason)
    return locality


def current_memberships(locality: Locality):
    """Memberships in force today or starting later: the practices whose place in the vehicle can be changed."""
    return locality.memberships.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today()))


def posted(request: HttpRequest):
    """The POST data when the form was sent (even if empty, so a form with no fields still binds), else None."""
    return request.POST if request.method == "POST" else None


def summary_url(locality: Locality, anchor: str = "") -> str:
    return reverse("localities:governance", args=[locality.code]) + (f"#{anchor}" if anchor else "")


@login_required
def summary(request: HttpRequest, code: str) -> HttpResponse:
    locality = get_locality_for_user(request.user, code)
    can_edit, _ = governance.can_record_governance(request.user, locality)
    members = list(
        current_memberships(locality)
        .select_related("practice", "sub_locality")
        .order_by("practice__name", "valid_from")
    )
    return render(
        request,
        "localities/governance/summary.html",
        {
            "locality": locality,
            "can_edit": can_edit,
            "can_change_members": governance.can_change_membership(request.user, locality)[0],
            "vehicle": LocalityVehicle.objects.filter(locality=locality).first(),
            "representatives": list(
                locality.representatives.select_related("practice").order_by("role", "-valid_from", "name")
            ),
            "sub_localities": list(
                locality.sub_localities.order_by("name").prefetch_related(
                    Prefetch(
                        "memberships",
                        queryset=current_memberships(locality).select_related("practice").order_by("practice__name"),
                        to_attr="members",
                    )
                )
            ),
            "members": members,
            "opted_out": [m for m in members if m.opted_out_on],
            "today": today(),
        },
    )


def _form_page(
    request: HttpRequest,
    *,
    locality: Locality,
    form: Form,
    change: Callable[[dict], object],
    template: str,
    heading: str,
    success: str,
    anchor: str,
    context: dict | None = None,
) -> HttpResponse:
    """Show a governance form; on a valid POST make the change, putting any domain ValidationError on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            change(form.cleaned_data)
        except ValidationError as error:
            add_domain_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(summary_url(locality, anchor))
    return render(request, template, {"locality": locality, "form": form, "heading": heading, **(context or {})})


@login_required
def vehicle_edit(request: HttpRequest, code: str) -> HttpResponse:
    locality = get_editable_locality(request.user, code)
    vehicle = LocalityVehicle.objects.filter(locality=locality).first()
    form = VehicleForm(posted(request), initial=VehicleForm.initial_for(vehicle))
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.vehicle_update(locality, actor=request.user, **data),
        template="localities/governance/vehicle_form.html",
        heading="Locality Vehicle",
        success="The Locality Vehicle has been saved.",
        anchor="vehicle",
        context={"vehicle": vehicle},
    )


@login_required
def representative_add(request: HttpRequest, code: str) -> HttpResponse:
    locality = get_editable_locality(request.user, code)
    form = RepresentativeForm(posted(request), locality=locality)
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.representative_add(locality, actor=request.user, **data),
        template="localities/governance/representative_form.html",
        heading="Add a representative",
        success="The representative has been added.",
        anchor="representatives",
    )


@login_required
def representative_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    locality = get_editable_locality(request.user, code)
    representative = get_object_or_404(Representative.objects.select_related("practice"), pk=pk, locality=locality)
    form = RepresentativeEndForm(posted(request))
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.representative_end(representative, actor=request.user, **data),
        template="localities/governance/representative_end.html",
        heading=f"End {representative.name}'s term",
        success=f"{representative.name}'s term has been ended.",
        anchor="representatives",
        context={"representative": representative},
    )


@login_required
def sub_locality_add(request: HttpRequest, code: str) -> HttpResponse:
    locality = get_editable_locality(request.user, code)
    form = SubLocalityForm(posted(request))
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.sub_locality_add(locality, actor=request.user, **data),
        template="localities/governance/sub_locality_form.html",
        heading="Add a sub-locality",
        success="The sub-locality has been added.",
        anchor="sub-localities",
    )


@login_required
def sub_locality_rename(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    locality = get_editable_locality(request.user, code)
    sub_locality = get_object_or_404(SubLocality, pk=pk, locality=locality)
    form = SubLocalityForm(posted(request), initial={"name": sub_locality.name})
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.sub_locality_rename(sub_locality, actor=request.user, **data),
        template="localities/governance/sub_locality_form.html",
        heading=f"Rename {sub_locality.name}",
        success="The sub-locality has been renamed.",
        anchor="sub-localities",
        context={"sub_locality": sub_locality},
    )


def get_membership(locality: Locality, pk: int) -> LocalityMembership:
    return get_object_or_404(
        LocalityMembership.objects.select_related("practice", "sub_locality"), pk=pk, locality=locality
    )


@login_required
def membership_sub_locality(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    locality = get_editable_locality(request.user, code)
    membership = get_membership(locality, pk)
    form = MembershipSubLocalityForm(
        posted(request), locality=locality, initial={"sub_locality": membership.sub_locality_id}
    )
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.membership_assign_sub_locality(membership, actor=request.user, **data),
        template="localities/governance/membership_sub_locality.html",
        heading=f"Sub-locality of {membership.practice.name}",
        success=f"{membership.practice.name}'s sub-locality has been saved.",
        anchor="practices",
        context={"membership": membership},
    )


@login_required
def membership_opt_out(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    locality = get_editable_locality(request.user, code)
    membership = get_membership(locality, pk)
    form = OptOutForm(posted(request))
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.membership_opt_out(
            membership, actor=request.user, opted_out_on=data["opted_out_on"], reason=data["opt_out_reason"]
        ),
        template="localities/governance/opt_out_form.html",
        heading=f"Record that {membership.practice.name} opted out",
        success=f"{membership.practice.name}'s opt-out has been recorded.",
        anchor="practices",
        context={"membership": membership},
    )


@login_required
def membership_opt_back_in(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    locality = get_editable_locality(request.user, code)
    membership = get_membership(locality, pk)
    form = Form(posted(request))
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.membership_opt_back_in(membership, actor=request.user),
        template="localities/governance/opt_back_in.html",
        heading=f"Withdraw {membership.practice.name}'s opt-out",
        success=f"{membership.practice.name}'s opt-out has been withdrawn.",
        anchor="practices",
        context={"membership": membership},
    )


@login_required
def membership_add(request: HttpRequest, code: str) -> HttpResponse:
    locality = get_membership_locality(request.user, code)
    form = MembershipAddForm(posted(request), locality=locality)
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.membership_add(locality, actor=request.user, **data),
        template="localities/governance/membership_add.html",
        heading="Add a practice",
        success="The practice has been added to the locality.",
        anchor="practices",
    )


@login_required
def membership_end(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    locality = get_membership_locality(request.user, code)
    membership = get_membership(locality, pk)
    form = MembershipEndForm(posted(request))
    return _form_page(
        request,
        locality=locality,
        form=form,
        change=lambda data: governance.membership_end(membership, actor=request.user, **data),
        template="localities/governance/membership_end.html",
        heading=f"End {membership.practice.name}'s membership",
        success=f"{membership.practice.name}'s membership has been ended.",
        anchor="practices",
        context={"membership": membership},
    )
