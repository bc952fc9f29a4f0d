import io

import pytest
from django.apps import apps
from django.core.management import call_command


@pytest.fixture
def demo(reference_data) -> str:
    """The demo portfolio, as `manage.py seed_demo` builds it; returns what the command printed."""
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


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
