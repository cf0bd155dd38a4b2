"""Practice data imports in the admin (django-import-export's Import button and URLs, the portal's own
importer behind them: upload, preview with counts and invalid rows, confirm), the import records, and
formula-safe CSV/XLSX exports of practices and list sizes: PracticeDataExportMixin is mixed into the practice and
list-size admins where they are defined (.localities).
"""

import tablib
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from import_export.admin import ExportMixin, ImportMixin
from import_export.formats.base_formats import CSV, XLSX

from onecare.accounts.admin_base import AuditedAdmin

from ..importing.formats import ACCEPTED, MEMBERSHIP_COLUMNS
from ..importing.reading import describe_size, max_bytes, too_big
from ..importing.uploads import practice_data_confirm, practice_data_upload
from ..models import ImportRecord, ImportStatus

IMPORT_PERMISSION = "localities.add_importrecord"


class PracticeDataUploadForm(forms.Form):
    import_file = forms.FileField(label="File", help_text="A CSV file, or an XLSX workbook of the portal's template.")
    financial_year = forms.RegexField(
        regex=r"^\d{4}-\d{2}$",
        required=False,
        max_length=7,
        help_text="Only for NHS Payments to General Practice files: the year they cover, e.g. 2017-18.",
        error_messages={"invalid": "Write the financial year like 2017-18."},
    )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        if upload.size > max_bytes():
            raise ValidationError(too_big(upload.size))
        return upload

    def options(self) -> dict:
        year = self.cleaned_data.get("financial_year")
        return {"financial_year": year} if year else {}


def confirm_message(request, record: ImportRecord) -> None:
    """The message after confirming says what the record says: imported, still importing, or why not."""
    if record.status == ImportStatus.IMPORTED:
        messages.success(request, f"{record}: imported ({counts_in_words(record)}).")
    elif record.status == ImportStatus.IMPORTING:
        messages.info(request, f"{record}: importing in the background. This page shows its progress.")
    else:
        messages.error(request, f"{record}: {record.get_status_display().lower()}. {record.reason}".strip())


def counts_in_words(record: ImportRecord) -> str:
    return ", ".join(
        f"{count:,} {label}"
        for count, label in [
            (record.rows_new, "new"),
            (record.rows_changed, "changed"),
            (record.rows_unchanged, "unchanged"),
            (record.rows_skipped, "skipped"),
        ]
    )


def import_record_url(record: ImportRecord) -> str:
    return reverse("admin:localities_importrecord_change", args=[record.pk])


class PracticeDataImportMixin(ImportMixin):
    """django-import-export's import URLs and button, with the portal's importer behind them."""

    import_template_name = "admin/localities/practice_data_import.html"

    def has_import_permission(self, request) -> bool:
        return request.user.has_perm(IMPORT_PERMISSION)

    def import_action(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        form = PracticeDataUploadForm(request.POST if request.method == "POST" else None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["import_file"]
            record = practice_data_upload(upload, user=request.user, options=form.options())
            return HttpResponseRedirect(import_record_url(record))
        context = {
            **self.admin_site.each_context(request),
            "title": "Import practice data",
            "form": form,
            "opts": self.model._meta,
            "accepted": ACCEPTED,
            "max_size": describe_size(max_bytes()),
            "recent": ImportRecord.objects.select_related("created_by")[:10],
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.import_template_name], context)

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        if not self.has_import_permission(request):
            raise PermissionDenied
        record_id = request.POST.get("record", "")
        if not record_id.isdigit():
            raise Http404("No such import.")
        record = get_object_or_404(ImportRecord, pk=record_id)
        if practice_data_confirm(record, user=request.user):
            record.refresh_from_db()
            confirm_message(request, record)
        else:
            messages.warning(request, f"{record} is not waiting for confirmation, so nothing was done.")
        return HttpResponseRedirect(import_record_url(record))


@admin.register(ImportRecord)
class ImportRecordAdmin(PracticeDataImportMixin, AuditedAdmin):
    list_display = [
        "__str__",
        "format",
        "status",
        "new",
        "changed",
        "unchanged",
        "skipped",
        "invalid",
        "patients_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "format"]
    search_fields = ["file_name", "sha256"]
    list_select_related = ["created_by"]
    detail_template = "admin/localities/importrecord_detail.html"

    # Counts with thousands separators, as everywhere else on these pages.
    @admin.display(description="new", ordering="rows_new")
    def new(self, record):
        return intcomma(record.rows_new)

    @admin.display(description="changed", ordering="rows_changed")
    def changed(self, record):
        return intcomma(record.rows_changed)

    @admin.display(description="unchanged", ordering="rows_unchanged")
    def unchanged(self, record):
        return intcomma(record.rows_unchanged)

    @admin.display(description="skipped", ordering="rows_skipped")
    def skipped(self, record):
        return intcomma(record.rows_skipped)

    @admin.display(description="invalid", ordering="rows_invalid")
    def invalid(self, record):
        return intcomma(record.rows_invalid)

    @admin.display(description="patients", ordering="patients")
    def patients_count(self, record):
        return intcomma(record.patients)

    def get_urls(self):
        template = self.admin_site.admin_view(self.membership_template_view)
        return [
            path("membership-template.<str:kind>", template, name="localities_importrecord_membership_template"),
            *super().get_urls(),
        ]

    def membership_template_view(self, request, kind: str):
        """A blank membership template (its header row only), as CSV or XLSX."""
        if kind not in ("csv", "xlsx") or not self.has_import_permission(request):
            raise Http404("No such template.")
        dataset = tablib.Dataset(headers=MEMBERSHIP_COLUMNS)
        content_type = CSV.CONTENT_TYPE if kind == "csv" else XLSX.CONTENT_TYPE
        response = HttpResponse((CSV() if kind == "csv" else XLSX()).export_data(dataset), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="membership-template.{kind}"'
        return response

    def has_add_permission(self, request) -> bool:
        return False  # records come from uploads

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        record = self.get_object(request, unquote(object_id))
        if record is None:
            raise Http404("No such import.")
        if not self.has_view_permission(request, record):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": str(record),
            "record": record,
            "opts": self.model._meta,
            "original": record,
            "running": record.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING),
            "can_confirm": record.status == ImportStatus.READY and self.has_import_permission(request),
            "size": describe_size(record.size_bytes),
            "changes_total": record.rows_new + record.rows_changed + record.rows_unchanged,
            "changes_rest": max(record.rows_new + record.rows_changed + record.rows_unchanged - len(record.changes), 0),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, [self.detail_template], context)


class NotInLocalityFilter(admin.SimpleListFilter):
    title = "locality"
    parameter_name = "in_locality"

    def lookups(self, request, model_admin):
        return [("no", "Not yet in a locality"), ("yes", "In a locality")]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(memberships__isnull=True)
        if self.value() == "yes":
            return queryset.filter(memberships__isnull=False).distinct()
        return queryset


class PracticeDataExportMixin(PracticeDataImportMixin, ExportMixin):
    import_export_change_list_template = "admin/import_export/change_list_import_export.html"
    export_formats = [CSV, XLSX]

    def has_export_permission(self, request) -> bool:
        return self.has_view_permission(request)
