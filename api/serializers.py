"""What each endpoint returns. Money is a string with two decimals ("1234.50"), patients with three where a weighted
figure can be fractional; dates are ISO 8601."""

from rest_framework import serializers

from funding.exports import LINE_FIELDS
from funding.models import PaymentRun, Release, ReleaseLine
from improved_access.models import QuarterAssessment


def money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


class LocalitySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    ccg = serializers.CharField(source="commissioner.code", help_text="The commissioner's (CCG's) ODS code.")
    ccg_name = serializers.CharField(source="commissioner.name")
    on = serializers.DateField(help_text="The date of the populations.")
    population = serializers.IntegerField(help_text="Registered patients of the members on that date.")
    weighted_population = serializers.DecimalField(max_digits=14, decimal_places=3, coerce_to_string=True)
    practice_count = serializers.IntegerField(help_text="Member practices on that date.")


class ReleaseLineSerializer(serializers.ModelSerializer):
    practice_code = serializers.CharField(source="practice.code")
    practice_name = serializers.CharField(source="practice.name")
    amount = money()

    class Meta:
        model = ReleaseLine
        fields = ["practice_code", "practice_name", "patients", "snapshot_date", "source_kind", "opted_out", "amount"]


class ReleaseSerializer(serializers.ModelSerializer):
    reference = serializers.CharField(help_text="The payment reference finance quotes.")
    locality = serializers.CharField(source="locality.code")
    locality_name = serializers.CharField(source="locality.name")
    ccg = serializers.CharField(source="locality.commissioner.code")
    scheme = serializers.CharField(source="tranche.scheme.code")
    tranche = serializers.CharField(source="tranche.code")
    amount = money(help_text="Negative for a claw-back.")
    payment_run = serializers.IntegerField(source="payment_run_id", allow_null=True)
    lines = ReleaseLineSerializer(many=True, help_text="Per practice: its patients and its share of the amount.")

    class Meta:
        model = Release
        fields = [
            "id",
            "reference",
            "locality",
            "locality_name",
            "ccg",
            "scheme",
            "tranche",
            "kind",
            "state",
            "amount",
            "rate",
            "basis",
            "population",
            "reference_date",
            "snapshot_date",
            "proposed_at",
            "approved_at",
            "authorised_at",
            "payment_run",
            "paid_on",
            "late",
            "below_minimum",
            "reason",
            "lines",
        ]


class ScheduleBreakdownSerializer(serializers.Serializer):
    practice_code = serializers.CharField()
    practice_name = serializers.CharField()
    patients = serializers.DecimalField(max_digits=14, decimal_places=3, coerce_to_string=True)
    opted_out = serializers.BooleanField()
    amount = money()


class ScheduleLineSerializer(serializers.Serializer):
    release = serializers.IntegerField(source="release_id")
    locality = serializers.CharField()
    vehicle = serializers.CharField()
    payee = serializers.CharField()
    ccg = serializers.CharField()
    tranche = serializers.CharField()
    kind = serializers.CharField()
    amount = money()
    reference = serializers.CharField()
    cost_centre = serializers.CharField()
    subjective_code = serializers.CharField()
    supplier_number = serializers.CharField()
    bank_reference = serializers.CharField()
    run_reference = serializers.CharField()
    pay_date = serializers.DateField(allow_null=True)
    breakdown = ScheduleBreakdownSerializer(many=True)


assert {*LINE_FIELDS} <= set(ScheduleLineSerializer._declared_fields), "a schedule column the API leaves out"


class PaymentRunSerializer(serializers.ModelSerializer):
    reference = serializers.CharField()
    ccg = serializers.CharField(source="commissioner.code")
    draft = serializers.BooleanField(source="schedule.draft", help_text="A draft's schedule is live and may change.")
    total = money(source="schedule.total")
    schedule = ScheduleLineSerializer(source="schedule.lines", many=True)

    class Meta:
        model = PaymentRun
        fields = [
            "id",
            "reference",
            "ccg",
            "name",
            "state",
            "cost_centre",
            "subjective_code",
            "pay_date",
            "created_at",
            "locked_at",
            "paid_at",
            "paid_on",
            "draft",
            "total",
            "schedule",
        ]


class QuarterSerializer(serializers.ModelSerializer):
    locality = serializers.CharField(source="locality.code")
    locality_name = serializers.CharField(source="locality.name")
    ccg = serializers.CharField(source="locality.commissioner.code")
    evaluated_at = serializers.DateTimeField(source="evaluation.started_at")
    release = serializers.IntegerField(source="release_id", allow_null=True)
    release_state = serializers.CharField(source="release.state", allow_null=True, default=None)
    release_amount = money(source="release.amount", allow_null=True, default=None)

    class Meta:
        model = QuarterAssessment
        fields = [
            "id",
            "locality",
            "locality_name",
            "ccg",
            "quarter",
            "judged_on",
            "evaluated_at",
            "compliant",
            "reason",
            "results",
            "release",
            "release_state",
            "release_amount",
        ]
