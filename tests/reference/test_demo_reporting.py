"""The demo's reporting cycles: a frozen 2026-H1, an open 2026-H2 with something on every page."""

import datetime

from django.contrib.auth.models import User
from django.urls import reverse

from reporting.models import CycleSnapshot, RebaselineRequest, ReportState, StatusReport


def test_the_demo_has_a_frozen_and_an_open_cycle_with_reports_in_every_state(demo):
    assert "2026-H1 (frozen) and 2026-H2 (open)" in demo and "kk-approver" in demo
    first = StatusReport.objects.filter(cycle__code="2026-H1").first().cycle
    second = StatusReport.objects.filter(cycle__code="2026-H2").first().cycle
    assert first.is_frozen and CycleSnapshot.objects.filter(cycle=first).count() == first.reports.count() > 20
    assert not second.is_frozen and second.deadline > datetime.date(2026, 11, 1)
    states = set(second.reports.values_list("state", flat=True))
    assert states == set(ReportState.values)
    assert RebaselineRequest.objects.filter(state="pending").exists()
    assert RebaselineRequest.objects.filter(state="approved").exists()
    assert second.reports.filter(assessed="green", computed_overall__in=["yellow", "red"]).exclude(rationale="").exists() \
        or second.reports.filter(assessed="yellow", computed_overall="red").exclude(rationale="").exists()
    snapshot = CycleSnapshot.objects.filter(cycle=first).first()
    assert snapshot.data["interdependencies"] is not None  # figures computed before freezing
    assert all("(illustrativ)" in text for text in second.reports.exclude(progress="").values_list("progress", flat=True))


def test_the_demo_cycle_pages_show_owing_authorities_and_changes(demo, client):
    client.force_login(User.objects.get(username="analyst"))
    page = client.get(reverse("reporting:cycle", args=["2026-H2"]))
    assert page.status_code == 200 and page.context["detail"].overdue
    report = client.get(reverse("reporting:steering_report", args=["2026-H1"]))
    assert report.status_code == 200
    compare = client.get(reverse("reporting:compare"), {"a": "2026-H1", "b": "2026-H2"})
    kinds = {change.kind for change in compare.context["changes"]}
    assert "changed" in kinds
