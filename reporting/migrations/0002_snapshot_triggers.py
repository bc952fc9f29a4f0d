"""A frozen cycle's record is enforced by the database, not only by the code: whatever writes to it
(the ORM, raw SQL, a shell), a snapshot row is never updated, a frozen cycle never changes, and the
reports of a frozen cycle stay as they were.

Deleting a snapshot is refused while its cycle exists. (Django's own test flush on SQLite empties
tables with DELETE, cycles before their snapshots; on PostgreSQL it truncates, which row triggers
do not see.) On SQLite, a later migration that rebuilds one of these tables drops its triggers:
such a migration must create them again.
"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER reporting_snapshot_no_update BEFORE UPDATE ON reporting_cyclesnapshot
       BEGIN SELECT RAISE(ABORT, 'cycle snapshots are immutable'); END""",
    """CREATE TRIGGER reporting_snapshot_no_delete BEFORE DELETE ON reporting_cyclesnapshot
       WHEN EXISTS (SELECT 1 FROM reporting_cycle WHERE id = OLD.cycle_id)
       BEGIN SELECT RAISE(ABORT, 'cycle snapshots are immutable'); END""",
    """CREATE TRIGGER reporting_frozen_cycle_no_update BEFORE UPDATE ON reporting_cycle
       WHEN OLD.state = 'frozen'
       BEGIN SELECT RAISE(ABORT, 'a frozen cycle is immutable'); END""",
    """CREATE TRIGGER reporting_frozen_report_no_update BEFORE UPDATE ON reporting_statusreport
       WHEN EXISTS (SELECT 1 FROM reporting_cycle WHERE id = OLD.cycle_id AND state = 'frozen')
       BEGIN SELECT RAISE(ABORT, 'the reports of a frozen cycle are immutable'); END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS reporting_snapshot_no_update",
    "DROP TRIGGER IF EXISTS reporting_snapshot_no_delete",
    "DROP TRIGGER IF EXISTS reporting_frozen_cycle_no_update",
    "DROP TRIGGER IF EXISTS reporting_frozen_report_no_update",
]

POSTGRESQL = [
    """CREATE FUNCTION reporting_refuse_snapshot_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND NOT EXISTS (SELECT 1 FROM reporting_cycle WHERE id = OLD.cycle_id) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'cycle snapshots are immutable' USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER reporting_snapshot_immutable BEFORE UPDATE OR DELETE ON reporting_cyclesnapshot
       FOR EACH ROW EXECUTE FUNCTION reporting_refuse_snapshot_change()""",
    """CREATE FUNCTION reporting_refuse_frozen_cycle_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         RAISE EXCEPTION 'a frozen cycle is immutable' USING ERRCODE = 'restrict_violation';
       END $$""",
    """CREATE TRIGGER reporting_frozen_cycle_immutable BEFORE UPDATE OR DELETE ON reporting_cycle
       FOR EACH ROW WHEN (OLD.state = 'frozen') EXECUTE FUNCTION reporting_refuse_frozen_cycle_change()""",
    """CREATE FUNCTION reporting_refuse_frozen_report_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM reporting_cycle WHERE id = OLD.cycle_id AND state = 'frozen') THEN
           RAISE EXCEPTION 'the reports of a frozen cycle are immutable' USING ERRCODE = 'restrict_violation';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER reporting_frozen_report_immutable BEFORE UPDATE ON reporting_statusreport
       FOR EACH ROW EXECUTE FUNCTION reporting_refuse_frozen_report_change()""",
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS reporting_snapshot_immutable ON reporting_cyclesnapshot",
    "DROP FUNCTION IF EXISTS reporting_refuse_snapshot_change()",
    "DROP TRIGGER IF EXISTS reporting_frozen_cycle_immutable ON reporting_cycle",
    "DROP FUNCTION IF EXISTS reporting_refuse_frozen_cycle_change()",
    "DROP TRIGGER IF EXISTS reporting_frozen_report_immutable ON reporting_statusreport",
    "DROP FUNCTION IF EXISTS reporting_refuse_frozen_report_change()",
]


def create(apps, schema_editor):
    statements = POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    statements = POSTGRESQL_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
