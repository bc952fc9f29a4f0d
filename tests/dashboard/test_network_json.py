import pytest
from django.urls import reverse

from authorities.models import Level
from dashboard import selectors
from initiatives.models import Criticality, Dependency

from .builders import build_portfolio

NETWORK_QUERY_BUDGET = 6


def test_it_refuses_anonymous_visitors(client, db):
    response = client.get(reverse("network_json"))

    assert response.status_code == 302


def test_it_gives_authorities_as_nodes_grouped_by_level(logged_in, portfolio, digst, kobenhavn):
    data = logged_in.get(reverse("network_json"), {"nodes": "authorities"}).json()

    assert {node["id"] for node in data["nodes"]} == {f"a{digst.pk}", f"a{kobenhavn.pk}"}
    assert [level["level"] for level in data["levels"]] == [Level.CENTRAL, Level.MUNICIPAL]
    assert data["edges"] == [
        {"source": f"a{kobenhavn.pk}", "target": f"a{digst.pk}", "weight": 3, "high": 3, "at_risk": 3}
    ]
    assert data["truncated"] is False


def test_it_gives_initiatives_as_nodes_with_their_risk(logged_in, portfolio):
    data = logged_in.get(
        reverse("network_json"), {"nodes": "initiatives", "strategy": "2022-2025", "level": "municipal"}
    ).json()

    labels = {node["label"] for node in data["nodes"]}
    assert "C.1 · 2022–25 Shared data foundation" in labels
    assert len(data["nodes"]) == 4 and len(data["edges"]) == 3
    at_risk = [node for node in data["nodes"] if node["at_risk"]]
    assert len(at_risk) == 3
    assert all(edge["at_risk"] == 1 for edge in data["edges"])


def test_it_filters_authority_edges_by_criticality_from_the_dependencies(logged_in, portfolio, kobenhavn, digst):
    Dependency.objects.filter(source=portfolio["dependants"][0]).update(criticality=Criticality.LOW)

    data = logged_in.get(reverse("network_json"), {"criticality": "low"}).json()

    assert data["edges"][0]["weight"] == 1


def test_it_caps_the_nodes_and_says_so(portfolio, strategy_2022):
    data = selectors.network.initiative_network(strategy_2022, cap=2)

    assert len(data["nodes"]) == 2
    assert data["truncated"] is True


def test_it_answers_bad_filters_with_a_400_naming_the_field(logged_in, portfolio):
    response = logged_in.get(reverse("network_json"), {"nodes": "planets", "level": "galactic"})

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"nodes", "level"}


@pytest.mark.parametrize("size", [3, 60])
@pytest.mark.parametrize("params", [{}, {"nodes": "initiatives"}, {"nodes": "authorities", "strategy": "2022-2025"}])
def test_it_runs_the_same_number_of_queries_whatever_the_size(
    logged_in, strategy_2022, digst, kobenhavn, region_midtjylland, django_assert_max_num_queries, size, params
):
    build_portfolio(strategy=strategy_2022, size=size, central=digst, municipality=kobenhavn,
                    region=region_midtjylland)

    with django_assert_max_num_queries(NETWORK_QUERY_BUDGET):
        response = logged_in.get(reverse("network_json"), params)

    assert response.status_code == 200
