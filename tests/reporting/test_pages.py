"""The reporting pages in the product's look: scoped like the admin, a fixed number of queries,
Danish by default and English on request."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from initiatives.models import Initiative, Status
from reporting.models import Cycle, ReportState, Track
from reporting.services import cycle_freeze, report_approve, report_submit
from tests.clients import in_english

pytestmark = pytest.mark.django_db


@pytest.fixture
def kk(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    return client


def page(client, name, *args, **kwargs):
    response = client.get(reverse(f"reporting:{name}", args=args), kwargs)
    return response, response.content.decode()


def test_the_overview_shows_each_cycles_lights_over_time_as_a_chart_with_a_table_twin(
    analyst_client, client, outsider, cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver,
    analyst, strategy_2022
):
    from reporting.services import cycle_open

    client.force_login(outsider)
    text = client.get(reverse("reporting:cycles")).content.decode()
    # Reports owed but none submitted: the cycle is in the table with nothing counted yet.
    assert "Lys pr. runde over tid" in text and "trend-chart-data" in text
    steering_fixture(cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver, analyst)
    cycle_open(user=analyst, code="2027-H2", period_start=datetime.date(2027, 7, 1),
               period_end=datetime.date(2027, 12, 31), deadline=datetime.date(2028, 1, 15), strategies=[strategy_2022])
    response = in_english(analyst_client).get(reverse("reporting:cycles"))
    trends = response.context["trends"]
    assert [t.code for t in trends] == ["2027-H1", "2027-H2"]  # oldest first
    # KK.2's report: computed red, assessed yellow; the rest not submitted.
    assert trends[0].computed == {"green": 0, "yellow": 0, "red": 1} and trends[0].assessed["yellow"] == 1
    assert (trends[0].reported, trends[0].owed) == (1, 3)
    text = response.content.decode()
    assert "Submitted reports per cycle by light, computed and assessed" in text and "1 / 3" in text
    assert response.context["trend_chart"]["series"][2] == {"stack": "computed", "light": "red", "values": [1, 0]}


def test_each_initiatives_page_shows_its_lights_per_cycle_or_that_it_has_none(
    client, outsider, cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver, analyst
):
    steering_fixture(cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver, analyst)
    client.force_login(outsider)  # lights are anyone's to read, as in the steering group's report
    response = in_english(client).get(reverse("initiatives:detail", args=[initiatives["kk_late"].pk]))
    text = response.content.decode()
    assert "The initiative's computed and assessed light in each reporting cycle" in text
    row = text.split('<th scope="row"><a href="/reporting/2027-H1/">2027-H1</a></th>')[1].split("</tr>")[0]
    assert row.index("Red") < row.index("Yellow") and "New plan" in row  # computed red, assessed yellow
    assert "initiative-trend.js" in text and "initiative-trend-data" in text
    text = client.get(reverse("initiatives:detail", args=[initiatives["other_strategy"].pk])).content.decode()
    assert "No reporting cycle has asked this initiative for a status report yet." in text
    assert "initiative-trend.js" not in text


def test_the_overview_says_so_when_there_is_no_cycle_to_trend(analyst_client):
    text = analyst_client.get(reverse("reporting:cycles")).content.decode()
    assert "Ingen runder endnu" in text and "trend-chart.js" not in text


def test_the_cycle_list_shows_each_cycle_with_its_progress(kk, cycle):
    response, text = page(kk, "cycles")
    assert response.status_code == 200
    assert "2027-H1" in text and "Rapporteringsrunder" in text


def test_the_cycle_page_lists_a_coordinators_own_reports_to_fill_in_and_nobody_elses(kk, cycle):
    response, text = page(kk, "cycle", "2027-H1")
    assert response.status_code == 200
    assert [r.initiative.code for r in response.context["detail"].mine] == ["KK.1", "KK.2"]
    assert "AA.1" not in text


def test_after_the_deadline_the_secretariat_sees_the_overdue_authorities(client, analyst, cycle, initiatives,
                                                                         report_of, aarhus_coordinator):
    report_submit(report=report_of(initiatives["aa"]), user=aarhus_coordinator, assessed="green")
    with time_machine.travel(datetime.datetime(2027, 7, 20, 12, tzinfo=datetime.UTC), tick=False):
        client.force_login(analyst)
        response, text = page(client, "cycle", "2027-H1")
    overdue = {a.name: (a.not_submitted, a.not_approved) for a in response.context["detail"].overdue}
    assert overdue == {"Københavns Kommune": (2, 2), "Aarhus Kommune": (0, 1)}
    assert "Forsinket" in text


def test_a_coordinator_fills_in_and_submits_a_report_in_the_products_form(kk, cycle, initiatives, report_of):
    report = report_of(initiatives["kk_late"])
    url = reverse("reporting:report", args=[report.pk])
    response = kk.post(url, {"action": "submit", "assessed": "green", "progress": "Godt"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Begrundelse" in text and "adskiller sig fra den beregnede" in text
    report.refresh_from_db()
    assert (report.state, report.progress) == (ReportState.DRAFT, "")
    response = kk.post(url, {"action": "submit", "assessed": "yellow", "rationale": "Ny leverandør",
                             "track": Track.BACK_TO_PLAN, "progress": "Godt"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.assessed, report.track) == (ReportState.SUBMITTED, "yellow", "back_to_plan")


def test_another_authoritys_report_page_is_404_and_a_forged_post_changes_nothing(kk, cycle, initiatives, report_of):
    report = report_of(initiatives["aa"])
    url = reverse("reporting:report", args=[report.pk])
    assert kk.get(url).status_code == 404
    assert kk.post(url, {"action": "submit", "assessed": "green"}).status_code == 404
    report.refresh_from_db()
    assert report.state == ReportState.DRAFT


def test_the_approver_approves_on_the_page_and_the_secretariat_returns_with_a_comment(
    client, cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver, analyst
):
    report = report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green")
    url = reverse("reporting:report", args=[report.pk])
    client.force_login(kobenhavn_approver)
    assert client.post(url, {"action": "approve"}).status_code == 302
    client.force_login(analyst)
    response = client.post(url, {"action": "return", "return_comment": ""})
    assert response.status_code == 400 and "Skriv, hvorfor rapporten sendes tilbage." in response.content.decode()
    assert client.post(url, {"action": "return", "return_comment": "Mangler risici"}).status_code == 302
    report.refresh_from_db()
    assert (report.state, report.approved_by, report.return_comment) == (ReportState.RETURNED, kobenhavn_approver,
                                                                         "Mangler risici")


def test_a_coordinator_cannot_approve_accept_or_freeze_by_a_forged_post(kk, cycle, initiatives, report_of,
                                                                       kobenhavn_coordinator):
    report = report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green")
    url = reverse("reporting:report", args=[report.pk])
    for action in ("approve", "accept", "return", "nonsense"):
        assert kk.post(url, {"action": action, "return_comment": "x"}).status_code == 403
    assert kk.post(reverse("reporting:freeze", args=["2027-H1"])).status_code == 403
    assert kk.get(reverse("reporting:export_csv", args=["2027-H1"])).status_code == 403
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED


def test_the_secretariat_freezes_the_cycle_on_its_page(analyst_client, cycle):
    response = analyst_client.post(reverse("reporting:freeze", args=["2027-H1"]))
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.is_frozen


def steering_fixture(cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver, analyst):
    report = report_submit(report=report_of(initiatives["kk_late"]), user=kobenhavn_coordinator, assessed="yellow",
                           rationale="Indhentes", track=Track.NEW_PLAN)
    report_approve(report=report, user=kobenhavn_approver)
    return cycle_freeze(cycle=cycle, user=analyst)


def test_the_steering_report_shows_lights_tracks_and_the_divergence_rationale_to_the_secretariat(
    analyst_client, client, outsider, cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver, analyst
):
    steering_fixture(cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver, analyst)
    response, text = page(in_english(analyst_client), "steering_report", "2027-H1")
    assert response.status_code == 200
    assert "The steering group's report: 2027-H1" in text and "New plan" in text and "Indhentes" in text
    client.force_login(outsider)
    _response, text = page(client, "steering_report", "2027-H1")
    assert "New plan" in text and "Indhentes" not in text  # report texts are not an outsider's to read


def test_compare_two_cycles_in_the_product(analyst_client, cycle, initiatives, report_of, strategy_2022,
                                           kobenhavn_coordinator, kobenhavn_approver, analyst, kobenhavn,
                                           make_initiative):
    from initiatives.services import initiative_update
    from reporting.services import cycle_open

    steering_fixture(cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver, analyst)
    make_initiative(kobenhavn, code="KK.9", status=Status.ACTIVE)
    initiative_update(initiative=initiatives["kk_late"], forecast_end=datetime.date(2025, 7, 31))
    cycle_open(user=analyst, code="2027-H2", period_start=datetime.date(2027, 7, 1),
               period_end=datetime.date(2027, 12, 31), deadline=datetime.date(2028, 1, 15), strategies=[strategy_2022])
    response, text = page(in_english(analyst_client), "compare", a="2027-H1", b="2027-H2")
    assert response.status_code == 200
    assert {c.kind for c in response.context["changes"]} == {"added", "changed"}
    assert "Added" in text and "61 days" in text
    response, _text = page(analyst_client, "compare", a="2027-H1", b="2027-H1")
    assert response.status_code == 400
    response, _text = page(analyst_client, "compare", a="nope", b="2027-H1")
    assert response.status_code == 400


@pytest.mark.parametrize("size", [3, 30])
def test_the_pages_run_a_fixed_number_of_queries(analyst_client, django_assert_max_num_queries,
                                                 django_assert_num_queries, monkeypatch, size, analyst,
                                                 strategy_2022, kobenhavn, make_initiative):
    from reporting import selectors, views
    from reporting.services import cycle_open

    # Pages of ten rows: at 30 initiatives the report and the comparison have several.
    monkeypatch.setattr(selectors, "STEERING_PAGE_SIZE", 10)
    monkeypatch.setattr(views, "COMPARE_PAGE_SIZE", 10)
    for _ in range(size):
        make_initiative(kobenhavn, status=Status.ACTIVE)
    first = cycle_open(user=analyst, code="2027-H1", period_start=datetime.date(2027, 1, 1),
                       period_end=datetime.date(2027, 6, 30), deadline=datetime.date(2027, 7, 15),
                       strategies=[strategy_2022])
    cycle_freeze(cycle=first, user=analyst)
    cycle_open(user=analyst, code="2027-H2", period_start=datetime.date(2027, 7, 1),
               period_end=datetime.date(2027, 12, 31), deadline=datetime.date(2028, 1, 15), strategies=[strategy_2022])
    analyst_client.get(reverse("reporting:cycles"))  # the session and the user's groups, once
    for name, args, query, budget in [
        ("cycles", [], {}, 12),
        ("cycle", ["2027-H2"], {}, 15),
        ("steering_report", ["2027-H1"], {}, 14),
        ("compare", [], {"a": "2027-H1", "b": "2027-H2"}, 14),
    ]:
        with django_assert_max_num_queries(budget):
            assert analyst_client.get(reverse(f"reporting:{name}", args=args), query).status_code == 200
    # An open cycle's report computes only its page's rows, in the order of the whole report's.
    with django_assert_num_queries(18):
        response = analyst_client.get(reverse("reporting:steering_report", args=["2027-H2"]), {"page": "2"})
    from reporting.snapshots import live_rows

    shown = [row["initiative_id"] for area in response.context["report"].areas for row in area.rows]
    everything = [row["initiative_id"] for row in live_rows(Cycle.objects.get(code="2027-H2"))]
    assert shown == (everything[10:20] if size == 30 else everything)  # a page beyond is the last
    assert response.context["report"].lights["total"] == size
    # The steering group's report of a frozen cycle and the comparison of two, pinned: whatever the
    # size and the page, the same queries (a page reads only its own snapshot rows).
    Initiative.objects.filter(strategy=strategy_2022).update(forecast_end=datetime.date(2026, 12, 31))
    cycle_freeze(cycle=Cycle.objects.get(code="2027-H2"), user=analyst)
    for name, args, query, count in [
        ("steering_report", ["2027-H2"], {}, 15),
        ("steering_report", ["2027-H2"], {"strategy": "2022-2025", "page": "2"}, 15),
        ("compare", [], {"a": "2027-H1", "b": "2027-H2", "page": "2"}, 12),
    ]:
        with django_assert_num_queries(count):
            response = analyst_client.get(reverse(f"reporting:{name}", args=args), query)
        assert response.status_code == 200
    # Every forecast moved: page 2 of 30 changes, or the only page of 3 (a page beyond is the last).
    assert len(response.context["changes"]) == (10 if size == 30 else 3)


def test_the_overview_shows_where_the_assessment_is_brighter_than_computed_to_those_who_may_see_it(
    analyst_client, client, outsider, cycle, initiatives, report_of, kobenhavn_coordinator
):
    report_submit(report=report_of(initiatives["kk_late"]), user=kobenhavn_coordinator, assessed="green",
                  rationale="Ny leverandør indhenter det")
    text = analyst_client.get(reverse("home")).content.decode()
    assert "Vurderet bedre end beregnet" in text and "Ny leverandør indhenter det" in text
    client.force_login(outsider)
    assert "Ny leverandør indhenter det" not in client.get(reverse("home")).content.decode()


def test_the_secretariat_reader_reads_every_report_and_exports_but_acts_on_none(
    client, secretariat_reader, cycle, initiatives, report_of, kobenhavn_coordinator
):
    report = report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green",
                           rationale="Alt går efter planen")
    client.force_login(secretariat_reader)
    url = reverse("reporting:report", args=[report.pk])
    assert "Alt går efter planen" in client.get(url).content.decode()
    for action in ("save", "submit", "approve", "accept", "return"):
        assert client.post(url, {"action": action, "return_comment": "x", "assessed": "red"}).status_code == 403
    assert client.get(reverse("reporting:export_csv", args=["2027-H1"])).status_code == 200
    assert client.post(reverse("reporting:freeze", args=["2027-H1"])).status_code == 403
    assert client.get(reverse("admin:reporting_cycle_changelist")).status_code == 200
    freeze = {"action": "freeze", "_selected_action": [cycle.pk]}
    client.post(reverse("admin:reporting_cycle_changelist"), freeze)
    cycle.refresh_from_db()
    report.refresh_from_db()
    assert not cycle.is_frozen and report.state == ReportState.SUBMITTED


def test_a_report_page_records_the_people_it_names_in_the_access_log(
    client, analyst, cycle, initiatives, report_of, kobenhavn_coordinator, kobenhavn_approver
):
    from accesslog.models import PersonalDataAccess, Purpose

    report = report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green")
    report_approve(report=report, user=kobenhavn_approver)
    client.force_login(kobenhavn_approver)
    assert client.get(reverse("reporting:report", args=[report.pk])).status_code == 200
    shown = PersonalDataAccess.objects.filter(viewer_id=kobenhavn_approver.pk, purpose=Purpose.STATUS_REPORT_PEOPLE)
    # The coordinator who submitted it (and is in its history); not the approver, who sees their own name.
    assert set(shown.values_list("subject_id", flat=True)) == {kobenhavn_coordinator.pk}
    client.force_login(analyst)
    client.get(reverse("reporting:report", args=[report.pk]))
    shown = PersonalDataAccess.objects.filter(viewer_id=analyst.pk, purpose=Purpose.STATUS_REPORT_PEOPLE)
    assert set(shown.values_list("subject_id", flat=True)) == {kobenhavn_coordinator.pk, kobenhavn_approver.pk}
