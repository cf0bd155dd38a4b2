"""A release's history records no longer copy its rule record.

The rule record (the tranche rule as applied and the evidence that met its gate) is written once, with the release,
and never changed, so every history record of a release held the same copy of it, the largest value of the row. The
release keeps it; a historical record's `.instance` reads it from there (simple-history's excluded_fields). Nothing
is lost going forward. Going back, each history record gets its release's rule again (the same value it held), and
the record of a release since deleted gets an empty one.
"""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_rules_back(apps, schema_editor):
    Release = apps.get_model("funding", "Release")
    HistoricalRelease = apps.get_model("funding", "HistoricalRelease")
    db = schema_editor.connection.alias
    HistoricalRelease.objects.using(db).update(
        rule=Subquery(Release.objects.using(db).filter(pk=OuterRef("id")).values("rule")[:1])
    )
    HistoricalRelease.objects.using(db).filter(rule__isnull=True).update(rule={})


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0006_payment_run_pay_date_schedule_payee"),
    ]

    operations = [
        # Nullable first, so that going back the column can be added again before it is filled.
        migrations.AlterField(
            model_name="historicalrelease",
            name="rule",
            field=models.JSONField(
                help_text="The tranche rule as applied, and the evidence that met its gate.", null=True
            ),
        ),
        migrations.RunPython(migrations.RunPython.noop, copy_rules_back),
        migrations.RemoveField(
            model_name="historicalrelease",
            name="rule",
        ),
    ]
