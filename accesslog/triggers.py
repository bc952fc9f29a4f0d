"""The database triggers that make the access log append-only, on PostgreSQL and SQLite.

UPDATE is always refused. DELETE is refused for a record younger than MINIMUM_RETENTION_MONTHS (13),
measured by the database's own clock, so the retention purge (which deletes only records older than
ACCESS_LOG_RETENTION_MONTHS, never less than 13) passes and nothing else does: no session setting or
flag the application could set by mistake opens the table. Both refusals raise an integrity error.

Two exceptions, both wholesale wipes rather than edits: PostgreSQL's TRUNCATE fires no row trigger
(test databases are emptied with it; in production only the tables' owner may truncate), and on SQLite
Django's `flush` (the project's engine, common/db/sqlite3, answers `portfolio_flushing()` with true only
while it flushes; any other connection, the sqlite3 shell included, has no such function, so its
DELETE fails).

SQLite has no ALTER TABLE for constraints: a migration that changes this table's constraints or columns
rebuilds it there, and the rebuilt table has no triggers. Such a migration ends with
`migrations.RunPython(triggers.install, triggers.install)` (idempotent on both engines).
"""

TABLE = "accesslog_personaldataaccess"

POSTGRESQL_INSTALL = [
    """
    CREATE OR REPLACE FUNCTION accesslog_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' AND OLD.viewed_at < clock_timestamp() - interval '13 months' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'the access log is append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    f"""
    CREATE OR REPLACE TRIGGER accesslog_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION accesslog_refuse_change()
    """,
]
POSTGRESQL_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS accesslog_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS accesslog_refuse_change()",
]

# Django stores SQLite datetimes as UTC text 'YYYY-MM-DD HH:MM:SS.ffffff', which compares correctly
# with datetime('now', ...) ('YYYY-MM-DD HH:MM:SS', also UTC).
SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER IF NOT EXISTS accesslog_no_update BEFORE UPDATE ON {TABLE}
    BEGIN
        SELECT RAISE(ABORT, 'the access log is append-only: UPDATE refused');
    END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS accesslog_no_early_delete BEFORE DELETE ON {TABLE}
    WHEN OLD.viewed_at >= datetime('now', '-13 months') AND NOT portfolio_flushing()
    BEGIN
        SELECT RAISE(ABORT, 'the access log is append-only: DELETE refused');
    END
    """,
]
SQLITE_UNINSTALL = [
    "DROP TRIGGER IF EXISTS accesslog_no_update",
    "DROP TRIGGER IF EXISTS accesslog_no_early_delete",
]


def _execute(schema_editor, statements_by_vendor: dict[str, list[str]]) -> None:
    for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement, params=None)  # no placeholders: the % is plpgsql's


def install(apps, schema_editor) -> None:
    """Create the triggers where missing (RunPython's signature)."""
    _execute(schema_editor, {"postgresql": POSTGRESQL_INSTALL, "sqlite": SQLITE_INSTALL})


def uninstall(apps, schema_editor) -> None:
    _execute(schema_editor, {"postgresql": POSTGRESQL_UNINSTALL, "sqlite": SQLITE_UNINSTALL})
