import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from authorities.models import Authority, Kind
from initiatives.models import DependencyKind, Role, Status
from initiatives.services import dependency_add, initiative_update, milestone_add, participation_set
from tests.clients import in_english

# The frame's queries plus the engine's fixed handful.
IMPACT_QUERY_BUDGET = 15


@pytest.fixture
def chain(make_initiative, digst, kobenhavn, aarhus, region_midtjylland):
    """MitID-like infrastructure → a municipal service → a regional follow-up, back to back."""
    infrastructure = make_initiative(
        digst, code="INFRA", title_da="Fælles login", title_en="Shared login", status=Status.ACTIVE,
        baseline_start=datetime.date(2023, 1, 1), baseline_end=datetime.date(2023, 12, 31),
        forecast_start=datetime.date(2023, 1, 1), forecast_end=datetime.date(2023, 12, 31),
    )
    service = make_initiative(
        kobenhavn, code="SERVICE", title_da="Selvbetjening i kommunen", title_en="Municipal self-service",
        status=Status.PLANNED,
        baseline_start=datetime.date(2024, 1, 1), baseline_end=datetime.date(2024, 12, 31),
        forecast_start=datetime.date(2024, 1, 1), forecast_end=datetime.date(2024, 12, 31),
    )
    participation_set(initiative=service, authority=aarhus, role=Role.IMPLEMENTER)
    follow_up = make_initiative(
        region_midtjylland, code="FOLLOW", title_da="Regional opfølgning", title_en="Regional follow-up",
        status=Status.PLANNED,
        baseline_start=datetime.date(2025, 1, 1), baseline_end=datetime.date(2025, 6, 30),
        forecast_start=datetime.date(2025, 1, 1), forecast_end=datetime.date(2025, 6, 30),
    )
    dependency_add(source=service, target=infrastructure, kind=DependencyKind.PREREQUISITE)
    dependency_add(source=follow_up, target=service, kind=DependencyKind.PREREQUISITE)
    milestone_add(initiative=service, title_da="Pilot i drift", title_en="Pilot live",
                  baseline_date=datetime.date(2024, 6, 1))
    return {"infrastructure": infrastructure, "service": service, "follow_up": follow_up}


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get(reverse("impact"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_it_offers_a_search_form_with_ninety_days_by_default(logged_in, db):
    response = logged_in.get(reverse("impact"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="q"' in page
    assert 'value="90"' in page


def test_it_lists_the_initiatives_that_match_the_search(logged_in, chain):
    response = logged_in.get(reverse("impact"), {"q": "regional", "days": 30})

    # One match: it goes straight to the analysis.
    assert response.context["initiative"] == chain["follow_up"]

    response = logged_in.get(reverse("impact"), {"q": "e", "days": 30})

    page = response.content.decode()
    assert "3 initiatives match" in page
    assert f'?initiative={chain["service"].pk}&amp;days=30' in page


def test_it_shows_the_downstream_initiatives_authorities_levels_and_milestones_hit(logged_in, chain, kobenhavn,
                                                                                    aarhus, region_midtjylland):
    response = logged_in.get(reverse("impact"), {"initiative": chain["infrastructure"].pk, "days": 90})

    page = response.content.decode()
    assert "A delay of 90 days to INFRA · 2022–25" in page
    assert "SERVICE · 2022–25 Municipal self-service" in page
    assert "FOLLOW" in page
    # Finish-to-start: the service can start on the day the infrastructure now ends (30.03.2024),
    # 89 days later than planned, and keeps its duration; its milestone moves with it.
    assert "<del>31.12.2024</del> → 30.03.2025" in page
    assert "29.08.2024" in page
    for authority in (kobenhavn, aarhus, region_midtjylland):
        assert (authority.name_en or authority.name_da) in page
    groups = {group["level"]: group for group in response.context["result"]["level_groups"]}
    assert {row["hit"].authority for row in groups["municipal"]["hits"]} == {kobenhavn, aarhus}


def test_it_says_so_when_nothing_downstream_moves(logged_in, chain):
    response = logged_in.get(reverse("impact"), {"initiative": chain["follow_up"].pk, "days": 90})

    assert "Nothing downstream would be pushed or miss a date" in response.content.decode()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"initiative": "999999", "days": "90"}, "There is no initiative with that number."),
        ({"q": "login", "days": "soon"}, "Enter the delay as a whole number of days."),
        ({"q": "login", "days": "-5"}, "The delay must be at least 1 day."),
        ({"initiative": "abc"}, "Choose the initiative from the search results."),
    ],
)
def test_it_explains_bad_input_instead_of_failing(logged_in, chain, params, message):
    response = logged_in.get(reverse("impact"), params)

    assert response.status_code == 200
    assert message in response.content.decode()


def test_it_says_so_when_no_initiative_matches(logged_in, chain):
    response = logged_in.get(reverse("impact"), {"q": "zzz-nothing", "days": 90})

    assert "No initiative matches that text." in response.content.decode()


def test_it_runs_the_same_number_of_queries_whatever_the_size(logged_in, chain, make_initiative):
    # Each dependant led by another municipality, so the authorities hit grow with the size too.
    municipalities = iter(Authority.objects.filter(kind=Kind.MUNICIPALITY).order_by("code"))

    def add_dependants(count: int, prefix: str) -> None:
        for n in range(count):
            # Every other one is under way already, started before the infrastructure ends: late
            # before the slip, so the page names what it waits for (with no query per row either).
            start = datetime.date(2023, 6, 1) if n % 2 else datetime.date(2024, 1, 1)
            dependant = make_initiative(
                next(municipalities), code=f"{prefix}.{n}", status=Status.ACTIVE if n % 2 else Status.PLANNED,
                baseline_start=start, forecast_start=start,
            )
            dependency_add(source=dependant, target=chain["infrastructure"])
            milestone_add(initiative=dependant, title_da=f"Milepæl {n}", baseline_date=datetime.date(2024, 9, 1))

    def queries_for_analysis() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = logged_in.get(reverse("impact"), {"initiative": chain["infrastructure"].pk, "days": 90})
        assert response.status_code == 200
        return len(captured.captured_queries), len(response.context["result"]["impacted"])

    add_dependants(1, "S")
    small, small_hits = queries_for_analysis()
    add_dependants(40, "L")
    large, large_hits = queries_for_analysis()

    assert (small_hits, large_hits) == (3, 43)
    late = logged_in.get(reverse("impact"), {"initiative": chain["infrastructure"].pk, "days": 90}).context["result"]["late_before"]
    assert len(late) == 20
    assert len(logged_in.get(reverse("impact"), {"initiative": chain["infrastructure"].pk, "days": 90})
               .context["result"]["impact"].authorities) > 40
    assert small == large <= IMPACT_QUERY_BUDGET


def test_it_explains_its_rule_in_one_sentence_in_danish_and_english(analyst_client, chain):
    params = {"initiative": chain["infrastructure"].pk, "days": 90}

    danish = analyst_client.get(reverse("impact"), params).content.decode()
    english = in_english(analyst_client).get(reverse("impact"), params).content.decode()

    assert "Slut før start: et initiativ flyttes kun med den del af forsinkelsen, som dets luft ikke opsluger" in danish
    assert "Finish to start: an initiative moves only by the part of the delay that its slack does not absorb" in english


def test_it_shows_lateness_from_before_the_slip_apart_from_what_the_slip_adds(logged_in, chain, make_initiative, aarhus):
    # Under way since March 2023, nine months before the infrastructure it needs is to end.
    running = make_initiative(
        aarhus, code="RUNNING", title_da="Igangværende", title_en="Running already", status=Status.ACTIVE,
        baseline_start=datetime.date(2023, 3, 1), baseline_end=datetime.date(2024, 6, 30),
        forecast_start=datetime.date(2023, 3, 1), forecast_end=datetime.date(2024, 6, 30),
    )
    dependency_add(source=running, target=chain["infrastructure"])

    response = logged_in.get(reverse("impact"), {"initiative": chain["infrastructure"].pk, "days": 90})

    [late] = response.context["result"]["late_before"]
    assert (late.initiative, late.pushed_days, late.late_before_days) == (running, 90, 305)
    page = response.content.decode()
    late_table = page.split('class="table table--compact late-before-table"')[1].split("</table>")[0]
    assert "RUNNING · 2022–25 Running already" in late_table
    assert "INFRA · 2022–25 Shared login" in late_table and "31.12.2023" in late_table
    assert "<td class=\"numeric\">305</td>" in late_table
    # Its start stays; its end moves by the 90 days of the slip, not by the 305 it was late already.
    assert "01.03.2023 <span class=\"muted\">(under way)</span>" in page
    assert "<del>30.06.2024</del> → 28.09.2024" in page


@pytest.mark.parametrize("status, label", [(Status.COMPLETED, "Completed"), (Status.CANCELLED, "Cancelled")])
def test_it_refuses_to_delay_completed_and_cancelled_initiatives_with_a_clear_message(logged_in, chain, status, label):
    initiative_update(initiative=chain["infrastructure"], status=status)

    response = logged_in.get(reverse("impact"), {"initiative": chain["infrastructure"].pk, "days": 90})

    page = response.content.decode()
    assert response.status_code == 200 and response.context["result"] is None
    assert f"INFRA · 2022–25 is “{label}”, so it cannot be delayed" in page
    assert 'id="result-heading"' not in page
    # The initiative stays chosen, so another can be chosen from there.
    assert "Choose another" in page
