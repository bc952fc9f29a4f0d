"""PostgreSQL for the tests: Django's own engine, emptying the tables between transactional tests
by deleting the rows there are instead of truncating every table.

After each transactional test (the browser tests' live server, the real workers' tests) Django's
`flush` empties the database with one TRUNCATE of all ~90 tables. A TRUNCATE gives each table and
each of its indexes a new file, empty or not: 4-5 s per test on the CI machine, where the few
tables a test filled hold a few thousand rows that a DELETE removes in milliseconds.

So that flush deletes the rows of the tables that have any, in one transaction (the foreign keys are
deferred, so the order is free). Tables guarded by row triggers (a frozen reporting cycle and its
snapshots, the append-only access log) refuse a DELETE by design; when they hold rows they are
truncated as before, with the tables that refer to them (CASCADE). Every other flush
(`manage.py flush`, which resets the sequences; a subset of the apps, which may cascade) is Django's.
"""

from django.db.backends.postgresql import base, operations

EMPTY_TABLES_WITH_ROWS = """
DO $flush$
DECLARE
    name text;
    has_rows boolean;
    to_truncate text[] := '{}';
    to_delete text[] := '{}';
BEGIN
    FOREACH name IN ARRAY ARRAY[%s]::text[] LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %%I)', name) INTO has_rows;
        CONTINUE WHEN NOT has_rows;
        IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = format('%%I', name)::regclass AND NOT tgisinternal) THEN
            to_truncate := to_truncate || name;
        ELSE
            to_delete := to_delete || name;
        END IF;
    END LOOP;
    -- Truncate first: a table with pending foreign-key checks (queued by a DELETE) cannot be truncated.
    IF cardinality(to_truncate) > 0 THEN
        EXECUTE 'TRUNCATE ' || (SELECT string_agg(format('%%I', t), ', ') FROM unnest(to_truncate) AS t) || ' CASCADE';
    END IF;
    FOREACH name IN ARRAY to_delete LOOP
        EXECUTE format('DELETE FROM %%I', name);
    END LOOP;
END
$flush$;
"""


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        quoted = (table.replace("'", "''") for table in tables)
        names = ", ".join(f"'{table}'" for table in quoted)
        return [EMPTY_TABLES_WITH_ROWS % names]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
