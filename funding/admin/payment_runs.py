"""Payment runs in the admin, for finance: create a run, add authorised releases (add_to_payment_run, an action the
releases list declares), export the schedule, lock it, mark it paid. Every change goes through funding.payment_runs.
The portal's own pages (funding.views_runs, /funding/runs/) do the same with a confirmation for each step; the run's
admin page links there.
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from onecare.accounts.admin_base import AuditedAdmin, ByCommissioner

from ..exports import schedule_csv, schedule_xlsx
from ..models import PaymentRun, PaymentRunState, ReleaseState
from ..payment_runs import (
    PaymentRunNotAllowed,
    can_manage_payment_run,
    payment_run_add,
    payment_run_create,
    payment_run_lock,
    payment_run_mark_paid,
    payment_run_remove,
)
from .totals import totals

RUN_STEPS = {"lock": payment_run_lock, "pay": payment_run_mark_paid}


RUN_SCOPE = ByCommissioner("commissioner")


def runs_for(user):
    """The runs of the user's CCG (and of the CCGs merged into it); every run for a data admin."""
    return RUN_SCOPE.apply(user, PaymentRun.objects.select_related("commissioner"))


CREATE_FIELDS = ["commissioner", "name", "pay_date", "cost_centre", "subjective_code"]


class PaymentRunForm(forms.ModelForm):
    class Meta:
        model = PaymentRun
        fields = CREATE_FIELDS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "pay_date" in self.fields:
            self.fields["pay_date"].required = True


@admin.register(PaymentRun)
class PaymentRunAdmin(AuditedAdmin):
    scope = RUN_SCOPE
    list_display = ["reference", "name", "commissioner", "pay_date", "state", "created_at", "locked_at", "paid_on"]
    list_filter = ["state", "commissioner"]
    form = PaymentRunForm
    change_form_template = "admin/funding/paymentrun/change_form.html"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("commissioner")

    @admin.display(description="reference", ordering="pk")
    def reference(self, run: PaymentRun) -> str:
        return run.reference

    def get_readonly_fields(self, request, obj=None):
        return (
            [
                "reference",
                "commissioner",
                "name",
                "pay_date",
                "cost_centre",
                "subjective_code",
                "state",
                "created_by",
                "created_at",
                "locked_by",
                "locked_at",
                "paid_by",
                "paid_at",
                "paid_on",
            ]
            if obj
            else []
        )

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj) if obj else CREATE_FIELDS

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        user = request.user

        class CheckedForm(form):
            def clean_commissioner(self):
                commissioner = self.cleaned_data["commissioner"]
                allowed, why = can_manage_payment_run(user, commissioner)
                if not allowed:
                    raise forms.ValidationError(why)
                return commissioner

        return CheckedForm

    def save_model(self, request, obj, form, change):
        if change:
            return
        created = payment_run_create(
            obj.commissioner,
            actor=request.user,
            name=obj.name,
            cost_centre=obj.cost_centre,
            pay_date=obj.pay_date,
            subjective_code=obj.subjective_code,
        )
        obj.pk = created.pk

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_scoped_or_404(request, object_id)
        releases = run.releases.select_related("locality", "tranche").order_by("locality__name", "tranche__position")
        extra_context = {
            **(extra_context or {}),
            "run": run,
            "manage": can_manage_payment_run(request.user, run.commissioner)[0],
            "releases": releases,
            "totals": totals(run.releases.all()),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/step/<str:step>/", view(self.step_view), name="funding_paymentrun_step"),
            path("<path:object_id>/schedule.<str:format>", view(self.export_view), name="funding_paymentrun_export"),
        ] + super().get_urls()

    def step_view(self, request, object_id, step):
        if request.method != "POST" or step not in {*RUN_STEPS, "remove"}:
            return HttpResponseNotAllowed(["POST"])
        run = self.get_scoped_or_404(request, object_id)
        try:
            if step == "remove":
                payment_run_remove(run, run.releases.filter(pk__in=request.POST.getlist("release")), actor=request.user)
            else:
                # Finance's paid date (blank: today); funding.payment_runs checks it.
                extra = {"paid_on": request.POST.get("paid_on", "")} if step == "pay" else {}
                RUN_STEPS[step](run, actor=request.user, **extra)
        except PaymentRunNotAllowed as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            run.refresh_from_db()
            self.message_user(request, f"{run} updated.")
        return HttpResponseRedirect(reverse("admin:funding_paymentrun_change", args=[run.pk]))

    def export_view(self, request, object_id, format):
        run = self.get_scoped_or_404(request, object_id)
        if format == "csv":
            response = HttpResponse(schedule_csv(run), content_type="text/csv; charset=utf-8")
        elif format == "xlsx":
            response = HttpResponse(
                schedule_xlsx(run), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
        else:
            return HttpResponse(status=404)
        response["Content-Disposition"] = f'attachment; filename="payment-run-{run.pk}.{format}"'
        return response


@admin.action(description="Add the selected releases to a payment run")
def add_to_payment_run(modeladmin, request, queryset):
    queryset = queryset.select_related("locality", "tranche")
    drafts = runs_for(request.user).filter(state=PaymentRunState.DRAFT)
    run = drafts.filter(pk=request.POST.get("run") or None).first()
    if request.POST.get("confirm") == "yes" and run is not None:
        try:
            added = payment_run_add(run, list(queryset.filter(state=ReleaseState.AUTHORISED)), actor=request.user)
        except PaymentRunNotAllowed as error:
            modeladmin.message_user(request, str(error), messages.ERROR)
            return None
        skipped = queryset.count() - len(added)
        modeladmin.message_user(request, f"{len(added)} releases added to {run}; {skipped} not authorised, left out.")
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Add to a payment run",
        "opts": modeladmin.model._meta,
        "releases": queryset,
        "totals": totals(queryset),
        "drafts": drafts,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/funding/release/add_to_run.html", context)
