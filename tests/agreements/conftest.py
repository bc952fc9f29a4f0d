"""An agreement across authorities: København's initiative depends on Digitaliseringsstyrelsen's."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import User

from authorities.models import Authority
from initiatives.models import Dependency
from initiatives.services import dependency_add
from tests.conftest import make_coordinator

# The day the tests are set on: the defaults of make_initiative run 2023–2024.
TODAY = datetime.date(2024, 1, 10)


@pytest.fixture
def today():
    with time_machine.travel(datetime.datetime(2024, 1, 10, 11, tzinfo=datetime.UTC), tick=False):
        yield TODAY


@pytest.fixture
def digst_coordinator(digst, kobenhavn_coordinator) -> User:
    # kobenhavn_coordinator first: it creates the roles.
    return make_coordinator("digst-coordinator", digst)


@pytest.fixture
def aarhus_coordinator(aarhus, kobenhavn_coordinator) -> User:
    return make_coordinator("aarhus-coordinator", aarhus)


@pytest.fixture
def cross_dependency(make_initiative, kobenhavn: Authority, digst: Authority) -> Dependency:
    """København's initiative (the dependant) depends on Digitaliseringsstyrelsen's (the provider)."""
    provider = make_initiative(digst, code="P.1", forecast_end=datetime.date(2024, 5, 31))
    dependant = make_initiative(kobenhavn, code="D.1", forecast_start=datetime.date(2024, 7, 1))
    return dependency_add(source=dependant, target=provider)
