"""The reporting personas and a small cycle: København leads two open initiatives and Aarhus one
in the 2022-25 strategy, Digitaliseringsstyrelsen one outside the cycle's strategy."""

import datetime

import pytest
from django.contrib.auth.models import User

from initiatives.models import Status
from reporting.models import Approver
from reporting.services import cycle_open


def make_approver(username: str, *authorities) -> User:
    user = User.objects.create_user(username=username, password="not-used-in-tests-7Qx!")
    for authority in authorities:
        Approver.objects.create(user=user, authority=authority)
    return user


@pytest.fixture
def kobenhavn_approver(kobenhavn) -> User:
    """København's management: approves its reports."""
    return make_approver("kk-approver", kobenhavn)


@pytest.fixture
def aarhus_coordinator(aarhus) -> User:
    from common.roles import ensure_roles
    from tests.conftest import make_coordinator

    ensure_roles()
    return make_coordinator("aa-coordinator", aarhus)


@pytest.fixture
def initiatives(kobenhavn, aarhus, digst, make_initiative, strategy_2026):
    return {
        # On plan: computed green.
        "kk_green": make_initiative(kobenhavn, code="KK.1", status=Status.ACTIVE),
        # Forecast end five months after the baseline end: computed red on schedule.
        "kk_late": make_initiative(kobenhavn, code="KK.2", status=Status.ACTIVE,
                                   forecast_end=datetime.date(2025, 5, 31)),
        "aa": make_initiative(aarhus, code="AA.1", status=Status.PLANNED),
        "kk_done": make_initiative(kobenhavn, code="KK.3", status=Status.COMPLETED),
        "other_strategy": make_initiative(digst, code="DI.1", strategy=strategy_2026, status=Status.ACTIVE),
    }


@pytest.fixture
def cycle(analyst, strategy_2022, initiatives):
    return cycle_open(
        user=analyst, code="2027-H1", period_start=datetime.date(2027, 1, 1), period_end=datetime.date(2027, 6, 30),
        deadline=datetime.date(2027, 7, 15), strategies=[strategy_2022],
        reminders=[datetime.date(2027, 7, 1), datetime.date(2027, 7, 10)],
    )


@pytest.fixture
def report_of(cycle):
    def get(initiative):
        return cycle.reports.get(initiative=initiative)

    return get
