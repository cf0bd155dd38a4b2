"""Exports of practices and list sizes (CSV, XLSX) that a spreadsheet cannot mistake for formulae.

A cell starting with =, +, -, @, a tab or a carriage return is run as a formula by Excel and its
cousins (CSV injection); every such text cell is written with a leading apostrophe instead.
"""

from import_export import fields, resources

from ..models import ListSizeSnapshot, Practice

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class FormulaSafeResource(resources.ModelResource):
    def export_field(self, field, instance, **kwargs):
        return neutralise(super().export_field(field, instance, **kwargs))

    def get_export_headers(self, selected_fields=None):
        return [neutralise(header) for header in super().get_export_headers(selected_fields)]


class PracticeResource(FormulaSafeResource):
    class Meta:
        model = Practice
        fields = ["code", "name", "postcode", "status", "opened_on", "closed_on"]
        export_order = fields
        import_id_fields = ["code"]


class ListSizeResource(FormulaSafeResource):
    practice_code = fields.Field(attribute="practice__code", column_name="practice_code")
    practice_name = fields.Field(attribute="practice__name", column_name="practice_name")

    class Meta:
        model = ListSizeSnapshot
        fields = [
            "practice_code",
            "practice_name",
            "extract_date",
            "registered_patients",
            "weighted_patients",
            "source_kind",
            "source",
        ]
        export_order = fields

    def get_queryset(self):
        return super().get_queryset().select_related("practice")
