import pytest
from django.urls import reverse

from authorities.models import Level
from initiatives.models import Criticality, Dependency

from .builders import build_portfolio

INTERDEPENDENCIES_QUERY_BUDGET = 12


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get(reverse("interdependencies"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_level_matrix_from_the_summaries(logged_in, portfolio):
    response = logged_in.get(reverse("interdependencies"))

    matrix = response.context["level_matrix"]
    municipal = next(row for row in matrix.rows if row["level"] == Level.MUNICIPAL)
    assert [cell["edges"] for cell in municipal["cells"]] == [3, 0, 0, 0]
    assert "Between levels of government" in response.content.decode()


def test_it_shows_the_authority_matrix_grouped_by_level(logged_in, portfolio, digst, kobenhavn):
    response = logged_in.get(reverse("interdependencies"))

    matrix = response.context["authority_matrix"]
    assert [a.pk for a in matrix.authorities] == [digst.pk, kobenhavn.pk]  # central before municipal
    assert [group["level"] for group in matrix.groups] == [Level.CENTRAL, Level.MUNICIPAL]
    kobenhavn_row = matrix.rows[1]
    assert [cell["edges"] for cell in kobenhavn_row["cells"]] == [3, 0]
    assert matrix.source == "summaries"
    page = response.content.decode()
    assert 'scope="colgroup"' in page and kobenhavn.name_en in page


def test_it_counts_from_the_dependencies_when_filtered_by_criticality(logged_in, portfolio):
    Dependency.objects.filter(source=portfolio["dependants"][0]).update(criticality=Criticality.LOW)

    response = logged_in.get(reverse("interdependencies"), {"criticality": Criticality.LOW})

    matrix = response.context["authority_matrix"]
    assert matrix.source == "dependencies"
    assert matrix.rows[1]["cells"][0]["edges"] == 1
    assert response.context["level_matrix"].total == 1


def test_it_filters_by_strategy(logged_in, portfolio, strategy_2026):
    response = logged_in.get(reverse("interdependencies"), {"strategy": "2026-2029"})

    assert response.context["authority_matrix"].authorities == []
    assert "No dependencies between authorities match the filter." in response.content.decode()


def test_it_explains_bad_filters_instead_of_failing(logged_in, portfolio):
    response = logged_in.get(reverse("interdependencies"), {"strategy": "nope", "criticality": "extreme"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Some of the filters could not be used" in page
    assert "extreme" in page


def test_it_gives_the_map_figures_in_a_table_and_to_the_map(logged_in, portfolio, kobenhavn, region_midtjylland):
    response = logged_in.get(reverse("interdependencies"))

    areas = response.context["map"]["areas"]
    kk = next(row for row in areas["municipality"] if row["code"] == "0101")
    assert kk["participation"] == 3 and kk["participation_bin"] == 1
    rm = next(row for row in areas["region"] if row["code"] == "1082")
    assert rm["participation"] == 3
    page = response.content.decode()
    assert 'id="map-data"' in page
    assert "The map as a table" in page
    assert "Contains data from Styrelsen for Dataforsyning og Infrastruktur, DAGI" in page
    assert "data/dk_map.json" in page


def test_it_says_so_when_nothing_has_been_summarised_yet(logged_in, strategy_2022):
    response = logged_in.get(reverse("interdependencies"))

    page = response.content.decode()
    assert "No dependencies are registered for this selection." in page
    assert "The summaries have no figures for these areas yet." in page


@pytest.mark.parametrize("size", [3, 60])
@pytest.mark.parametrize("filters", [{}, {"strategy": "2022-2025", "criticality": "high"},
                                     {"strategy": "2022-2025", "show": "agreements"}])
def test_it_runs_the_same_number_of_queries_whatever_the_size(
    logged_in, strategy_2022, digst, kobenhavn, region_midtjylland, django_assert_max_num_queries, size, filters
):
    build_portfolio(strategy=strategy_2022, size=size, central=digst, municipality=kobenhavn,
                    region=region_midtjylland)

    # Showing agreements asks once more who the user is: the secretariat's counts link to its list.
    budget = INTERDEPENDENCIES_QUERY_BUDGET + (filters.get("show") == "agreements")
    with django_assert_max_num_queries(budget):
        response = logged_in.get(reverse("interdependencies"), filters)

    assert response.status_code == 200
