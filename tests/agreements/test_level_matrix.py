"""The level matrix counts agreements by what they say, per pair of levels (overall and per
strategy), and each count opens the agreement list filtered to exactly those agreements."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.urls import reverse

from agreements import services
from authorities.models import Level
from initiatives.services import dependency_add
from summaries.engine.run import recompute_summaries
from summaries.models import LevelMatrixCell

D = datetime.date
# The agreement figures of a cell, in the order the matrix shows them.
FIGURES = ("agreements_requested", "agreements_overdue", "agreements_committed_late", "agreements_declined")


@pytest.fixture
def agreements_by_state(make_initiative, kobenhavn, digst, aarhus, kobenhavn_coordinator, digst_coordinator,
                        aarhus_coordinator, strategy_2026, today):
    """Municipal → central: two awaiting an answer (one needed before 1 February), one committed late,
    one declined; central → municipal: one awaiting; municipal → municipal: one declined."""
    def ask(source, target, needed_by):
        return services.agreement_request(dependency=dependency_add(source=source, target=target),
                                          user=coordinator_of[source.lead_id], needed_by=needed_by, what_needed="It")

    coordinator_of = {kobenhavn.pk: kobenhavn_coordinator, digst.pk: digst_coordinator, aarhus.pk: aarhus_coordinator}
    provider = make_initiative(digst, code="P.1")
    ask(make_initiative(kobenhavn, code="K.1"), provider, D(2024, 1, 31))
    ask(make_initiative(kobenhavn, code="K.2", strategy=strategy_2026, baseline_start=D(2026, 1, 1),
                        forecast_start=D(2026, 1, 1), baseline_end=D(2026, 12, 31), forecast_end=D(2026, 12, 31)),
        provider, D(2024, 6, 1))
    late = ask(make_initiative(kobenhavn, code="K.3"), provider, D(2024, 6, 1))
    services.agreement_commit(agreement=late, user=digst_coordinator, committed_date=D(2024, 9, 1))
    declined = ask(make_initiative(kobenhavn, code="K.4"), provider, D(2024, 6, 1))
    services.agreement_decline(agreement=declined, user=digst_coordinator, reason="No capacity")
    ask(make_initiative(digst, code="P.2"), make_initiative(aarhus, code="A.1"), D(2024, 6, 1))
    declined = ask(make_initiative(aarhus, code="A.2"), make_initiative(kobenhavn, code="K.5"), D(2024, 6, 1))
    services.agreement_decline(agreement=declined, user=kobenhavn_coordinator, reason="Not now")


def _figures(strategy, source_level, target_level):
    cell = LevelMatrixCell.objects.get(strategy=strategy, source_level=source_level, target_level=target_level)
    return tuple(getattr(cell, name) for name in FIGURES)


def test_the_engine_counts_agreements_per_level_cell_overall_and_per_strategy(
    agreements_by_state, strategy_2022, strategy_2026, today
):
    recompute_summaries()
    assert _figures(None, Level.MUNICIPAL, Level.CENTRAL) == (2, 0, 1, 1)
    assert _figures(None, Level.CENTRAL, Level.MUNICIPAL) == (1, 0, 0, 0)
    assert _figures(None, Level.MUNICIPAL, Level.MUNICIPAL) == (0, 0, 0, 1)
    assert _figures(None, Level.CENTRAL, Level.CENTRAL) == (0, 0, 0, 0)
    # An agreement counts in its dependant's strategy.
    assert _figures(strategy_2022, Level.MUNICIPAL, Level.CENTRAL) == (1, 0, 1, 1)
    assert _figures(strategy_2026, Level.MUNICIPAL, Level.CENTRAL) == (1, 0, 0, 0)
    with time_machine.travel(datetime.datetime(2024, 2, 2, 11, tzinfo=datetime.UTC), tick=False):
        recompute_summaries()  # the nightly run: the first request is now overdue
    assert _figures(None, Level.MUNICIPAL, Level.CENTRAL) == (2, 1, 1, 1)


def _cell_links(page: str) -> list[tuple[int, str]]:
    """(count, link) of every agreement count in the level matrix, in reading order."""
    matrix = page.split('class="table table--compact heatmap level-matrix level-matrix--agreements"')[1]
    matrix = matrix.split("</table>")[0]
    return [(int(count), unescape(url))
            for url, count in re.findall(r'<span class="agreement-count"><a href="([^"]+)">(\d+)</a>', matrix)]


@pytest.mark.parametrize("strategy", [None, "2022-2025"])
def test_each_count_in_the_matrix_opens_a_list_of_exactly_that_many_agreements(
    agreements_by_state, analyst_client, english, today, strategy
):
    recompute_summaries()
    query = {"show": "agreements", **({"strategy": strategy} if strategy else {})}
    response = analyst_client.get(reverse("interdependencies"), query)
    page = response.content.decode()
    assert response.status_code == 200
    assert "awaiting an answer" in page and "overdue (unanswered after the needed-by date)" in page
    links = _cell_links(page)
    assert len(links) == 16 * 4  # every cell, every count
    assert sum(count for count, _url in links) == (4 if strategy is None else 3) + 2
    # Every count that is not zero, and the four of the first cell (central on central: zeros).
    for count, url in [link for link in links if link[0]] + links[:4]:
        listed = analyst_client.get(url)
        assert listed.status_code == 200
        assert listed.context["page"].paginator.count == count, url
    municipal_on_central = next(url for count, url in links if "requester_level=municipal" in url
                                and "provider_level=central" in url and "state=declined" in url)
    listed = analyst_client.get(municipal_on_central).content.decode()
    assert "K.4 · 2022–25" in listed and "K.1 · 2022–25" not in listed
    assert "One agreement matches the filters." in listed


def test_a_coordinator_sees_the_counts_without_links_to_the_secretariats_list(
    agreements_by_state, client, kobenhavn_coordinator, english, today
):
    recompute_summaries()
    client.force_login(kobenhavn_coordinator)
    page = client.get(reverse("interdependencies"), {"show": "agreements"}).content.decode()
    assert "awaiting an answer" in page
    assert "requester_level=" not in page


def test_a_level_that_is_not_one_is_refused_by_the_list(analyst_client, today):
    response = analyst_client.get(reverse("agreements:list"), {"requester_level": "galactic"})
    assert response.status_code == 400
    assert response.context["page"].paginator.count == 0


def test_the_list_filtered_to_a_cell_runs_a_fixed_number_of_queries(
    agreements_by_state, analyst_client, make_initiative, kobenhavn, digst, kobenhavn_coordinator, today,
    django_assert_max_num_queries,
):
    url = reverse("agreements:list")
    cell = {"requester_level": "municipal", "provider_level": "central", "strategy": "2022-2025",
            "state": "requested"}
    # The strategies (for the filter), the two levels' authorities, the page and its count: 13.
    with django_assert_max_num_queries(13) as few:
        assert analyst_client.get(url, cell).context["page"].paginator.count == 1
    for n in range(5):
        services.agreement_request(
            dependency=dependency_add(source=make_initiative(kobenhavn), target=make_initiative(digst)),
            user=kobenhavn_coordinator, needed_by=D(2024, 6, 1), what_needed=f"Thing {n}",
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert analyst_client.get(url, cell).context["page"].paginator.count == 6
