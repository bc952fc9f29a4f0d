import pytest


@pytest.fixture
def english(settings):
    """For tests that read the English texts; tests/portfolio/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def kk(client, kobenhavn_coordinator, strategy_2022):
    client.force_login(kobenhavn_coordinator)
    return client


@pytest.fixture
def secretariat(client, analyst, strategy_2022):
    client.force_login(analyst)
    return client
