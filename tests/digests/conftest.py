"""Fixtures shared by the digest tests."""

import pytest

from .builders import build_portfolio


@pytest.fixture
def portfolio(make_initiative, kobenhavn, digst, region_midtjylland, kobenhavn_coordinator, analyst):
    """The scripted portfolio before the day, with the coordinator and the analyst subscribed."""
    return build_portfolio(
        make_initiative, kobenhavn=kobenhavn, digst=digst, region_midtjylland=region_midtjylland,
        kobenhavn_coordinator=kobenhavn_coordinator, analyst=analyst,
    )
