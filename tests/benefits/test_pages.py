"""The benefits page: what falls short and why, the economic sums, the follow-ups owed; both
languages, a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from benefits.models import Benefit, FollowUp, Kind
from benefits.services import benefit_save
from initiatives.models import Status
from tests.clients import in_english

PAGE = "/benefits/?strategy=2022-2025"


def economic(initiative, baseline, forecast, title="Sparet tid") -> Benefit:
    return benefit_save(benefit=Benefit(initiative=initiative, kind=Kind.ECONOMIC, title_da=title, title_en="Time saved",
                                        from_year=2025, baseline=Decimal(baseline), forecast=Decimal(forecast),
                                        realised_by=initiative.lead))


@pytest.fixture
def register(make_initiative, kobenhavn, aarhus):
    short = make_initiative(kobenhavn, code="KK.1")
    economic(short, "1000000", "600000")  # 40 % short: red
    fine = make_initiative(aarhus, code="AA.1")
    economic(fine, "500000", "500000")
    done = make_initiative(aarhus, code="AA.2", status=Status.COMPLETED)
    FollowUp.objects.create(initiative=done, due_on=datetime.date(2026, 10, 1))
    return short


@time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC), tick=False)
def test_the_page_says_what_falls_short_and_what_is_owed(analyst_client, register):
    page = analyst_client.get(PAGE).content.decode()
    assert "KK.1 · 2022–25" in page and "“Sparet tid” forventes 40,0 % under sin baseline" in page
    assert "1.100.000,00 kr." in page  # the forecast a year, summed
    assert "AA.2 · 2022–25" in page and "<td class=\"numeric\">60</td>" in page  # 60 days overdue
    assert "1 / 0" in page  # one red, no yellow


@time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC), tick=False)
def test_the_page_in_english(client, analyst, register):
    client.force_login(analyst)
    page = in_english(client).get(PAGE).content.decode()
    assert "“Time saved” is forecast 40.0 % short of its baseline" in page and "Follow-ups" in page


def test_an_empty_strategy_says_so(analyst_client, reference_data):
    page = analyst_client.get(PAGE).content.decode()
    assert "Der er ikke registreret økonomiske gevinster" in page and "Ingen forsinkede." in page


def test_the_page_runs_a_fixed_number_of_queries(analyst_client, register, make_initiative, kobenhavn,
                                                 django_assert_num_queries):
    analyst_client.get(PAGE)
    # Pinned, whatever the number of rows: the session, the user and role, the strategies, then one query per figure.
    with django_assert_num_queries(15):
        analyst_client.get(PAGE)
    for n in range(8):
        economic(make_initiative(kobenhavn, code=f"M.{n}"), "100", "10")
        FollowUp.objects.create(initiative=make_initiative(kobenhavn, code=f"F.{n}", status=Status.COMPLETED),
                                due_on=datetime.date(2025, 1, 1))
    with django_assert_num_queries(15):
        analyst_client.get(PAGE)
