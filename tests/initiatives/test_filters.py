"""InitiativeFilterSet on its own: each filter, by id and by code, and its error messages."""

import datetime

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from initiatives.filters import InitiativeFilterSet
from initiatives.models import Initiative, Role, Status
from initiatives.services import participation_set
from strategies.models import FocusArea
from summaries.models import InitiativeSummary


def codes(params: dict | str) -> list[str]:
    query = QueryDict(params) if isinstance(params, str) else QueryDict(mutable=True)
    if isinstance(params, dict):
        for key, value in params.items():
            query.setlist(key, value if isinstance(value, list) else [str(value)])
    filterset = InitiativeFilterSet(query, queryset=Initiative.objects.filter(code__startswith="T."))
    assert filterset.is_valid(), filterset.errors
    return sorted(initiative.code for initiative in filterset.qs)


@pytest.fixture
def three(make_initiative, kobenhavn, aarhus, digst, region_midtjylland, strategy_2022, strategy_2026):
    area = FocusArea.objects.create(strategy=strategy_2022, code="X1", name_da="Data", name_en="Data")
    first = make_initiative(kobenhavn, focus_area=area, status=Status.ACTIVE, description_en="Shared login for all",
                            forecast_end=datetime.date(2025, 3, 1))
    second = make_initiative(aarhus, status=Status.PAUSED, title_en="Welfare technology",
                             baseline_end=datetime.date(2026, 1, 1), forecast_end=datetime.date(2026, 6, 1))
    third = make_initiative(digst, strategy=strategy_2026, code="T.3", title_da="Grunddata for velfærd")
    participation_set(initiative=first, authority=region_midtjylland, role=Role.CONTRIBUTOR)
    participation_set(initiative=third, authority=region_midtjylland, role=Role.CONSULTED)
    InitiativeSummary.objects.create(initiative=second, at_risk=True, computed_at=timezone.now())
    InitiativeSummary.objects.create(initiative=third, at_risk=False, computed_at=timezone.now())
    return {"first": first, "second": second, "third": third, "area": area}


def test_a_strategy_is_chosen_by_code_or_by_id(three, strategy_2026):
    assert codes({"strategy": "2026-2029"}) == ["T.3"]
    assert codes({"strategy": strategy_2026.pk}) == ["T.3"]
    assert codes({"strategy_id": strategy_2026.pk}) == ["T.3"]
    assert codes({"strategy": "99999999999999999999"}) == []  # an unknown id, not an overflow


def test_the_focus_area_level_lead_status_and_health_filters(three, kobenhavn, aarhus):
    assert codes({"focus_area_id": three["area"].pk}) == ["T.1"]
    assert codes({"level": "central"}) == ["T.3"]
    assert codes({"level": ["central", "municipal"]}) == ["T.1", "T.2", "T.3"]
    assert codes({"lead_id": [kobenhavn.pk, aarhus.pk]}) == ["T.1", "T.2"]
    assert codes({"status": "paused"}) == ["T.2"]
    assert codes({"health": "red"}) == ["T.2"]  # five months late
    assert codes({"health": ["green", "yellow"]}) == ["T.1", "T.3"]


def test_a_participating_authority_finds_initiatives_it_leads_or_takes_part_in_once_each(three, region_midtjylland,
                                                                                        kobenhavn):
    assert codes({"authority_id": region_midtjylland.pk}) == ["T.1", "T.3"]
    assert codes({"authority_id": [region_midtjylland.pk, kobenhavn.pk]}) == ["T.1", "T.3"]


def test_the_participating_filter_is_a_subquery_not_a_join_with_distinct(three, region_midtjylland):
    filterset = InitiativeFilterSet(QueryDict(f"authority_id={region_midtjylland.pk}"), queryset=Initiative.objects.all())
    with CaptureQueriesContext(connection) as queries:
        filterset.qs.count()
    sql = queries.captured_queries[-1]["sql"].upper()
    assert "DISTINCT" not in sql
    assert " IN (SELECT" in sql


def test_at_risk_reads_the_summaries_and_unsummarised_initiatives_are_not_at_risk(three):
    assert codes({"at_risk": "true"}) == ["T.2"]
    assert codes({"at_risk": "false"}) == ["T.1", "T.3"]


def test_at_risk_because_of_a_level_reads_the_level_of_the_authority_behind_the_risk(three, digst, aarhus):
    InitiativeSummary.objects.filter(initiative=three["second"]).update(risk_authority=digst)
    InitiativeSummary.objects.create(initiative=three["first"], at_risk=True, risk_authority=aarhus,
                                     computed_at=timezone.now())
    # A summary that still names an authority but is not at risk does not count.
    InitiativeSummary.objects.filter(initiative=three["third"]).update(risk_authority=digst)

    assert codes({"risk_level": "central"}) == ["T.2"]
    assert codes({"risk_level": "municipal"}) == ["T.1"]
    assert codes({"risk_level": ["central", "municipal"]}) == ["T.1", "T.2"]
    assert codes({"risk_level": "regional"}) == []


def test_date_ranges_include_their_ends(three):
    assert codes({"forecast_end_after": "2025-03-01", "forecast_end_before": "2025-03-01"}) == ["T.1"]
    assert codes({"forecast_end_after": "2025-03-02"}) == ["T.2"]
    assert codes({"baseline_end_before": "2025-12-31"}) == ["T.1", "T.3"]
    assert codes({"forecast_start_after": "2023-01-01", "forecast_start_before": "2023-01-01"}) == ["T.1", "T.2", "T.3"]


def test_free_text_searches_code_titles_and_descriptions_in_both_languages(three):
    assert codes({"q": "t.3"}) == ["T.3"]
    assert codes({"q": "grunddata"}) == ["T.3"]
    assert codes({"q": "welfare"}) == ["T.2"]
    assert codes({"q": "shared login"}) == ["T.1"]
    assert codes({"q": "   "}) == ["T.1", "T.2", "T.3"]


def test_the_search_can_be_used_on_its_own(three):
    search = InitiativeFilterSet(QueryDict(), queryset=Initiative.objects.all()).filters["q"]

    assert [i.code for i in search.filter(Initiative.objects.filter(code__startswith="T."), "Welfare")] == ["T.2"]


@pytest.mark.parametrize(
    "query, field",
    [
        ("forecast_end_after=31-12-2024", "forecast_end"),
        ("lead_id=0", "lead_id"),
        ("authority_id=x", "authority_id"),
        ("focus_area_id=123456789", "focus_area_id"),
        ("level=federal", "level"),
        ("health=blue", "health"),
        ("at_risk=1", "at_risk"),
        ("risk_level=federal", "risk_level"),
        (f"q={'x' * 101}", "q"),
    ],
)
def test_bad_input_is_an_error_with_the_filters_label(db, query, field):
    from django.utils import translation

    filterset = InitiativeFilterSet(QueryDict(query), queryset=Initiative.objects.all())

    assert not filterset.is_valid()
    assert field in filterset.errors
    with translation.override("en"):
        messages = filterset.error_messages()
        label = str(filterset.filters[field].label)
    assert messages and messages[0].startswith(label + ": ")
