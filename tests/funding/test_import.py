"""Funding from a spreadsheet in the admin: one row per initiative, year and party; the rows of a year
are checked together (the shares add up to the year's budget, funding.services), refusals name the
line and the column, nothing is saved unless every row is right, and a coordinator imports and
exports only what their authority may."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from funding.models import FundingShare, FundingYear, Party
from funding.services import ShareInput, funding_year_set
from initiatives.models import Role
from initiatives.services import participation_set
from tests.initiatives.imports import confirm, upload

D = Decimal
HEADER = "strategy,code,year,party,ministry,year_budget,budget,actual\n"
SECRET = "987654321.55"


def import_funding(client, content: str, name: str = "funding.csv"):
    return upload(client, "fundingshare", content.encode(), name, app="funding")


def field_errors(preview) -> dict[int, dict[str, str]]:
    """Line → column → the messages shown for it."""
    result = preview.context["result"]
    errors = {row.number: {column: " ".join(str(m) for m in messages) for column, messages in row.error_dict.items()}
              for row in result.invalid_rows}
    for number, row_errors_ in result.row_errors():
        errors.setdefault(number, {})["row"] = " ".join(str(error.error) for error in row_errors_)
    return errors


def splits(initiative) -> dict:
    return {(s.funding_year.year, s.party): (s.funding_year.budget, s.budget, s.actual)
            for s in FundingShare.objects.filter(funding_year__initiative=initiative).select_related("funding_year")}


@pytest.fixture
def kk(kk_in_english):
    return kk_in_english


@pytest.fixture
def own(make_initiative, kobenhavn):
    return make_initiative(kobenhavn, code="KK.1")


@pytest.fixture
def aarhus_funded(make_initiative, aarhus, kobenhavn):
    """Aarhus's initiative, in which København takes part (so its coordinator sees its funding)."""
    initiative = make_initiative(aarhus, code="AA.1")
    participation_set(initiative=initiative, authority=kobenhavn, role=Role.CONTRIBUTOR)
    funding_year_set(initiative=initiative, year=2024, budget=D(SECRET), shares=[ShareInput(Party.KL, D(SECRET))])
    return initiative


def test_a_coordinator_imports_the_split_of_each_year_to_the_øre_with_its_history(kk, own, digst):
    content = HEADER + (
        "2022-2025,KK.1,2023,state,Digitaliseringsstyrelsen,\"1.000.000,50\",\"600.000,25\",\"100.000\"\n"
        "2022-2025,KK.1,2023,KL,,\"1.000.000,50\",\"400.000,25\",\n"
        "2022-2025,KK.1,2024,Danske Regioner,,250000.10,250000.10,0\n"
    )
    preview = import_funding(kk, content)
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert not FundingYear.objects.exists()  # the preview saves nothing
    confirm(kk, "fundingshare", preview, app="funding")

    assert splits(own) == {
        (2023, "state"): (D("1000000.50"), D("600000.25"), D("100000.00")),
        (2023, "kl"): (D("1000000.50"), D("400000.25"), None),
        (2024, "regions"): (D("250000.10"), D("250000.10"), D("0.00")),
    }
    assert FundingShare.objects.get(party="state").ministry == digst
    latest = FundingShare.history.filter(party="kl").latest("history_date")
    assert latest.history_change_reason == "Imported from funding.csv"
    assert latest.history_user.username == "kk-coordinator"
    assert [r.history_change_reason for r in FundingYear.history.filter(year=2023)] == ["Imported from funding.csv"]


@pytest.mark.parametrize(("rows", "line", "column", "message"), [
    ("2022-2025,KK.1,2023,state,,100.00,60.00,\n2022-2025,KK.1,2023,kl,,100.00,39.99,\n",
     1, "year_budget", "add up to DKK 99.99, not to the year's budget of DKK 100.00"),
    ("2022-2025,KK.1,2023,state,,100,-100,\n", 1, "budget", "An amount cannot be negative."),
    ("2022-2025,KK.1,2023,state,,100,100,\"1.000,125\"\n", 1, "actual", "no more than 2 decimal places"),
    ("2022-2025,KK.1,2023,ministry of magic,,100,100,\n", 1, "party", "is not one of: state, kl, regions, other"),
    ("2022-2025,KK.1,2027,state,,100,100,\n", 1, "year", "2027 is outside the strategy 2022-2025 (2022–2025)"),
    ("2022-2025,KK.1,2023,kl,Digitaliseringsstyrelsen,100,100,\n", 1, "row", "Only the state's share"),
    ("2022-2025,KK.1,2023,state,,100,60,\n2022-2025,KK.1,2023,kl,,101,40,\n",
     2, "year_budget", "give different budgets for the year"),
    ("2022-2025,KK.1,2023,state,,=1+2,100,\n", 1, "year_budget", "is not an amount in kroner"),
])
def test_a_bad_row_is_refused_naming_its_line_and_column_and_nothing_is_saved(kk, own, rows, line, column, message):
    preview = import_funding(kk, HEADER + "2022-2025,KK.1,2025,state,,5,5,\n" + rows)
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None  # nothing to confirm
    errors = field_errors(preview)
    shown = errors.get(line + 1, {})  # the file's first row is a good one
    assert message in shown.get(column, "") or (column == "row" and message in " ".join(shown.values())), errors
    assert 1 not in errors
    assert not FundingYear.objects.exists()


def test_a_forged_row_for_another_authoritys_initiative_refuses_the_whole_file_and_shows_nothing(kk, own, aarhus_funded):
    content = HEADER + "2022-2025,KK.1,2023,state,,100,100,\n2022-2025,AA.1,2024,kl,,5,5,\n"
    preview = import_funding(kk, content)
    assert preview.context.get("confirm_form") is None
    assert "you can import funding only of initiatives your authority leads" in field_errors(preview)[2]["code"]
    page = preview.content.decode()
    assert "987654321" not in page and "987,654,321" not in page
    assert not FundingYear.objects.filter(initiative=own).exists()
    assert splits(aarhus_funded) == {(2024, "kl"): (D(SECRET), D(SECRET), None)}


def test_a_row_for_an_initiative_the_coordinator_cannot_see_is_answered_as_unknown(kk, own, make_initiative, aarhus):
    hidden = make_initiative(aarhus, code="AA.9")
    funding_year_set(initiative=hidden, year=2024, budget=D(SECRET), shares=[ShareInput(Party.KL, D(SECRET))])
    preview = import_funding(kk, HEADER + "2022-2025,AA.9,2024,kl,,1,1,\n")
    assert "No initiative AA.9" in field_errors(preview)[1]["code"]
    assert "987654321" not in preview.content.decode()


def test_the_coordinators_export_lists_what_they_see_and_goes_back_in_unchanged(kk, own, aarhus_funded, make_initiative,
                                                                               digst):
    funding_year_set(initiative=own, year=2023, budget=D("10.50"), shares=[ShareInput(Party.STATE, D("10.50"))])
    unseen = make_initiative(digst, code="DG.1")
    funding_year_set(initiative=unseen, year=2023, budget=D("7.00"), shares=[ShareInput(Party.STATE, D("7.00"))])
    data = {"format": "0", "resource": "0"}
    data.update({f"fundingshareresource_{name}": "on" for name in
                 ("strategy", "code", "year", "party", "ministry", "year_budget", "budget", "actual")})
    response = kk.post(reverse("admin:funding_fundingshare_export"), data)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(row["code"], row["year"], row["year_budget"], row["budget"]) for row in rows] == [
        ("AA.1", "2024", SECRET, SECRET), ("KK.1", "2023", "10.50", "10.50")]

    changelist = kk.get(reverse("admin:funding_fundingshare_changelist")).content.decode()
    assert "AA.1 · 2022–25" in changelist and "DG.1" not in changelist
    assert kk.get(reverse("admin:funding_fundingshare_import")).status_code == 200

    preview = import_funding(kk, response.content.decode("utf-8-sig"), "export.csv")
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert [row.import_type for row in preview.context["result"].rows] == ["skip", "skip"]


def test_a_workbook_with_numbers_for_amounts_and_years_is_read_exactly(kk, own):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["2022-2025", "KK.1", 2023, "Staten", None, 1000000.5, 999999.51, None])
    sheet.append(["2022-2025", "KK.1", 2023.0, "Andre", None, 1000000.5, 0.99, 0.5])
    out = io.BytesIO()
    workbook.save(out)
    preview = upload(kk, "fundingshare", out.getvalue(), "funding.xlsx", "1", app="funding")
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    confirm(kk, "fundingshare", preview, app="funding")
    assert splits(own) == {(2023, "state"): (D("1000000.50"), D("999999.51"), None),
                           (2023, "other"): (D("1000000.50"), D("0.99"), D("0.50"))}


def test_the_refusals_are_in_danish_by_default(client, kobenhavn_coordinator, own):
    client.force_login(kobenhavn_coordinator)
    preview = import_funding(client, HEADER + "2022-2025,KK.1,2027,Staten,,\"1.000,50\",\"1.000,50\",\n")
    assert "2027 ligger uden for strategien 2022-2025 (2022–2025)." in field_errors(preview)[1]["year"]
