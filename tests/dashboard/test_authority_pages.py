"""The authority list and the authority page: filters, figures from the summaries, at-risk links,
bad input, login, and a query count that does not grow with the data."""

import re

import pytest
from django.urls import reverse

from authorities.models import Authority, Kind, Level
from tests.clients import in_english
from tests.dashboard.builders import build_portfolio

LIST_URL = "/authorities/"


def names_of(response) -> list[str]:
    """The authority names in the list's table, in order."""
    html = response.content.decode()
    if "authority-table" not in html:
        return []
    body = html.split('class="table table--compact table--zebra authority-table"', 1)[1].split("</table>")[0]
    return re.findall(r'<td><a href="/authorities/\d+/">([^<]+)</a>', body)


@pytest.fixture
def portfolio_size() -> int:
    return 5


def test_anonymous_visitors_are_sent_to_the_login_page(client, kobenhavn):
    for url in [LIST_URL, f"/authorities/{kobenhavn.pk}/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_list_shows_the_authorities_with_their_figures(analyst_client, portfolio, kobenhavn):
    response = analyst_client.get(LIST_URL, {"q": "København"})

    assert response.status_code == 200
    assert names_of(response) == ["Københavns Kommune"]
    row = response.content.decode().split("Københavns Kommune</a>", 1)[1].split("</tr>")[0]
    assert re.findall(r'<td class="numeric">(\d+)</td>', row) == ["5", "5", "1", "0", "0"]


def test_the_list_filters_by_level_kind_and_region(analyst_client, reference_data, region_midtjylland, aarhus):
    regions = names_of(analyst_client.get(LIST_URL, {"kind": Kind.REGION}))
    assert len(regions) == 5 and "Region Midtjylland" in regions

    in_midtjylland = names_of(analyst_client.get(LIST_URL, {"region_id": region_midtjylland.pk, "kind": Kind.MUNICIPALITY}))
    assert "Aarhus Kommune" in in_midtjylland
    assert "Københavns Kommune" not in in_midtjylland
    assert len(in_midtjylland) == Authority.objects.filter(region=region_midtjylland, kind=Kind.MUNICIPALITY).count()

    central = names_of(analyst_client.get(LIST_URL, {"level": Level.CENTRAL, "q": "digitaliseringsstyrelsen"}))
    assert central == ["Digitaliseringsstyrelsen"]


def test_the_list_is_paginated_and_sortable(analyst_client, reference_data):
    first = analyst_client.get(LIST_URL, {"kind": Kind.MUNICIPALITY})
    assert len(names_of(first)) == 50
    assert "98 myndigheder" in first.content.decode() or "98 authorities" in first.content.decode()

    descending = names_of(analyst_client.get(LIST_URL, {"kind": Kind.MUNICIPALITY, "sort": "-name", "page": "2"}))
    assert len(descending) == 48
    assert descending[-1] == "Aabenraa Kommune"
    assert 'aria-sort="descending"' in analyst_client.get(LIST_URL, {"sort": "-name"}).content.decode()


@pytest.mark.parametrize("params", [{"level": "federal"}, {"kind": "planet"}, {"region_id": "abc"},
                                    {"region_id": "999999"},
                                    {"region_id": "99999999999999999999"}, {"q": "\x00"}])
def test_bad_filter_input_gives_a_clear_message_not_a_server_error(analyst_client, reference_data, params):
    response = in_english(analyst_client).get(LIST_URL, params)

    assert response.status_code == 400
    assert "The filters could not be used" in response.content.decode()
    assert names_of(response) == []


def test_an_empty_result_says_so(analyst_client, reference_data):
    response = in_english(analyst_client).get(LIST_URL, {"q": "Atlantis"})

    assert "No authority matches these filters." in response.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_runs_a_fixed_number_of_queries(analyst_client, strategy_2022, digst, kobenhavn,
                                                 region_midtjylland, django_assert_max_num_queries, size):
    build_portfolio(strategy=strategy_2022, size=size, central=digst, municipality=kobenhavn,
                    region=region_midtjylland)

    with django_assert_max_num_queries(8):
        response = analyst_client.get(LIST_URL, {"sort": "-exposure", "level": [Level.CENTRAL, Level.MUNICIPAL]})
    assert response.status_code == 200


# --- The authority page --------------------------------------------------------------------


def test_the_page_shows_what_the_authority_leads_and_takes_part_in(analyst_client, portfolio, region_midtjylland):
    html = in_english(analyst_client).get(f"/authorities/{region_midtjylland.pk}/").content.decode()

    assert "It leads no initiatives." in html
    participating = html.split("participating-table", 1)[1].split("</table>")[0]
    assert participating.count("<tr>") == 6  # header + five
    assert "M.1 · 2022–25 Municipal solution 1" in participating and "Contributor" in participating


def test_the_page_shows_whom_it_depends_on_with_counts_from_the_summaries(analyst_client, portfolio, kobenhavn, digst):
    html = in_english(analyst_client).get(f"/authorities/{kobenhavn.pk}/").content.decode()

    counts = html.split("dependency-counts", 1)[1].split("</table>")[0]
    assert re.search(r"Depends on</th><td class=\"numeric\">1</td><td class=\"numeric\">0</td>", counts)
    depends_on = html.split('id="depends-on-heading"', 1)[1].split("</table>")[0]
    assert digst.name_en in depends_on
    assert re.findall(r'<td class="numeric">(\d+)</td>', depends_on) == ["5", "5", "5"]
    assert "No other authority depends on it." in html


def test_the_page_shows_its_initiatives_at_risk_because_of_others(analyst_client, portfolio, kobenhavn, digst):
    html = in_english(analyst_client).get(f"/authorities/{kobenhavn.pk}/").content.decode()

    at_risk_in = html.split('id="risk-in-heading"', 1)[1].split('id="risk-out-heading"')[0]
    assert at_risk_in.count("<tr>") == 6
    assert "C.1 · 2022–25 Shared data foundation" in at_risk_in and "health is red" in at_risk_in
    assert "It puts no other authority's initiative at risk." in html


def test_the_page_shows_the_initiatives_it_puts_at_risk_and_its_exposure(analyst_client, portfolio, digst, kobenhavn):
    html = in_english(analyst_client).get(f"/authorities/{digst.pk}/").content.decode()

    at_risk_out = html.split('id="risk-out-heading"', 1)[1]
    assert at_risk_out.split("</table>")[0].count("<tr>") == 6
    assert "M.3 · 2022–25 Municipal solution 3" in at_risk_out
    figures = html.split('id="figures-heading"', 1)[1].split("</section>")[0]
    assert re.search(r'key-figure-value">5</span> <span class="key-figure-label">initiatives downstream', figures)
    depended_by = html.split('id="depended-by-heading"', 1)[1].split("</table>")[0]
    assert kobenhavn.name_en in depended_by


@pytest.mark.parametrize("language, says", [
    ("en", ["It answers for their delivery.", "The table below counts only their leads, so it is smaller.",
            "Counted by the lead authorities of the initiatives at either end of each dependency."]),
    ("da", ["Den står for at levere dem.", "Tabellen nedenfor tæller kun de ansvarlige, så den er mindre."]),
])
def test_every_figure_says_what_it_counts(analyst_client, portfolio, digst, language, says):
    client = in_english(analyst_client) if language == "en" else analyst_client
    figures = client.get(f"/authorities/{digst.pk}/").content.decode().split('id="figures-heading"', 1)[1]
    figures = figures.split("</section>")[0]
    assert figures.count('class="key-figure-help"') == figures.count('class="key-figure-value"') == 4
    for text in says:
        assert text in figures


def test_illustrative_authorities_are_labelled(analyst_client, reference_data):
    demo = Authority.objects.create(name_da="Demo Skole", kind=Kind.SCHOOL, level=Level.MUNICIPAL, is_illustrative=True)

    html = in_english(analyst_client).get(f"/authorities/{demo.pk}/").content.decode()
    assert "This authority is illustrative demo data" in html
    assert "Illustrative" in in_english(analyst_client).get(LIST_URL, {"q": "Demo Skole"}).content.decode()


def test_an_authority_without_summaries_says_the_figures_are_not_computed(analyst_client, aarhus):
    html = in_english(analyst_client).get(f"/authorities/{aarhus.pk}/").content.decode()

    assert "No figures yet" in html
    assert "It depends on no other authority." in html


def test_an_unknown_authority_is_not_found(analyst_client, db):
    assert analyst_client.get("/authorities/999999/").status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_authority_page_runs_a_fixed_number_of_queries(analyst_client, strategy_2022, digst, kobenhavn,
                                                           region_midtjylland, django_assert_max_num_queries, size):
    build_portfolio(strategy=strategy_2022, size=size, central=digst, municipality=kobenhavn,
                    region=region_midtjylland)

    with django_assert_max_num_queries(12):
        response = analyst_client.get(f"/authorities/{kobenhavn.pk}/")
    assert len(response.context["led"]) == size
    assert len(response.context["at_risk_in"]) == size
