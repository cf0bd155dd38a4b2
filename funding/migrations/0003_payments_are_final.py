"""Payments are final: paid dates, one Payment per paid release, a locked run's frozen schedule lines, check
constraints tying a release's state to its run and paid date, and on PostgreSQL triggers that refuse to take a
paid release or a locked or paid run back, whatever code writes.

Runs written before this migration get their Payments and schedule lines from the data as it stands now
(the best record there is); their paid date is the day they were marked paid.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone

VEHICLE_KINDS = {"formal": "Formal entity (e.g. a federation or company)"}
VEHICLE_KINDS["informal"] = "Informal partnership under an inter-practice agreement"
KINDS = {"release": "Release", "adjustment": "Adjustment"}


def reference(release) -> str:
    prefix = "ADJ" if release.kind == "adjustment" else str((release.rule or {}).get("scheme") or "lts")
    return f"{prefix}-{release.tranche.code}-{release.locality.code}-{release.pk}".upper()


def payee(locality, vehicle) -> str:
    if vehicle is None:
        return f"{locality.name} (no Locality Vehicle recorded)"
    return vehicle.legal_name or f"{locality.name} partnership"


def backfill(apps, schema_editor):
    PaymentRun = apps.get_model("funding", "PaymentRun")
    Release = apps.get_model("funding", "Release")
    Payment = apps.get_model("funding", "Payment")
    ScheduleLine = apps.get_model("funding", "ScheduleLine")
    LocalityVehicle = apps.get_model("localities", "LocalityVehicle")
    for run in PaymentRun.objects.filter(state__in=["locked", "paid"]).select_related("commissioner"):
        if run.state == "paid" and run.paid_on is None:
            run.paid_on = timezone.localdate(run.paid_at or timezone.now())
            run.save(update_fields=["paid_on"])
        releases = (
            Release.objects.filter(payment_run=run)
            .select_related("locality__commissioner", "tranche")
            .order_by("locality__name", "tranche__position", "pk")
        )
        for position, release in enumerate(releases, start=1):
            vehicle = LocalityVehicle.objects.filter(locality_id=release.locality_id).first()
            ScheduleLine.objects.create(
                payment_run=run,
                release=release,
                position=position,
                locality=release.locality.name,
                vehicle=VEHICLE_KINDS.get(vehicle.kind, vehicle.kind) if vehicle else "",
                payee=payee(release.locality, vehicle),
                ccg=release.locality.commissioner.code,
                tranche=release.tranche.code,
                kind=KINDS.get(release.kind, release.kind),
                amount=release.amount,
                reference=reference(release),
                cost_centre=run.cost_centre,
            )
            if release.state == "paid":
                release.paid_on = run.paid_on or timezone.localdate(run.paid_at or timezone.now())
                release.save(update_fields=["paid_on"])
                Payment.objects.create(
                    release=release,
                    payment_run=run,
                    amount=release.amount,
                    paid_on=release.paid_on,
                    recorded_by_id=run.paid_by_id or run.created_by_id,
                    recorded_at=run.paid_at or timezone.now(),
                )
    if schema_editor.connection.vendor == "postgresql":
        # Check the deferred foreign keys now, so the constraints below can alter the tables in this transaction.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


TRIGGERS = r"""
CREATE FUNCTION funding_release_payments_final() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    run_state text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state = 'paid' OR OLD.payment_run_id IS NOT NULL THEN
            RAISE EXCEPTION 'release % is in a payment run: it cannot be deleted', OLD.id
                USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state = 'paid' AND (
        NEW.state <> 'paid' OR NEW.payment_run_id IS DISTINCT FROM OLD.payment_run_id
        OR NEW.paid_on IS DISTINCT FROM OLD.paid_on OR NEW.amount <> OLD.amount
        OR NEW.locality_id <> OLD.locality_id OR NEW.tranche_id <> OLD.tranche_id
    ) THEN
        RAISE EXCEPTION 'release % is paid: a paid release never changes', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.payment_run_id IS DISTINCT FROM OLD.payment_run_id THEN
        IF OLD.payment_run_id IS NOT NULL THEN
            SELECT state INTO run_state FROM funding_paymentrun WHERE id = OLD.payment_run_id;
            IF run_state <> 'draft' THEN
                RAISE EXCEPTION 'payment run % is %: its releases cannot change', OLD.payment_run_id, run_state
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
        IF NEW.payment_run_id IS NOT NULL THEN
            SELECT state INTO run_state FROM funding_paymentrun WHERE id = NEW.payment_run_id;
            IF run_state <> 'draft' THEN
                RAISE EXCEPTION 'payment run % is %: nothing can be added', NEW.payment_run_id, run_state
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
        END IF;
    ELSIF NEW.payment_run_id IS NOT NULL AND NEW.amount <> OLD.amount THEN
        RAISE EXCEPTION 'release % is in a payment run: its amount cannot change', OLD.id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER funding_release_payments_final BEFORE UPDATE OR DELETE ON funding_release
    FOR EACH ROW EXECUTE FUNCTION funding_release_payments_final();

CREATE FUNCTION funding_paymentrun_payments_final() RETURNS trigger LANGUAGE plpgsql AS $$
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
    END IF;
    IF OLD.state <> 'draft' AND (
        NEW.cost_centre <> OLD.cost_centre OR NEW.commissioner_id <> OLD.commissioner_id
        OR NEW.locked_at IS DISTINCT FROM OLD.locked_at OR NEW.locked_by_id IS DISTINCT FROM OLD.locked_by_id
    ) THEN
        RAISE EXCEPTION 'payment run % is %: its schedule is frozen', OLD.id, OLD.state
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER funding_paymentrun_payments_final BEFORE UPDATE OR DELETE ON funding_paymentrun
    FOR EACH ROW EXECUTE FUNCTION funding_paymentrun_payments_final();

CREATE FUNCTION funding_written_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are written once and never changed', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER funding_payment_written_once BEFORE UPDATE OR DELETE ON funding_payment
    FOR EACH ROW EXECUTE FUNCTION funding_written_once();
CREATE TRIGGER funding_scheduleline_written_once BEFORE UPDATE OR DELETE ON funding_scheduleline
    FOR EACH ROW EXECUTE FUNCTION funding_written_once();

CREATE FUNCTION funding_scheduleline_while_draft() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT state FROM funding_paymentrun WHERE id = NEW.payment_run_id) <> 'draft' THEN
        RAISE EXCEPTION 'payment run % is locked: its schedule is frozen', NEW.payment_run_id
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER funding_scheduleline_while_draft BEFORE INSERT ON funding_scheduleline
    FOR EACH ROW EXECUTE FUNCTION funding_scheduleline_while_draft();
"""

DROP_TRIGGERS = """
DROP TRIGGER IF EXISTS funding_scheduleline_while_draft ON funding_scheduleline;
DROP FUNCTION IF EXISTS funding_scheduleline_while_draft();
DROP TRIGGER IF EXISTS funding_scheduleline_written_once ON funding_scheduleline;
DROP TRIGGER IF EXISTS funding_payment_written_once ON funding_payment;
DROP FUNCTION IF EXISTS funding_written_once();
DROP TRIGGER IF EXISTS funding_paymentrun_payments_final ON funding_paymentrun;
DROP FUNCTION IF EXISTS funding_paymentrun_payments_final();
DROP TRIGGER IF EXISTS funding_release_payments_final ON funding_release;
DROP FUNCTION IF EXISTS funding_release_payments_final();
"""


def create_triggers(apps, schema_editor):
    """PostgreSQL only: SQLite relies on the constraints above and the checks in funding.payment_runs."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS, params=None)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRIGGERS, params=None)


IN_A_RUN = ["scheduled", "paid"]


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0002_tranches_releases_payment_runs"),
        ("localities", "0002_historicalimportrecord_importrecord_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="release",
            name="paid_on",
            field=models.DateField(blank=True, help_text="The day finance says the money left.", null=True),
        ),
        migrations.AddField(
            model_name="historicalrelease",
            name="paid_on",
            field=models.DateField(blank=True, help_text="The day finance says the money left.", null=True),
        ),
        migrations.AddField(
            model_name="paymentrun",
            name="paid_on",
            field=models.DateField(blank=True, help_text="The day finance says the money left.", null=True),
        ),
        migrations.AddField(
            model_name="historicalpaymentrun",
            name="paid_on",
            field=models.DateField(blank=True, help_text="The day finance says the money left.", null=True),
        ),
        migrations.CreateModel(
            name="Payment",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12)),
                ("paid_on", models.DateField()),
                ("recorded_at", models.DateTimeField()),
                (
                    "payment_run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="payments", to="funding.paymentrun"
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
                (
                    "release",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="payments", to="funding.release"
                    ),
                ),
            ],
            options={
                "ordering": ["paid_on", "pk"],
                "constraints": [models.UniqueConstraint(fields=("release",), name="release_paid_once")],
            },
        ),
        migrations.CreateModel(
            name="ScheduleLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("position", models.PositiveIntegerField()),
                ("locality", models.TextField()),
                ("vehicle", models.TextField(blank=True, help_text="The kind of Locality Vehicle at locking.")),
                ("payee", models.TextField()),
                ("ccg", models.CharField(max_length=20)),
                ("tranche", models.CharField(max_length=20)),
                ("kind", models.CharField(max_length=40)),
                ("amount", models.DecimalField(decimal_places=2, max_digits=12)),
                ("reference", models.CharField(max_length=100)),
                ("cost_centre", models.CharField(blank=True, max_length=20)),
                (
                    "payment_run",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="schedule_lines",
                        to="funding.paymentrun",
                    ),
                ),
                (
                    "release",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="funding.release"
                    ),
                ),
            ],
            options={
                "ordering": ["payment_run", "position"],
                "constraints": [
                    models.UniqueConstraint(fields=("release",), name="release_on_one_schedule"),
                    models.UniqueConstraint(fields=("payment_run", "position"), name="one_schedule_line_per_position"),
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="release",
            constraint=models.CheckConstraint(
                condition=Q(state__in=IN_A_RUN, payment_run__isnull=False)
                | (~Q(state__in=IN_A_RUN) & Q(payment_run__isnull=True)),
                name="release_in_a_run_when_scheduled_or_paid",
            ),
        ),
        migrations.AddConstraint(
            model_name="release",
            constraint=models.CheckConstraint(
                condition=Q(state="paid", paid_on__isnull=False) | (~Q(state="paid") & Q(paid_on__isnull=True)),
                name="paid_release_has_paid_date",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrun",
            constraint=models.CheckConstraint(
                condition=Q(state="draft") | Q(locked_by__isnull=False, locked_at__isnull=False),
                name="locked_run_has_lock",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentrun",
            constraint=models.CheckConstraint(
                condition=~Q(state="paid") | Q(paid_by__isnull=False, paid_at__isnull=False, paid_on__isnull=False),
                name="paid_run_has_paid_date",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
