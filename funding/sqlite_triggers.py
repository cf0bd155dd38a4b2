"""Payments are final on SQLite too (the embedded demo): the PostgreSQL triggers of migration 0003, in SQLite's words.

SQLite rebuilds a table to alter it, and the rebuild drops the table's triggers, so these are not written by
a migration but afresh after every `migrate` (post_migrate, funding.apps), so a changed trigger replaces the
one an older version wrote. They refuse updates
only: SQLite's `flush` deletes rows one by one, and a refused delete would stop it. On PostgreSQL the
migration's triggers refuse deletes as well.
"""

from django.db import connections

RELEASE_PAID_IS_FINAL = """
CREATE TRIGGER IF NOT EXISTS funding_release_paid_is_final BEFORE UPDATE ON funding_release
WHEN OLD.state = 'paid' AND (
    NEW.state IS NOT 'paid' OR NEW.payment_run_id IS NOT OLD.payment_run_id OR NEW.paid_on IS NOT OLD.paid_on
    OR NEW.amount <> OLD.amount OR NEW.locality_id IS NOT OLD.locality_id OR NEW.tranche_id IS NOT OLD.tranche_id
)
BEGIN SELECT RAISE(ABORT, 'a paid release never changes'); END
"""

RELEASE_RUN_WHILE_DRAFT = """
CREATE TRIGGER IF NOT EXISTS funding_release_run_while_draft BEFORE UPDATE ON funding_release
WHEN NEW.payment_run_id IS NOT OLD.payment_run_id AND (
    (OLD.payment_run_id IS NOT NULL
     AND (SELECT state FROM funding_paymentrun WHERE id = OLD.payment_run_id) IS NOT 'draft')
    OR (NEW.payment_run_id IS NOT NULL
     AND (SELECT state FROM funding_paymentrun WHERE id = NEW.payment_run_id) IS NOT 'draft')
)
BEGIN SELECT RAISE(ABORT, 'releases enter or leave a payment run only while it is a draft'); END
"""

RUN_IS_FINAL = """
CREATE TRIGGER IF NOT EXISTS funding_paymentrun_is_final BEFORE UPDATE ON funding_paymentrun
WHEN (OLD.state = 'paid' AND (
        NEW.state IS NOT 'paid' OR NEW.paid_on IS NOT OLD.paid_on OR NEW.paid_at IS NOT OLD.paid_at
        OR NEW.paid_by_id IS NOT OLD.paid_by_id))
    OR (OLD.state = 'locked' AND NEW.state NOT IN ('locked', 'paid'))
    OR (OLD.state IS NOT 'draft' AND (
        NEW.cost_centre IS NOT OLD.cost_centre OR NEW.commissioner_id IS NOT OLD.commissioner_id
        OR NEW.subjective_code IS NOT OLD.subjective_code OR NEW.pay_date IS NOT OLD.pay_date
        OR NEW.locked_at IS NOT OLD.locked_at OR NEW.locked_by_id IS NOT OLD.locked_by_id))
BEGIN SELECT RAISE(ABORT, 'a locked or paid payment run is never taken back'); END
"""

PAYMENT_WRITTEN_ONCE = """
CREATE TRIGGER IF NOT EXISTS funding_payment_written_once BEFORE UPDATE ON funding_payment
BEGIN SELECT RAISE(ABORT, 'payments are written once'); END
"""

LINE_WRITTEN_ONCE = """
CREATE TRIGGER IF NOT EXISTS funding_scheduleline_written_once BEFORE UPDATE ON funding_scheduleline
BEGIN SELECT RAISE(ABORT, 'schedule lines are written once'); END
"""

LINE_WHILE_DRAFT = """
CREATE TRIGGER IF NOT EXISTS funding_scheduleline_while_draft BEFORE INSERT ON funding_scheduleline
WHEN (SELECT state FROM funding_paymentrun WHERE id = NEW.payment_run_id) IS NOT 'draft'
BEGIN SELECT RAISE(ABORT, 'a locked payment run''s schedule is frozen'); END
"""

TRIGGERS = [
    RELEASE_PAID_IS_FINAL,
    RELEASE_RUN_WHILE_DRAFT,
    RUN_IS_FINAL,
    PAYMENT_WRITTEN_ONCE,
    LINE_WRITTEN_ONCE,
    LINE_WHILE_DRAFT,
]
TABLES = {"funding_release", "funding_paymentrun", "funding_payment", "funding_scheduleline"}


def create_sqlite_triggers(sender=None, using: str = "default", **kwargs) -> None:
    """post_migrate: on SQLite, once the payment tables (and the paid dates) exist, make sure the triggers do."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        if not set(connection.introspection.table_names(cursor)) >= TABLES:
            return
        columns = {c.name for c in connection.introspection.get_table_description(cursor, "funding_release")}
        if "paid_on" not in columns:
            return
        run_columns = {c.name for c in connection.introspection.get_table_description(cursor, "funding_paymentrun")}
        if "pay_date" not in run_columns:
            return
        for sql in TRIGGERS:
            name = sql.split("IF NOT EXISTS ", 1)[1].split()[0]
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(sql)
