"""Fixtures of the dashboard's page tests; `portfolio` and `analyst_client` come from tests/conftest.py."""

import pytest

from tests.clients import in_english


@pytest.fixture
def portfolio_size() -> int:
    """The dashboard's pages are tested on three municipal initiatives (the authority pages on five)."""
    return 3


@pytest.fixture
def logged_in(analyst_client):
    """The analyst, reading in English so the assertions do not depend on the Danish catalogue."""
    return in_english(analyst_client)
