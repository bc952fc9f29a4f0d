"""SQLite, answering an integer beyond 64 bits as PostgreSQL does, and telling triggers when Django flushes.

SQLite's driver raises OverflowError while binding an integer it cannot store (an id of 30 digits
typed into a form or a query string), so a request PostgreSQL answers with "no such record" would
be a 500 here. Such a number is bound as a REAL instead: it equals no stored integer, so lookups
find nothing and ranges compare correctly, as in PostgreSQL. The embedded default only; production
runs PostgreSQL.
"""

from django.db.backends.sqlite3 import base, operations

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _bindable(value):
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        return float(value)
    return value


def _bindable_params(params):
    if params is None:
        return None
    if isinstance(params, dict):
        return {key: _bindable(value) for key, value in params.items()}
    return [_bindable(value) for value in params]


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    def execute(self, query, params=None):
        return super().execute(query, _bindable_params(params))

    def executemany(self, query, param_list):
        return super().executemany(query, (_bindable_params(params) for params in param_list))


class DatabaseOperations(operations.DatabaseOperations):
    def execute_sql_flush(self, sql_list):
        # `flush` (manage.py flush, and the tests between transactional tests) empties every table.
        # Append-only tables' triggers let that wholesale wipe through, and nothing else (the access
        # log's, accesslog/triggers.py): they ask portfolio_flushing(), which only this engine has.
        self.connection.flushing = True
        try:
            super().execute_sql_flush(sql_list)
        finally:
            self.connection.flushing = False


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.flushing = False

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        connection.create_function("portfolio_flushing", 0, lambda: self.flushing)
        return connection

    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
