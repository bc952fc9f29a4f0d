"""The CSV and Excel exports hold exactly the filtered rows, in the list's order, with its columns."""

import csv
import io

import pytest
from openpyxl import load_workbook

from initiatives.exports import COLUMNS
from summaries.models import InitiativeSummary
from tests.clients import in_english
from tests.dashboard.builders import build_portfolio

IN_2022 = {"strategy": "2022-2025"}
# The session and user, then the rows (read in chunks of a fixed size, whatever their number).
EXPORT_QUERY_BUDGET = 6
ENGLISH_HEADERS = [
    "Code", "Title", "Strategy", "Lead authority", "Level", "Status", "Health", "Forecast start",
    "Forecast end", "Baseline end", "At risk", "Why at risk", "At risk because of initiative",
    "Its lead authority", "Its level", "Depended on by (transitive)", "Illustrative",
]


def read_csv(response) -> list[list[str]]:
    content = b"".join(response.streaming_content)
    assert content.startswith("\ufeff".encode())  # Excel needs the byte-order mark to read æøå
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def read_xlsx(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def list_codes(client, params) -> list[str]:
    """The codes the list page shows for the same parameters (first page)."""
    context = client.get("/initiatives/", params).context
    return [initiative.code for initiative in context["initiatives"]]


def test_the_csv_holds_exactly_the_filtered_rows_in_the_lists_order(analyst_client, portfolio, region_midtjylland):
    params = {**IN_2022, "authority_id": region_midtjylland.pk, "status": "active", "sort": "-code"}

    response = in_english(analyst_client).get("/initiatives/export.csv", params)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="initiatives-' in response["Content-Disposition"]
    rows = read_csv(response)
    assert rows[0] == ENGLISH_HEADERS
    assert [row[0] for row in rows[1:]] == ["M.5", "M.3", "M.2"] == list_codes(analyst_client, params)
    # What puts it at risk: the initiative (with its strategy), its lead authority and level.
    assert rows[1] == ["M.5", "Municipal solution 5", "2022–2025", "City of Copenhagen", "Municipal", "Active",
                       "Green", "", "", "", "Yes", "health is red", "C.1 · 2022–25 Shared data foundation",
                       "Agency for Digital Government", "Central government", "0", "Yes"]


def test_the_csv_is_in_danish_by_default_with_danish_letters_intact(analyst_client, portfolio, digst):
    rows = read_csv(analyst_client.get("/initiatives/export.csv", {**IN_2022, "lead_id": digst.pk}))

    assert len(rows) == 2
    assert rows[1][1] == "Fælles datafundament"
    assert rows[1][8] == "01.12.2024"  # forecast end, as the pages show it (Danish Excel reads it as a date)


def test_the_excel_file_has_the_same_rows_and_columns_as_the_csv(analyst_client, portfolio):
    params = {**IN_2022, "sort": "code"}

    csv_rows = read_csv(in_english(analyst_client).get("/initiatives/export.csv", params))
    response = in_english(analyst_client).get("/initiatives/export.xlsx", params)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    xlsx_rows = read_xlsx(response)
    assert len(xlsx_rows) == len(csv_rows) == 7
    assert xlsx_rows[0] == ENGLISH_HEADERS == [str(column.header) for column in COLUMNS]
    as_text = [["" if value is None else f"{value:%d.%m.%Y}" if hasattr(value, "date") else str(value)
                for value in row] for row in xlsx_rows]
    assert as_text == csv_rows


def test_the_excel_file_has_column_widths_a_frozen_header_and_a_filter(analyst_client, portfolio):
    response = in_english(analyst_client).get("/initiatives/export.xlsx", IN_2022)
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active

    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:Q7"  # every column, the header and the six initiatives
    assert sheet.column_dimensions["B"].width == 50  # the title
    assert all(sheet.column_dimensions[letter].width >= 12 for letter in "ACDEFGHIJKLMNOPQ")
    forecast_end = [cell for cell in sheet["I"][1:] if cell.value is not None]
    assert forecast_end and all(cell.number_format == "dd.mm.yyyy" for cell in forecast_end)


def test_the_export_is_not_limited_to_one_page(analyst_client, strategy_2022, digst, kobenhavn, region_midtjylland):
    build_portfolio(strategy=strategy_2022, size=70, central=digst, municipality=kobenhavn, region=region_midtjylland)

    assert len(read_csv(analyst_client.get("/initiatives/export.csv", {**IN_2022, "page": "2"}))) == 72


def test_an_export_with_no_matching_rows_has_only_the_headers(analyst_client, portfolio):
    rows = read_csv(in_english(analyst_client).get("/initiatives/export.csv", {"q": "nothing like this"}))

    assert rows == [ENGLISH_HEADERS]


def test_text_that_looks_like_a_formula_is_kept_as_text(analyst_client, reference_data, make_initiative, kobenhavn):
    make_initiative(kobenhavn, code="F.1", title_da="=HYPERLINK(\"http://evil\")")

    rows = read_csv(analyst_client.get("/initiatives/export.csv", {"q": "F.1"}))

    assert rows[1][1] == "'=HYPERLINK(\"http://evil\")"


@pytest.mark.parametrize("url", ["/initiatives/export.csv", "/initiatives/export.xlsx"])
def test_a_bad_filter_gives_a_clear_message_instead_of_a_file(analyst_client, portfolio, url):
    response = in_english(analyst_client).get(url, {"forecast_start_before": "yesterday"})

    assert response.status_code == 400
    assert "Forecast start" in response.content.decode()
    assert "The export could not be made" in response.content.decode()


def test_the_export_holds_exactly_the_initiatives_at_risk_because_of_the_chosen_level(
    analyst_client, portfolio, kobenhavn
):
    # M.1's risk comes from a municipality now; the others' from Digitaliseringsstyrelsen.
    InitiativeSummary.objects.filter(initiative=portfolio["dependants"][0]).update(risk_authority=kobenhavn)
    params = {**IN_2022, "at_risk": "true", "risk_level": "central", "sort": "code"}

    csv_rows = read_csv(analyst_client.get("/initiatives/export.csv", params))
    xlsx_rows = read_xlsx(analyst_client.get("/initiatives/export.xlsx", params))

    assert [row[0] for row in csv_rows[1:]] == ["M.2", "M.3", "M.4", "M.5"] == list_codes(analyst_client, params)
    assert [row[0] for row in xlsx_rows[1:]] == ["M.2", "M.3", "M.4", "M.5"]


@pytest.mark.parametrize("size", [3, 60])
@pytest.mark.parametrize("url", ["/initiatives/export.csv", "/initiatives/export.xlsx"])
def test_an_export_runs_a_fixed_number_of_queries(analyst_client, strategy_2022, digst, kobenhavn,
                                                  region_midtjylland, django_assert_max_num_queries, size, url):
    build_portfolio(strategy=strategy_2022, size=size, central=digst, municipality=kobenhavn,
                    region=region_midtjylland)

    with django_assert_max_num_queries(EXPORT_QUERY_BUDGET):
        response = analyst_client.get(url, {**IN_2022, "risk_level": "central", "authority_id": region_midtjylland.pk})
        content = b"".join(response.streaming_content)  # a streamed file queries while it is read

    assert response.status_code == 200
    assert content
