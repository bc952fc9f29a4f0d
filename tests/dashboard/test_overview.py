import datetime

import pytest
import time_machine
from django.contrib.auth.models import User
from django.urls import reverse

from authorities.models import Authority, Level
from summaries.models import InitiativeSummary, SummaryChange

from .builders import build_portfolio

# The overview renders inside the shared frame (session, user, freshness, illustrative flag); the
# reporting cycle's divergences add two (the user's role, the reports).
OVERVIEW_QUERY_BUDGET = 16


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_strategies_on_a_timeline_and_defaults_to_the_current_one(client, analyst, strategy_2026):
    with time_machine.travel(datetime.date(2027, 3, 1)):
        client.force_login(analyst)
        response = client.get(reverse("home"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "2001–2004" in page and "2026–2029" in page
    assert response.context["strategy"] == strategy_2026
    assert 'aria-current="true"' in page


def test_it_counts_the_chosen_strategys_initiatives_by_status_and_health(logged_in, portfolio, strategy_2022):
    response = logged_in.get(reverse("home"), {"strategy": "2022-2025"})

    by_status = {bar.value: bar.count for bar in response.context["by_status"]}
    by_health = {bar.value: bar.count for bar in response.context["by_health"]}
    assert response.context["total"] == 4
    assert by_status["active"] == 3 and by_status["planned"] == 1
    assert by_health["red"] == 1 and by_health["green"] == 3
    assert "Initiatives by status" in response.content.decode()


def test_it_lists_the_at_risk_initiatives_with_their_reason_and_the_authority_behind_it(
    logged_in, portfolio, digst
):
    response = logged_in.get(reverse("home"), {"strategy": "2022-2025"})

    page = response.content.decode()
    assert "M.1 · 2022–25 Municipal solution 1" in page
    assert "health is red" in page
    assert "C.1 · 2022–25 Shared data foundation" in page
    assert digst.name_en in page
    central = next(level for level in response.context["at_risk_levels"] if level["value"] == Level.CENTRAL)
    assert central["count"] == 3
    # Each row leads on to what a 90-day slip of it would hit.
    first = portfolio["dependants"][0]
    assert f"/impact/?initiative={first.pk}&amp;days=90" in page


def test_it_narrows_the_at_risk_list_to_one_level_of_government(logged_in, portfolio, kobenhavn):
    dependant = portfolio["dependants"][0]
    InitiativeSummary.objects.filter(initiative=dependant).update(risk_authority=kobenhavn)

    response = logged_in.get(reverse("home"), {"strategy": "2022-2025", "risk_level": Level.CENTRAL})

    shown = [summary.initiative for summary in response.context["at_risk"]]
    assert dependant not in shown
    assert len(shown) == 2
    # The link to the whole list keeps the level, so the list shows the same initiatives.
    assert "/initiatives/?strategy=2022-2025&amp;at_risk=true&amp;risk_level=central" in response.content.decode()


def test_it_shows_the_level_matrix_as_a_heatmap_with_numbers(logged_in, portfolio):
    response = logged_in.get(reverse("home"), {"strategy": "2022-2025"})

    matrix = response.context["matrix"]
    municipal = next(row for row in matrix.rows if row["level"] == Level.MUNICIPAL)
    on_central = next(cell for cell in municipal["cells"] if cell["target"] == Level.CENTRAL)
    assert on_central["edges"] == 3
    assert on_central["heat"] == "heat-5"
    assert 'class="numeric heat-5"' in response.content.decode()


def test_it_lists_what_changed_in_the_last_seven_days_with_who_and_when(logged_in, portfolio, analyst):
    initiative = portfolio["upstream"]
    initiative._history_user = analyst
    initiative.title_da = "Fælles datafundament, ny plan"
    initiative.save()

    response = logged_in.get(reverse("home"), {"strategy": "2022-2025"})

    page = response.content.decode()
    assert "Initiative C.1 · 2022–25" in page  # the code with its strategy
    assert "changed" in page
    assert "by analyst" in page


def test_it_leaves_out_changes_older_than_seven_days(logged_in, strategy_2022, digst, kobenhavn, region_midtjylland):
    with time_machine.travel(datetime.datetime(2024, 1, 1, 12, tzinfo=datetime.UTC)):
        build_portfolio(strategy=strategy_2022, size=2, central=digst, municipality=kobenhavn,
                        region=region_midtjylland)

    with time_machine.travel(datetime.datetime(2024, 1, 20, 12, tzinfo=datetime.UTC)):
        logged_in.force_login(User.objects.get(username="analyst"))
        response = logged_in.get(reverse("home"), {"strategy": "2022-2025"})

    assert response.context["changes"] == []
    assert "Nothing in this strategy has changed in the last 7 days." in response.content.decode()


def test_it_explains_a_strategy_it_does_not_know_instead_of_failing(logged_in, strategy_2026):
    response = logged_in.get(reverse("home"), {"strategy": "1999-2000", "risk_level": "galactic"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "Some of the filters could not be used" in page
    assert "Showing the current strategy instead." in page


def test_it_says_so_when_a_strategy_has_no_initiatives(logged_in, strategy_2026):
    response = logged_in.get(reverse("home"), {"strategy": "2026-2029"})

    assert "No initiatives are registered under this strategy yet." in response.content.decode()


def test_it_shows_the_as_of_time_and_the_updating_state_while_a_recompute_is_pending(logged_in, portfolio):
    response = logged_in.get(reverse("home"))
    assert "Summaries as of" in response.content.decode()
    assert "Summaries updating…" not in response.content.decode()

    SummaryChange.objects.create()  # a change the summaries do not reflect yet
    response = logged_in.get(reverse("home"))

    assert "Summaries updating…" in response.content.decode()


def test_it_labels_illustrative_data(logged_in, portfolio):
    response = logged_in.get(reverse("home"), {"strategy": "2022-2025"})

    page = response.content.decode()
    assert "This portfolio contains illustrative demo data." in page
    assert 'class="badge-illustrative"' in page


def test_it_does_not_claim_illustrative_data_when_there_is_none(logged_in, strategy_2022):
    Authority.objects.update(is_illustrative=False)

    response = logged_in.get(reverse("home"))

    assert "illustrative demo data" not in response.content.decode()


@pytest.mark.parametrize("size", [3, 60])
def test_it_runs_the_same_number_of_queries_whatever_the_size(
    logged_in, strategy_2022, digst, kobenhavn, region_midtjylland, django_assert_max_num_queries, size
):
    build_portfolio(strategy=strategy_2022, size=size, central=digst, municipality=kobenhavn,
                    region=region_midtjylland)

    with django_assert_max_num_queries(OVERVIEW_QUERY_BUDGET):
        response = logged_in.get(reverse("home"), {"strategy": "2022-2025"})

    assert response.status_code == 200


def test_it_speaks_english_when_asked_and_danish_by_default(client, analyst, strategy_2022):
    client.force_login(analyst)
    danish = client.get(reverse("home"))
    assert '<html lang="da">' in danish.content.decode()

    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = client.get(reverse("home"))

    assert '<html lang="en">' in english.content.decode()


def test_it_says_when_the_at_risk_table_shows_only_the_most_consequential(
    logged_in, strategy_2022, digst, kobenhavn, region_midtjylland
):
    build_portfolio(strategy=strategy_2022, size=30, central=digst, municipality=kobenhavn, region=region_midtjylland)

    response = logged_in.get(reverse("home"), {"strategy": "2022-2025"})

    total = response.context["at_risk_total"]
    assert total > 25
    assert len(response.context["at_risk"]) == 25
    assert f"The table shows the 25 of {total} with the most depending on them" in response.content.decode()


def test_it_says_nothing_of_the_kind_when_the_table_shows_them_all(logged_in, portfolio):
    page = logged_in.get(reverse("home"), {"strategy": "2022-2025"}).content.decode()
    assert "The table shows the" not in page
