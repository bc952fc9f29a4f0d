"""A status report lists its initiative's open risks from the risk register: as of now while the cycle
is open, as they were once it is frozen; in a fixed number of queries."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.services import agreement_decline, agreement_request
from initiatives.services import dependency_add
from reporting.services import cycle_freeze
from risks.models import Risk, RiskStatus
from risks.services import risk_save
from tests.clients import in_english

pytestmark = pytest.mark.django_db

HOSTILE = "<b>Leverandør</b> går konkurs"


@pytest.fixture
def risks(initiatives, kobenhavn, aarhus, kobenhavn_coordinator, aarhus_coordinator):
    """København's green initiative: a risk escalated by Aarhus declining the agreement it depends on,
    a plain one, and a closed one; Aarhus's initiative a risk of its own."""
    ours, theirs = initiatives["kk_green"], initiatives["aa"]
    agreement = agreement_request(dependency=dependency_add(source=ours, target=theirs), user=kobenhavn_coordinator,
                                  needed_by=timezone.localdate() + datetime.timedelta(days=30), what_needed="Data")
    escalated = risk_save(risk=Risk(initiative=ours), user=kobenhavn_coordinator, title="Data kommer for sent",
                          probability=2, impact=4, owner=kobenhavn, agreement=agreement,
                          review_date=datetime.date(2027, 3, 1))
    agreement_decline(agreement=agreement, user=aarhus_coordinator, reason="Ingen kapacitet")
    from risks.services import risks_escalate

    risks_escalate(agreement_ids=[agreement.pk])
    plain = risk_save(risk=Risk(initiative=ours), user=kobenhavn_coordinator, title=HOSTILE, probability=3,
                      impact=2, owner=kobenhavn, status=RiskStatus.MITIGATING)
    risk_save(risk=Risk(initiative=ours), user=kobenhavn_coordinator, title="Lukket risiko", probability=1, impact=1,
              owner=kobenhavn, status=RiskStatus.CLOSED)
    risk_save(risk=Risk(initiative=theirs), user=aarhus_coordinator, title="Aarhus' egen", probability=1, impact=1,
              owner=aarhus)
    return escalated, plain


def report_page(client, report):
    response = client.get(reverse("reporting:report", args=[report.pk]))
    assert response.status_code == 200
    return response.content.decode()


def risks_section(page: str) -> str:
    return page.split('id="risks-heading"')[1].split("</section>")[0]


def test_a_report_lists_its_initiatives_open_risks_highest_score_first(
    client, cycle, initiatives, report_of, risks, kobenhavn_coordinator, kobenhavn_approver
):
    client.force_login(kobenhavn_coordinator)
    section = risks_section(report_page(client, report_of(initiatives["kk_green"])))
    assert "Åbne risici i risikoregistret (2)" in section
    assert section.index("Data kommer for sent") < section.index("&lt;b&gt;Leverandør&lt;/b&gt; går konkurs")
    assert "5 × 4 = <strong>20</strong>" in section and "vurderet sandsynlighed 2" in section
    assert "3 × 2 = <strong>6</strong>" in section and "Under afbødning" in section
    assert "Eskaleret: afhængighedsaftalen svigter" in section and "1. marts 2027" in section
    assert "Lukket risiko" not in section and "Aarhus' egen" not in section and "<b>" not in section
    # The approver reads the report, its risks included; in English on request.
    client.force_login(kobenhavn_approver)
    section = risks_section(report_page(in_english(client), report_of(initiatives["kk_green"])))
    assert "Open risks in the risk register (2)" in section and "Escalated: its dependency agreement is failing" in section
    assert "City of Copenhagen" in section and "Being mitigated" in section
    # A report without risks says so.
    client.force_login(kobenhavn_coordinator)
    assert "has no open risks" in risks_section(report_page(in_english(client), report_of(initiatives["kk_late"])))


def test_a_frozen_report_lists_the_risks_as_they_were_when_the_cycle_was_frozen(
    client, cycle, initiatives, report_of, risks, analyst, kobenhavn_coordinator, kobenhavn
):
    escalated, plain = risks
    cycle_freeze(cycle=cycle, user=analyst)
    risk_save(risk=plain, user=kobenhavn_coordinator, status=RiskStatus.CLOSED)
    risk_save(risk=escalated, user=kobenhavn_coordinator, title="Omdøbt efter frysning")
    risk_save(risk=Risk(initiative=initiatives["kk_green"]), user=kobenhavn_coordinator, title="Ny efter frysning",
              probability=5, impact=5, owner=kobenhavn)
    client.force_login(kobenhavn_coordinator)
    section = risks_section(report_page(client, report_of(initiatives["kk_green"])))
    assert "Åbne risici i risikoregistret (2)" in section and "Som de var, da runden blev frosset." in section
    assert "Data kommer for sent" in section and "Leverandør" in section
    assert "Omdøbt" not in section and "Ny efter frysning" not in section


@pytest.mark.parametrize("extra", [0, 12])
def test_the_report_page_runs_a_fixed_number_of_queries_open_and_frozen(
    client, cycle, initiatives, report_of, risks, analyst, kobenhavn_coordinator, kobenhavn, extra,
    django_assert_num_queries,
):
    for n in range(extra):
        risk_save(risk=Risk(initiative=initiatives["kk_green"]), user=kobenhavn_coordinator, title=f"Risiko {n}",
                  probability=1 + n % 5, impact=2, owner=kobenhavn)
    report = report_of(initiatives["kk_green"])
    client.force_login(kobenhavn_coordinator)
    url = reverse("reporting:report", args=[report.pk])
    client.get(url)  # the session and the user's roles, once
    with django_assert_num_queries(12):
        assert client.get(url).status_code == 200
    cycle_freeze(cycle=cycle, user=analyst)
    with django_assert_num_queries(12):
        response = client.get(url)
    assert response.content.decode().count("<th scope=\"row\">") >= 2 + extra


def export_rows(client, code: str) -> dict[str, dict[str, str]]:
    """The cycle's CSV as the secretariat downloads it: each row by its code, each cell by its header."""
    import csv
    import io

    response = client.get(reverse("reporting:export_csv", args=[code]))
    assert response.status_code == 200
    reader = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";")
    return {row["Kode"]: row for row in reader}


def test_the_cycles_export_lists_each_initiatives_open_risks_as_of_now_and_as_frozen(
    client, cycle, initiatives, risks, analyst, kobenhavn_coordinator, kobenhavn
):
    escalated, plain = risks
    client.force_login(analyst)
    green, late = initiatives["kk_green"].code_with_strategy, initiatives["kk_late"].code_with_strategy
    rows = export_rows(client, cycle.code)
    assert rows[green]["Åbne risici i registret"] == "2"
    assert rows[green]["Åbne risici (score, titel, ejer)"] == (
        "20 Data kommer for sent (Københavns Kommune, eskaleret); 6 <b>Leverandør</b> går konkurs (Københavns Kommune)")
    assert rows[late]["Åbne risici i registret"] == "0" and rows[late]["Åbne risici (score, titel, ejer)"] == ""

    cycle_freeze(cycle=cycle, user=analyst)
    risk_save(risk=plain, user=kobenhavn_coordinator, status=RiskStatus.CLOSED)
    risk_save(risk=Risk(initiative=initiatives["kk_green"]), user=kobenhavn_coordinator, title="=HYPERLINK(\"x\")",
              probability=5, impact=5, owner=kobenhavn)
    frozen = export_rows(client, cycle.code)[green]
    assert frozen["Åbne risici i registret"] == "2" and "HYPERLINK" not in frozen["Åbne risici (score, titel, ejer)"]
    assert "Leverandør" in frozen["Åbne risici (score, titel, ejer)"]


def test_a_risk_title_cannot_become_a_formula_in_the_export(client, cycle, initiatives, analyst, kobenhavn,
                                                            kobenhavn_coordinator):
    risk_save(risk=Risk(initiative=initiatives["kk_late"]), user=kobenhavn_coordinator, title="=1+1",
              probability=5, impact=5, owner=kobenhavn)
    client.force_login(analyst)
    # The cell starts with the score, never with the title; still written safely.
    cell = export_rows(client, cycle.code)[initiatives["kk_late"].code_with_strategy]["Åbne risici (score, titel, ejer)"]
    assert cell == "25 =1+1 (Københavns Kommune)"
