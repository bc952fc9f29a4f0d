import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

from tests.conftest import replayed_models

_demo: tuple[str, list] | None = None  # this process's first demo: what seed_demo printed, and its rows


@pytest.fixture
def demo(reference_data) -> str:
    """The demo portfolio, as `manage.py seed_demo` builds it; returns what the command printed.

    Built by the command once per test process; later tests get the same rows inserted in bulk (as
    tests/conftest.py does for the reference data), which is what the command would write again."""
    global _demo
    if _demo is None:
        before = {model: set(model._base_manager.values_list("pk", flat=True))
                  for model in replayed_models()}
        out = io.StringIO()
        call_command("seed_demo", stdout=out)
        rows = [(model, list(model._base_manager.exclude(pk__in=pks).order_by("pk").values()))
                for model, pks in before.items()]
        _demo = (out.getvalue(), [(model, found) for model, found in rows if found])
        return _demo[0]
    printed, rows = _demo
    with transaction.atomic():  # foreign keys are checked at the commit, so the order of tables is free
        for model, found in rows:
            model._base_manager.bulk_create([model(**row) for row in found])
        reset = connection.ops.sequence_reset_sql(no_style(), [model for model, _found in rows])
        with connection.cursor() as cursor:
            for statement in reset:
                cursor.execute(statement)
    return printed


@pytest.fixture
def database_snapshot():
    """snapshot() returns every row of every model (history, users, permissions included), for
    comparing the database before and after a command."""

    def snapshot() -> dict[str, list[dict]]:
        return {
            model._meta.label: list(model._base_manager.order_by("pk").values())
            for model in apps.get_models(include_auto_created=True)
        }

    return snapshot
