"""A payment run's pay date and subjective code; its schedule lines carry the run reference, pay date, the payee's
supplier number and bank reference, the subjective code and each release's per-practice breakdown.

The PostgreSQL trigger on funding_paymentrun now also refuses a change of the subjective code or the pay date once
a run is locked (migration 0003's function, replaced; its reverse puts that one back). Lines frozen before this
migration get the new columns from the data as it stands (the best record there is: the reference is the
commissioner's code and the run's number, the breakdown the release's own lines, written once), with the
write-once trigger held off for that update only. Runs made before it have no subjective code (blank, not a guess).
"""

from django.db import migrations, models

import funding.models.payment_runs

OLD_RUN_CHECK = """
    IF OLD.state <> 'draft' AND (
        NEW.cost_centre <> OLD.cost_centre OR NEW.commissioner_id <> OLD.commissioner_id
        OR NEW.locked_at IS DISTINCT FROM OLD.locked_at OR NEW.locked_by_id IS DISTINCT FROM OLD.locked_by_id
    ) THEN"""

NEW_RUN_CHECK = """
    IF OLD.state <> 'draft' AND (
        NEW.cost_centre <> OLD.cost_centre OR NEW.commissioner_id <> OLD.commissioner_id
        OR NEW.subjective_code <> OLD.subjective_code OR NEW.pay_date IS DISTINCT FROM OLD.pay_date
        OR NEW.locked_at IS DISTINCT FROM OLD.locked_at OR NEW.locked_by_id IS DISTINCT FROM OLD.locked_by_id
    ) THEN"""

RUN_FUNCTION = """
CREATE OR REPLACE FUNCTION funding_paymentrun_payments_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'payment run % is %: it cannot be deleted', OLD.id, OLD.state
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state = 'paid' AND (
        NEW.state <> 'paid' OR NEW.paid_on IS DISTINCT FROM OLD.paid_on OR NEW.paid_at IS DISTINCT FROM OLD.paid_at
        OR NEW.paid_by_id IS DISTINCT FROM OLD.paid_by_id
    ) THEN
        RAISE EXCEPTION 'payment run % is paid: it never changes', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF OLD.state = 'locked' AND NEW.state NOT IN ('locked', 'paid') THEN
        RAISE EXCEPTION 'payment run % is locked: it can only be marked paid', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;{check}
        RAISE EXCEPTION 'payment run % is %: its schedule is frozen', OLD.id, OLD.state
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
"""


def run_reference(run) -> str:
    return f"{run.commissioner.code}-PR-{run.pk:04d}".upper()


def backfill(apps, schema_editor):
    ScheduleLine = apps.get_model("funding", "ScheduleLine")
    ReleaseLine = apps.get_model("funding", "ReleaseLine")
    LocalityVehicle = apps.get_model("localities", "LocalityVehicle")
    lines = list(ScheduleLine.objects.select_related("payment_run__commissioner", "release").order_by("pk"))
    if not lines:
        return
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE funding_scheduleline DISABLE TRIGGER funding_scheduleline_written_once")
    elif vendor == "sqlite":
        # Written again after every migrate (funding.sqlite_triggers).
        schema_editor.execute("DROP TRIGGER IF EXISTS funding_scheduleline_written_once")
    for line in lines:
        run = line.payment_run
        vehicle = LocalityVehicle.objects.filter(locality_id=line.release.locality_id).first()
        breakdown = [
            {
                "practice_code": part.practice.code,
                "practice_name": part.practice.name,
                "patients": str(part.patients),
                "opted_out": part.opted_out,
                "amount": str(part.amount),
            }
            for part in ReleaseLine.objects.filter(release_id=line.release_id)
            .select_related("practice")
            .order_by("practice__code")
        ]
        ScheduleLine.objects.filter(pk=line.pk).update(
            run_reference=run_reference(run),
            pay_date=run.pay_date,
            supplier_number=vehicle.supplier_number if vehicle else "",
            bank_reference=vehicle.bank_reference if vehicle else "",
            subjective_code=run.subjective_code,
            breakdown=breakdown,
        )
    if vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        schema_editor.execute("ALTER TABLE funding_scheduleline ENABLE TRIGGER funding_scheduleline_written_once")


def replace_run_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RUN_FUNCTION.replace("{check}", NEW_RUN_CHECK), params=None)


def restore_run_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(RUN_FUNCTION.replace("{check}", OLD_RUN_CHECK), params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0005_tranche_windows_order_minimum"),
        ("localities", "0007_vehicle_payee_record"),  # the backfill reads the vehicles' payee records
    ]

    operations = [
        migrations.AddField(
            model_name="historicalpaymentrun",
            name="pay_date",
            field=models.DateField(
                blank=True, help_text="The day the money is planned to leave (on the schedule).", null=True
            ),
        ),
        migrations.AddField(
            model_name="historicalpaymentrun",
            name="subjective_code",
            # Runs made before this migration were charged to no code the portal knows: blank, never a guess.
            field=models.CharField(
                blank=True,
                default="",
                help_text="The finance ledger's expenditure code the payments are charged to.",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="paymentrun",
            name="pay_date",
            field=models.DateField(
                blank=True, help_text="The day the money is planned to leave (on the schedule).", null=True
            ),
        ),
        migrations.AddField(
            model_name="paymentrun",
            name="subjective_code",
            # Runs made before this migration were charged to no code the portal knows: blank, never a guess.
            field=models.CharField(
                blank=True,
                default="",
                help_text="The finance ledger's expenditure code the payments are charged to.",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="scheduleline",
            name="bank_reference",
            field=models.CharField(blank=True, help_text="The payee's bank reference at locking.", max_length=18),
        ),
        migrations.AddField(
            model_name="scheduleline",
            name="breakdown",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="scheduleline",
            name="pay_date",
            field=models.DateField(blank=True, help_text="The run's planned pay date at locking.", null=True),
        ),
        migrations.AddField(
            model_name="scheduleline",
            name="run_reference",
            field=models.CharField(blank=True, help_text="The run's reference, e.g. 15C-PR-0007.", max_length=40),
        ),
        migrations.AddField(
            model_name="scheduleline",
            name="subjective_code",
            field=models.CharField(blank=True, max_length=20),
        ),
        migrations.AddField(
            model_name="scheduleline",
            name="supplier_number",
            field=models.CharField(blank=True, help_text="The payee's supplier number at locking.", max_length=30),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(replace_run_trigger, restore_run_trigger),
        # New runs take the configured code (FUNDING_SUBJECTIVE_CODE) by default; existing rows keep their blank.
        migrations.AlterField(
            model_name="historicalpaymentrun",
            name="subjective_code",
            field=models.CharField(
                blank=True,
                default=funding.models.payment_runs.default_subjective_code,
                help_text="The finance ledger's expenditure code the payments are charged to.",
                max_length=20,
            ),
        ),
        migrations.AlterField(
            model_name="paymentrun",
            name="subjective_code",
            field=models.CharField(
                blank=True,
                default=funding.models.payment_runs.default_subjective_code,
                help_text="The finance ledger's expenditure code the payments are charged to.",
                max_length=20,
            ),
        ),
    ]
