"""The risk register's pages: the heatmap and its table twin (counts equal the rows behind each cell),
filters, the empty state, who sees what, and recording a risk (forged ids, bad input)."""

import re

import pytest

from agreements import services as agreements
from initiatives.services import dependency_add, participation_set
from risks.models import Risk, RiskStatus
from tests.clients import in_english

LIST_URL = "/risks/"


def listed_titles(response) -> list[str]:
    return [risk.title for risk in response.context["risks"]]


def cell(response, probability: int, impact: int):
    [found] = [c for _impact, cells in response.context["heatmap"] for c in cells
               if (c.probability, c.impact) == (probability, impact)]
    return found


@pytest.fixture
def register(make_initiative, make_risk, kobenhavn, aarhus, digst, strategy_2026):
    """København's and Aarhus's initiatives with risks in a few cells, one closed."""
    kk = make_initiative(kobenhavn, code="K.1")
    aa = make_initiative(aarhus, code="A.1")
    ds = make_initiative(digst, code="D.9", strategy=strategy_2026)
    return {
        "kk": kk, "aa": aa, "ds": ds,
        "kk_high": make_risk(kk, title="KK high", probability=4, impact=5),
        "kk_high_too": make_risk(kk, title="KK high too", probability=4, impact=5, status=RiskStatus.MITIGATING),
        "kk_closed": make_risk(kk, title="KK closed", probability=4, impact=5, status=RiskStatus.CLOSED),
        "aa_low": make_risk(aa, title="AA low", probability=1, impact=2),
        "ds_mid": make_risk(ds, title="DS mid", probability=2, impact=3),
    }


def test_the_heatmap_counts_open_risks_and_each_cell_lists_exactly_them(analyst_client, register):
    response = analyst_client.get(LIST_URL)
    assert response.status_code == 200
    assert sum(c.count for _i, cells in response.context["heatmap"] for c in cells) == 4  # the closed one left out
    for _impact, cells in response.context["heatmap"]:
        for heat in cells:
            behind = analyst_client.get(LIST_URL + heat.url.split("#")[0])
            assert behind.context["page"].paginator.count == heat.count, heat
    assert cell(response, 4, 5).count == 2
    assert listed_titles(analyst_client.get(LIST_URL + cell(response, 4, 5).url.split("#")[0])) == [
        "KK high", "KK high too"]


def test_the_cells_follow_the_strategy_authority_and_level_filters(analyst_client, register, aarhus):
    by_strategy = analyst_client.get(LIST_URL, {"strategy": "2026-2029"})
    assert cell(by_strategy, 2, 3).count == 1 and cell(by_strategy, 4, 5).count == 0
    assert listed_titles(by_strategy) == ["DS mid"]
    by_owner = analyst_client.get(LIST_URL, {"owner_id": aarhus.pk})
    assert cell(by_owner, 1, 2).count == 1 and listed_titles(by_owner) == ["AA low"]
    central = analyst_client.get(LIST_URL, {"level": "central"})
    assert listed_titles(central) == ["DS mid"]
    link = cell(central, 2, 3).url
    assert "level=central" in link and "probability=2" in link and "impact=3" in link
    # The cell's own filters narrow the list, never the grid.
    one_cell = analyst_client.get(LIST_URL, {"probability": 4, "impact": 5, "status": "closed"})
    assert listed_titles(one_cell) == ["KK closed"] and cell(one_cell, 1, 2).count == 1


def test_an_escalated_risk_is_marked_in_words_in_its_cell_and_row(analyst_client, register):
    Risk.objects.filter(pk=register["kk_high"].pk).update(escalated=True, score=25)
    html = in_english(analyst_client).get(LIST_URL).content.decode()
    assert "⚠ 1 escalated" in html
    assert "⚠ Escalated" in html


def test_the_list_sorts_by_a_column_and_defaults_to_the_highest_score(analyst_client, register):
    assert listed_titles(analyst_client.get(LIST_URL))[:2] == ["KK high", "KK high too"]
    assert listed_titles(analyst_client.get(LIST_URL, {"sort": "score"}))[0] == "AA low"
    html = analyst_client.get(LIST_URL, {"sort": "title"}).content.decode()
    assert 'aria-sort="ascending"' in html


def test_a_coordinator_sees_the_risks_of_initiatives_their_authority_leads_or_takes_part_in(
    client, register, kobenhavn_coordinator, kobenhavn
):
    participation_set(initiative=register["aa"], authority=kobenhavn, role="contributor")
    client.force_login(kobenhavn_coordinator)
    response = client.get(LIST_URL)
    assert sorted(listed_titles(response)) == ["AA low", "KK closed", "KK high", "KK high too"]
    assert sum(c.count for _i, cells in response.context["heatmap"] for c in cells) == 3
    # Another authority's risk, named by id: not found.
    assert client.get(f"/risks/{register['ds_mid'].pk}/").status_code == 404
    assert client.get(LIST_URL, {"initiative_id": register["ds"].pk}).context["page"].paginator.count == 0


def test_bad_filters_are_refused_naming_the_filter_and_showing_no_rows(analyst_client, register):
    response = in_english(analyst_client).get(LIST_URL, {"probability": "7"})
    assert response.status_code == 400
    assert response.context["page"] is None
    assert "Probability (1–5):" in response.content.decode()
    assert analyst_client.get(LIST_URL, {"owner_id": "99999999999999999999"}).status_code == 400


@pytest.mark.parametrize("query", ["q=%00", "strategy=%00x", "level=%00", "initiative_id=x", "escalated=maybe"])
def test_hostile_filters_are_refused_with_400_not_an_error(analyst_client, db, query):
    response = analyst_client.get(f"{LIST_URL}?{query}")
    assert response.status_code == 400 and response.context["page"] is None


def test_an_empty_register_says_so(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    html = in_english(client).get(LIST_URL).content.decode()
    assert "There are no risks you can see yet." in html


def test_the_page_is_in_danish_by_default_and_english_on_request(analyst_client, register):
    assert "Risikoregister" in analyst_client.get(LIST_URL).content.decode()
    assert "Risk register" in in_english(analyst_client).get(LIST_URL).content.decode()


def test_the_register_is_in_the_main_menu(analyst_client, db):
    html = analyst_client.get("/").content.decode()
    assert re.search(r'href="/risks/"', html)


@pytest.mark.parametrize("size", [2, 20])
def test_the_register_runs_a_fixed_number_of_queries(analyst_client, make_initiative, make_risk, kobenhavn, aarhus,
                                                     django_assert_num_queries, size):
    for n in range(size):
        initiative = make_initiative(kobenhavn if n % 2 else aarhus)
        make_risk(initiative, title=f"Risk {n}", probability=1 + n % 5, impact=1 + (n * 3) % 5)
    # Session, user, roles; filter choices (authorities, strategies); the heatmap; count, ids, rows;
    # and the base template's four (the summaries' freshness, illustrative data).
    with django_assert_num_queries(13):
        response = analyst_client.get(LIST_URL)
    assert response.context["page"].paginator.count == size


# --- Recording and changing a risk -------------------------------------------------------------------


def test_a_coordinator_records_a_risk_on_their_initiative(client, register, kobenhavn_coordinator, kobenhavn):
    client.force_login(kobenhavn_coordinator)
    kk = register["kk"]
    assert client.get(f"/risks/add/{kk.pk}/").status_code == 200
    response = client.post(f"/risks/add/{kk.pk}/", {
        "title": "Suppliers late", "probability": "3", "impact": "4", "owner": kobenhavn.pk, "status": "open",
        "review_date": "01.03.2024",
    })
    risk = Risk.objects.get(title="Suppliers late")
    assert response.status_code == 302 and response["Location"] == f"/risks/{risk.pk}/"
    assert (risk.score, risk.initiative, risk.history.first().history_user) == (12, kk, kobenhavn_coordinator)


def test_a_probability_of_7_is_refused_with_a_clear_message_and_nothing_saved(
    client, register, kobenhavn_coordinator, kobenhavn
):
    client.force_login(kobenhavn_coordinator)
    response = in_english(client).post(f"/risks/add/{register['kk'].pk}/", {
        "title": "Suppliers late", "probability": "7", "impact": "4", "owner": kobenhavn.pk, "status": "open",
    })
    assert response.status_code == 400
    assert "The probability is a number from 1 to 5." in response.content.decode()
    assert not Risk.objects.filter(title="Suppliers late").exists()


def test_another_authoritys_initiative_or_risk_is_not_found_and_nothing_is_saved(
    client, register, kobenhavn_coordinator, kobenhavn
):
    client.force_login(kobenhavn_coordinator)
    data = {"title": "Forged", "probability": "1", "impact": "1", "owner": kobenhavn.pk, "status": "open"}
    assert client.post(f"/risks/add/{register['aa'].pk}/", data).status_code == 404
    assert client.post(f"/risks/{register['aa_low'].pk}/", data).status_code == 404
    assert client.post("/risks/add/99999999999999999999/", data).status_code == 404
    assert not Risk.objects.filter(title="Forged").exists()
    register["aa_low"].refresh_from_db()
    assert register["aa_low"].title == "AA low"


def test_a_participant_sees_but_may_not_change_the_leads_risk(client, register, kobenhavn_coordinator, kobenhavn):
    participation_set(initiative=register["aa"], authority=kobenhavn, role="contributor")
    client.force_login(kobenhavn_coordinator)
    page = client.get(f"/risks/{register['aa_low'].pk}/")
    assert page.status_code == 200 and page.context["form"] is None
    data = {"title": "Changed", "probability": "1", "impact": "1", "owner": kobenhavn.pk, "status": "open"}
    assert client.post(f"/risks/{register['aa_low'].pk}/", data).status_code == 403
    register["aa_low"].refresh_from_db()
    assert register["aa_low"].title == "AA low"


def test_a_forged_owner_or_an_agreement_of_another_initiative_is_refused_and_nothing_saved(
    client, register, kobenhavn_coordinator, kobenhavn, aarhus, digst, make_initiative, today
):
    other = dependency_add(source=make_initiative(kobenhavn), target=make_initiative(digst))
    elsewhere = agreements.agreement_request(dependency=other, user=kobenhavn_coordinator,
                                             needed_by=today, what_needed="x")
    client.force_login(kobenhavn_coordinator)
    risk = register["kk_high"]
    base = {"title": "Changed", "probability": "1", "impact": "1", "owner": kobenhavn.pk, "status": "open"}
    for forged in ({"owner": aarhus.pk}, {"agreement": elsewhere.pk}, {"agreement": "x"}):
        response = client.post(f"/risks/{risk.pk}/", {**base, **forged})
        assert response.status_code == 400, forged
    risk.refresh_from_db()
    assert (risk.title, risk.agreement) == ("KK high", None)


def test_a_coordinator_closes_a_risk_and_links_an_agreement_of_its_own_initiative(
    client, cross_dependency, kobenhavn_coordinator, kobenhavn, make_risk, today
):
    agreement = agreements.agreement_request(dependency=cross_dependency, user=kobenhavn_coordinator,
                                             needed_by=today, what_needed="The API")
    risk = make_risk(cross_dependency.source)
    client.force_login(kobenhavn_coordinator)
    form = client.get(f"/risks/{risk.pk}/").context["form"]
    assert list(form.fields["agreement"].queryset) == [agreement]
    response = client.post(f"/risks/{risk.pk}/", {
        "title": "Risk", "probability": "2", "impact": "2", "owner": kobenhavn.pk, "status": "closed",
        "agreement": agreement.pk,
    })
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (risk.status, risk.agreement) == (RiskStatus.CLOSED, agreement)


def test_the_initiative_page_links_to_its_risks_with_the_open_count(analyst_client, register, client,
                                                                     aarhus_coordinator):
    html = in_english(analyst_client).get(f"/initiatives/{register['kk'].pk}/").content.decode()
    assert "2 open risks (open or being mitigated)" in html
    assert f'href="/risks/?initiative_id={register["kk"].pk}"' in html
    # A reader who may see none of its risks is told nothing about them.
    client.force_login(aarhus_coordinator)
    assert "/risks/?initiative_id" not in client.get(f"/initiatives/{register['kk'].pk}/").content.decode()
