"""export_cycle and diff_cycles: a frozen cycle's CSV never changes; the comparison lists exactly
what changed."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command

from initiatives.models import Status
from initiatives.services import initiative_update
from reporting.models import Track
from reporting.services import (
    cycle_freeze,
    cycle_open,
    rebaseline_request_approve,
    rebaseline_request_create,
    report_submit,
)

pytestmark = pytest.mark.django_db


def export(code: str, tmp_path, name: str, fmt: str = "csv") -> bytes:
    path = tmp_path / name
    call_command("export_cycle", code, "--format", fmt, "--output", str(path), stderr=io.StringIO())
    return path.read_bytes()


@pytest.fixture
def frozen(cycle, initiatives, report_of, kobenhavn_coordinator, analyst):
    report_submit(report=report_of(initiatives["kk_late"]), user=kobenhavn_coordinator, assessed="yellow",
                  rationale="Indhentes med ny leverandør", track=Track.BACK_TO_PLAN, progress="=SUM(A1)")
    report_submit(report=report_of(initiatives["kk_green"]), user=kobenhavn_coordinator, assessed="green")
    return cycle_freeze(cycle=cycle, user=analyst)


def test_the_csv_of_a_frozen_cycle_is_byte_identical_after_edits_a_rebaseline_and_a_recompute(
    frozen, initiatives, kobenhavn_coordinator, analyst, tmp_path
):
    call_command("recompute_summaries", stdout=io.StringIO())
    first = export("2027-H1", tmp_path, "first.csv")
    late = initiatives["kk_late"]
    initiative_update(initiative=late, title_da="Nyt navn", forecast_end=datetime.date(2025, 9, 30),
                      status=Status.PAUSED)
    request = rebaseline_request_create(initiative=late, user=kobenhavn_coordinator, baseline_start=None,
                                        baseline_end=datetime.date(2025, 9, 30), baseline_budget=None, reason="Ny plan")
    rebaseline_request_approve(request=request, user=analyst)
    call_command("recompute_summaries", "--rewrite", stdout=io.StringIO())
    second = export("2027-H1", tmp_path, "second.csv")
    assert second == first
    text = first.decode("utf-8")
    assert text.startswith("\ufeffKode;")
    assert "Indhentes med ny leverandør" in text and "'=SUM(A1)" in text  # formulas never run
    assert "Nyt navn" not in text


def test_the_xlsx_export_has_a_row_per_covered_initiative(frozen, tmp_path):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(export("2027-H1", tmp_path, "cycle.xlsx", "xlsx")))
    sheet = workbook.active
    assert sheet.max_row == 4
    assert [cell.value for cell in sheet[1]][:2] == ["Kode", "Titel"]


def test_an_unknown_cycle_is_an_error_naming_the_cycles(frozen, tmp_path):
    with pytest.raises(CommandError, match="2027-H1"):
        export("2099-H9", tmp_path, "x.csv")


def test_diff_cycles_lists_exactly_the_changed_fields(frozen, initiatives, strategy_2022, kobenhavn,
                                                     kobenhavn_coordinator, analyst, make_initiative):
    late, aa = initiatives["kk_late"], initiatives["aa"]
    initiative_update(initiative=late, forecast_end=datetime.date(2025, 8, 31))
    request = rebaseline_request_create(initiative=late, user=kobenhavn_coordinator, baseline_start=None,
                                        baseline_end=datetime.date(2025, 6, 30), baseline_budget=None,
                                        reason="Ny plan")
    rebaseline_request_approve(request=request, user=analyst)
    initiative_update(initiative=aa, status=Status.CANCELLED)
    added = make_initiative(kobenhavn, code="KK.9", status=Status.PLANNED)
    later = cycle_open(user=analyst, code="2027-H2", period_start=datetime.date(2027, 7, 1),
                       period_end=datetime.date(2027, 12, 31), deadline=datetime.date(2028, 1, 15),
                       strategies=[strategy_2022])
    report_submit(report=later.reports.get(initiative=late), user=kobenhavn_coordinator, assessed="yellow",
                  track=Track.NEW_PLAN)
    report_submit(report=later.reports.get(initiative=initiatives["kk_green"]), user=kobenhavn_coordinator,
                  assessed="green")
    cycle_freeze(cycle=later, user=analyst)

    out = io.StringIO()
    call_command("diff_cycles", "2027-H1", "2027-H2", "--json", stdout=out)
    result = json.loads(out.getvalue())
    by_code = {row["code"].split(" ")[0]: row for row in result["initiatives"]}
    assert set(by_code) == {"KK.2", "AA.1", "KK.9"}  # KK.1 did not change
    assert by_code["KK.2"] == {
        "initiative_id": late.pk, "code": late.code_with_strategy, "title": late.title_da, "change": "changed",
        "fields": {
            "forecast_end": {"from": "2025-05-31", "to": "2025-08-31", "days": 92},
            "baseline_version": {"from": 1, "to": 2},
            "track": {"from": "back_to_plan", "to": "new_plan"},
        },
    }
    assert (by_code["AA.1"]["change"], by_code["AA.1"]["fields"]) == ("cancelled", {})
    assert (by_code["KK.9"]["change"], by_code["KK.9"]["initiative_id"]) == ("added", added.pk)

    text = io.StringIO()
    call_command("diff_cycles", "2027-H1", "2027-H2", stdout=text)
    assert "  forecast_end: 2025-05-31 → 2025-08-31 (+92 days)" in text.getvalue()


def test_a_draft_in_the_later_cycle_is_not_a_change_of_assessment(frozen, strategy_2022, analyst):
    from reporting.comparison import compare_cycles

    later = cycle_open(user=analyst, code="2027-H2", period_start=datetime.date(2027, 7, 1),
                       period_end=datetime.date(2027, 12, 31), deadline=datetime.date(2028, 1, 15),
                       strategies=[strategy_2022])
    assert compare_cycles(frozen, later) == []
