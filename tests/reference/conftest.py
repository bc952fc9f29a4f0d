import pytest
from django.apps import apps


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
