"""The initiative list and the initiative page: what they show, sorting, paging, bad input, login,
and a query count that does not grow with the data."""

import datetime
import re

import pytest
from django.conf import settings
from django.urls import reverse

from initiatives.models import Criticality, Health, Role, Status
from initiatives.services import dependency_add, initiative_update, milestone_add, participation_set
from tests.clients import in_english
from tests.dashboard.builders import build_portfolio

LIST_URL = "/initiatives/"
# The reference data brings initiatives of other strategies; the tests look at 2022–2025's.
IN_2022 = {"strategy": "2022-2025"}


def rows_of(response) -> list[str]:
    """The text of the list's table rows, one string per row."""
    html = response.content.decode()
    if "initiative-table" not in html:
        return []
    body = html.split('<table class="table table--compact table--zebra initiative-table">', 1)[1].split("</table>")[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in body.split("<tr>")[2:]]


def codes_of(response) -> list[str]:
    return [row.split(" ", 1)[0] for row in rows_of(response)]


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    for url in [LIST_URL, "/initiatives/1/", "/initiatives/export.csv", "/initiatives/export.xlsx"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_list_shows_every_initiative_with_its_lead_and_health(analyst_client, portfolio):
    response = analyst_client.get(LIST_URL, IN_2022)

    assert response.status_code == 200
    rows = rows_of(response)
    assert len(rows) == 6
    c1 = next(row for row in rows if row.startswith("C.1"))
    assert "Fælles datafundament" in c1  # Danish by default
    assert "Digitaliseringsstyrelsen" in c1
    assert "health-red" in response.content.decode()  # 11 months late
    assert '<html lang="da">' in response.content.decode()


def test_the_demo_initiatives_are_labelled_illustrative(analyst_client, portfolio):
    response = analyst_client.get(LIST_URL, IN_2022)

    rows = rows_of(response)
    assert all("Illustrativ" in row for row in rows if row.startswith("M."))
    assert "Illustrativ" not in next(row for row in rows if row.startswith("C.1"))


def test_the_list_speaks_english_when_asked(analyst_client, portfolio):
    response = in_english(analyst_client).get(LIST_URL, IN_2022)

    assert "Shared data foundation" in response.content.decode()
    assert "6 initiatives" in response.content.decode()


def test_filters_narrow_the_rows(analyst_client, portfolio, kobenhavn, region_midtjylland, digst):
    def codes(**params):
        return codes_of(analyst_client.get(LIST_URL, {**IN_2022, "sort": "code", **params}))

    assert codes(lead_id=digst.pk) == ["C.1"]
    assert codes(authority_id=region_midtjylland.pk) == ["M.1", "M.2", "M.3", "M.4", "M.5"]
    assert codes(level="central") == ["C.1"]
    assert codes(health="red") == ["C.1"]
    assert codes(status="planned") == ["M.1", "M.4"]
    assert codes(at_risk="true") == ["M.1", "M.2", "M.3", "M.4", "M.5"]
    assert codes(at_risk="false") == ["C.1"]
    assert codes(risk_level="central") == ["M.1", "M.2", "M.3", "M.4", "M.5"]  # C.1, led centrally, is red
    assert codes(risk_level="municipal") == []
    assert codes(q="datafundament") == ["C.1"]
    assert codes(q="MUNICIPAL SOLUTION 3") == ["M.3"]  # the English title, any case
    assert codes(forecast_end_after="2024-06-01", forecast_end_before="2024-12-31") == ["C.1"]
    assert codes(baseline_end_before="2023-12-31") == []
    assert codes(strategy=str(portfolio["upstream"].strategy_id), lead_id=digst.pk) == ["C.1"]


def test_a_submitted_form_with_empty_fields_means_any_value(analyst_client, portfolio, digst):
    empty = {name: "" for name in ["q", "focus_area_id", "level", "authority_id", "status", "health", "at_risk",
                                   "forecast_start_after", "forecast_end_before", "baseline_end_after"]}

    response = analyst_client.get(LIST_URL, {**IN_2022, **empty, "lead_id": digst.pk, "sort": "code"})

    assert response.status_code == 200
    assert codes_of(response) == ["C.1"]
    assert f'href="/initiatives/export.csv?strategy=2022-2025&amp;lead_id={digst.pk}&amp;sort=code"' in (
        response.content.decode())


def test_the_chosen_filters_stay_selected_in_the_form(analyst_client, portfolio, strategy_2022, region_midtjylland):
    # The overview links here with the strategy's id; the form shows it chosen either way.
    html = analyst_client.get(LIST_URL, {"strategy": strategy_2022.pk, "authority_id": region_midtjylland.pk,
                                         "status": "active", "forecast_end_after": "2024-01-01"}).content.decode()

    assert re.search(r'<option value="2022-2025" selected>', html)
    assert f'<option value="{region_midtjylland.pk}" selected>' in html.split('id="id_authority_id"')[1]
    assert f'<option value="{region_midtjylland.pk}" selected>' not in html.split('id="id_lead_id"')[1].split("</select>")[0]
    assert '<option value="active" selected>' in html
    assert 'value="2024-01-01"' in html
    html = analyst_client.get(LIST_URL, {"risk_level": "central"}).content.decode()
    assert '<option value="central" selected>' in html.split('id="id_risk_level"')[1].split("</select>")[0]


def test_sorting_by_a_column_marks_its_header_and_reverses_on_a_second_click(analyst_client, portfolio):
    response = analyst_client.get(LIST_URL, {**IN_2022, "sort": "code"})
    assert codes_of(response) == ["C.1", "M.1", "M.2", "M.3", "M.4", "M.5"]
    html = response.content.decode()
    assert re.search(r'<th scope="col" aria-sort="ascending">\s*<a href="\?strategy=2022-2025&amp;sort=-code"', html)

    response = analyst_client.get(LIST_URL, {**IN_2022, "sort": "-code"})
    assert codes_of(response) == ["M.5", "M.4", "M.3", "M.2", "M.1", "C.1"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_sorting_by_health_goes_from_good_to_bad(analyst_client, portfolio):
    assert codes_of(analyst_client.get(LIST_URL, {**IN_2022, "sort": "-health"}))[0] == "C.1"


@pytest.mark.parametrize("sort", ["password", "-", "lead__password", "-title;drop"])
def test_an_unknown_sort_falls_back_to_the_default_order(analyst_client, portfolio, sort):
    response = analyst_client.get(LIST_URL, {**IN_2022, "sort": sort})

    assert response.status_code == 200
    assert codes_of(response) == ["C.1", "M.1", "M.2", "M.3", "M.4", "M.5"]


def test_the_list_is_paginated_by_fifty(analyst_client, strategy_2022, digst, kobenhavn, region_midtjylland):
    build_portfolio(strategy=strategy_2022, size=60, central=digst, municipality=kobenhavn,
                    region=region_midtjylland)

    first = analyst_client.get(LIST_URL, {**IN_2022, "sort": "code"})
    assert len(rows_of(first)) == 50
    assert 'aria-current="page"' in first.content.decode()
    second = analyst_client.get(LIST_URL, {**IN_2022, "sort": "code", "page": "2"})
    assert len(rows_of(second)) == 11
    # Page links keep the order and the filters.
    assert "?strategy=2022-2025&amp;sort=code&amp;page=2" in first.content.decode()
    assert analyst_client.get(LIST_URL, {"page": "nonsense"}).status_code == 200
    # Beyond the last page: the last page, not an error.
    beyond = analyst_client.get(LIST_URL, {**IN_2022, "sort": "code", "page": "99999"})
    assert beyond.status_code == 200
    assert len(rows_of(beyond)) == 11


@pytest.mark.parametrize(
    "params, message",
    [
        ({"forecast_end_after": "2024-13-45"}, "Forecast end"),
        ({"lead_id": "999999"}, "Lead authority"),
        ({"authority_id": "abc"}, "Participating authority"),
        ({"status": "bogus"}, "Status"),
        ({"at_risk": "maybe"}, "At risk"),
        ({"strategy_id": "-1"}, "Strategy"),
        ({"lead_id": "99999999999999999999"}, "Lead authority"),
        ({"focus_area_id": "1.5"}, "Focus area"),
        ({"q": "a\x00b"}, "Search"),
        ({"level": ["central", "federal"]}, "Level of the lead"),
        ({"risk_level": "galactic"}, "At risk because of level"),
    ],
)
def test_bad_filter_input_gives_a_clear_message_not_a_server_error(analyst_client, portfolio, params, message):
    response = in_english(analyst_client).get(LIST_URL, params)

    assert response.status_code == 400
    html = response.content.decode()
    assert "The filters could not be used" in html
    assert message in html
    assert "initiative-table" not in html


def test_an_empty_result_says_so_and_offers_to_clear_the_filters(analyst_client, portfolio):
    response = in_english(analyst_client).get(LIST_URL, {"q": "no such initiative"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "No initiative matches these filters." in html
    assert "Export to CSV" not in html


def test_an_empty_portfolio_says_there_are_no_initiatives(analyst_client, db):
    response = in_english(analyst_client).get(LIST_URL)

    assert "There are no initiatives yet." in response.content.decode()


def test_the_export_links_carry_the_filters(analyst_client, portfolio, digst):
    html = analyst_client.get(LIST_URL, {"lead_id": digst.pk, "sort": "-code", "page": "1"}).content.decode()

    assert f'href="/initiatives/export.csv?lead_id={digst.pk}&amp;sort=-code"' in html


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(analyst_client, strategy_2022, digst, kobenhavn,
                                                 region_midtjylland, django_assert_max_num_queries, size):
    build_portfolio(strategy=strategy_2022, size=size, central=digst, municipality=kobenhavn,
                    region=region_midtjylland)
    params = {"authority_id": region_midtjylland.pk, "q": "Kommunal", "sort": "-downstream"}

    with django_assert_max_num_queries(12):
        response = analyst_client.get(LIST_URL, params)
    assert len(rows_of(response)) == size


# --- The initiative page -------------------------------------------------------------------


@pytest.fixture
def middle(portfolio, strategy_2022, kobenhavn, aarhus, make_initiative):
    """M.1 of the portfolio, with an initiative of Aarhus depending on it and two milestones."""
    initiative = portfolio["dependants"][0]
    participation_set(initiative=initiative, authority=aarhus, role=Role.IMPLEMENTER)
    downstream = make_initiative(aarhus, code="A.1", title_da="Aarhus-løsningen", title_en="The Aarhus solution")
    dependency_add(source=downstream, target=initiative, criticality=Criticality.LOW,
                   needed_by=datetime.date(2024, 9, 1))
    milestone_add(initiative=initiative, title_da="Pilot", title_en="Pilot", baseline_date=datetime.date(2024, 3, 1),
                  forecast_date=datetime.date(2024, 5, 1))
    milestone_add(initiative=initiative, title_da="Drift", title_en="Operation",
                  baseline_date=datetime.date(2025, 6, 1), done_on=datetime.date(2025, 5, 20))
    return initiative


def test_the_initiative_page_shows_participants_by_role(analyst_client, middle, kobenhavn, aarhus,
                                                       region_midtjylland):
    html = in_english(analyst_client).get(f"/initiatives/{middle.pk}/").content.decode()

    lead = html.index("Lead (1)")
    implementer = html.index("Implementer (1)")
    contributor = html.index("Contributor (1)")
    assert lead < html.index(kobenhavn.name_en, lead) < implementer
    assert implementer < html.index(aarhus.name_en, implementer) < contributor
    assert region_midtjylland.name_en in html[contributor:]


def test_the_initiative_page_shows_its_milestones_as_a_table_and_a_timeline(analyst_client, middle):
    html = in_english(analyst_client).get(f"/initiatives/{middle.pk}/").content.decode()

    table = html.split('class="table table--compact table--zebra milestone-table"', 1)[1].split("</table>")[0]
    assert "Pilot" in table and "01.03.2024" in table and "01.05.2024" in table
    assert "Operation" in table and "20.05.2025" in table and "Done" in table
    assert html.count('class="tl-milestone') == 2
    assert 'class="tl-milestone is-done"' in html
    assert "style=" not in html.split('<main', 1)[1]  # the CSP forbids style attributes


def test_the_initiative_page_gives_the_reason_for_each_health_colour(analyst_client, portfolio):
    upstream = portfolio["upstream"]
    initiative_update(initiative=upstream, benefits_health=Health.YELLOW, baseline_budget=10_000_000,
                      forecast_cost=10_500_000)

    html = in_english(analyst_client).get(f"/initiatives/{upstream.pk}/").content.decode()

    health = html.split('class="table table--compact health-table"', 1)[1].split("</table>")[0]
    assert "Forecast end 335 days after baseline (more than 3 months)" in health
    assert "DKK 500.000 (5.0 %) over the baseline budget" in health
    assert "Set by hand" in health
    assert "health-red" in health and "health-yellow" in health


def test_the_initiative_page_lists_upstream_and_downstream_and_feeds_the_graph(analyst_client, middle, portfolio):
    response = in_english(analyst_client).get(f"/initiatives/{middle.pk}/")
    html = response.content.decode()

    upstream = html.split("dependency-table-target", 1)[1].split("</table>")[0]
    assert "C.1 · 2022–25 Shared data foundation" in upstream and "High" in upstream
    downstream = html.split("dependency-table-source", 1)[1].split("</table>")[0]
    assert "A.1 · 2022–25 The Aarhus solution" in downstream and "01.09.2024" in downstream
    graph = response.context["graph"]
    assert {node["data"]["label"]: node["data"]["role"] for node in graph["nodes"]} == {
        "M.1 · 2022–25": "self", "C.1 · 2022–25": "upstream", "A.1 · 2022–25": "downstream"}  # codes recur per strategy
    assert len(graph["edges"]) == 2
    assert 'id="initiative-graph-data"' in html
    assert "vendor/cytoscape/cytoscape.min.js" in html


def test_the_initiative_page_shows_its_summary_figures_and_why_it_is_at_risk(analyst_client, middle, digst):
    html = in_english(analyst_client).get(f"/initiatives/{middle.pk}/").content.decode()

    figures = html.split('id="figures-heading"', 1)[1].split("</section>")[0]
    assert "health is red" in figures
    assert "C.1 · 2022–25 Shared data foundation" in figures
    assert digst.name_en in figures


def test_the_initiative_page_shows_who_changed_what_and_when(analyst_client, middle, aarhus):
    initiative_update(initiative=middle, status=Status.PAUSED)

    html = in_english(analyst_client).get(f"/initiatives/{middle.pk}/").content.decode()

    history = html.split('id="history-heading"', 1)[1]
    assert "Status: Active → Paused" in history or "Status: Planned → Paused" in history
    assert f"{aarhus.name_en} added as implementer" in history
    assert "Milestone added: Pilot" in history
    assert "Dependency added: A.1 depends on M.1" in history
    assert "Initiative created" in history


def test_an_illustrative_initiative_says_so_on_its_page(analyst_client, middle):
    html = in_english(analyst_client).get(f"/initiatives/{middle.pk}/").content.decode()

    assert "This initiative is illustrative demo data" in html


def test_an_initiative_without_dependencies_or_milestones_says_so(analyst_client, reference_data, make_initiative,
                                                                  kobenhavn):
    initiative = make_initiative(kobenhavn)

    html = in_english(analyst_client).get(f"/initiatives/{initiative.pk}/").content.decode()

    assert "It neither depends on other initiatives nor do others depend on it." in html
    assert "No milestones are recorded." in html
    assert "No figures yet" in html
    assert "cytoscape.min.js" not in html


def test_an_unknown_initiative_is_not_found(analyst_client, db):
    assert analyst_client.get("/initiatives/999999/").status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_initiative_page_runs_a_fixed_number_of_queries(analyst_client, strategy_2022, digst, kobenhavn,
                                                            region_midtjylland, django_assert_max_num_queries, size):
    portfolio = build_portfolio(strategy=strategy_2022, size=size, central=digst, municipality=kobenhavn,
                                region=region_midtjylland)
    upstream = portfolio["upstream"]
    for n in range(size):
        milestone_add(initiative=upstream, title_da=f"Milepæl {n}", baseline_date=datetime.date(2024, 1, 1 + n % 28))

    # 14, one for its lights per reporting cycle (reporting's section of the page), and two for its
    # open risks (the risk register's section: the reader's roles, then the count).
    with django_assert_max_num_queries(17):
        response = analyst_client.get(f"/initiatives/{upstream.pk}/")
    assert len(response.context["downstream"]) == size


def test_the_list_shows_the_newest_strategy_first_by_default(analyst_client, make_initiative, kobenhavn,
                                                              strategy_2022, strategy_2026):
    make_initiative(kobenhavn, strategy=strategy_2022, code="1.2")
    make_initiative(kobenhavn, strategy=strategy_2026, code="1.2")
    make_initiative(kobenhavn, strategy=strategy_2026, code="1.1")

    response = analyst_client.get(LIST_URL, {"lead_id": kobenhavn.pk})

    strategies = [initiative.strategy.code for initiative in response.context["initiatives"]]
    assert strategies == ["2026-2029", "2026-2029", "2022-2025"]
    assert codes_of(response) == ["1.1", "1.2", "1.2"]  # in code order within a strategy
    assert 'aria-sort="descending"' in response.content.decode()


def test_the_initiative_graph_has_a_key_and_red_is_not_criticality(analyst_client, middle):
    html = in_english(analyst_client).get(f"/initiatives/{middle.pk}/").content.decode()

    key = html.split('class="graph-legend"', 1)[1].split("</ul>")[0]
    for text in ("This initiative", "Border: its health light", "Double border: at risk", "Thick line: high criticality",
                 "Dashed line: low criticality"):
        assert text in key
    script = (settings.BASE_DIR / "static" / "js" / "initiative-graph.js").read_text()
    high = script.split("edge[criticality = \"high\"]", 1)[1].split("}", 1)[0]
    assert "#b30000" not in high and "#c41a1a" not in high  # one meaning per colour: red is risk or red health
