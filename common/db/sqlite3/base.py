"""SQLite, answering an integer beyond 64 bits as PostgreSQL does.

SQLite's driver raises OverflowError while binding an integer it cannot store (an id of 30 digits
typed into a form or a query string), so a request PostgreSQL answers with "no such record" would
be a 500 here. Such a number is bound as a REAL instead: it equals no stored integer, so lookups
find nothing and ranges compare correctly, as in PostgreSQL. The embedded default only; production
runs PostgreSQL.
"""

from django.db.backends.sqlite3 import base

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


class DatabaseWrapper(base.DatabaseWrapper):
    def create_cursor(self, name=None):
        return self.connection.cursor(factory=SQLiteCursorWrapper)
