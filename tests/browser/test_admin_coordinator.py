"""The coordinators' admin in a real browser (Debian's Chromium through Playwright), as the
coordinator for Københavns Kommune: log in through the admin's form, maintain København's
initiatives and milestones, and round-trip a spreadsheet (export, edit, import), while Aarhus's
records stay out of reach."""

import csv
import io

import pytest

from initiatives.models import Initiative, Milestone
from tests.browser.conftest import COORDINATOR

pytestmark = pytest.mark.browser

def message(page) -> str:
    return page.locator(".messagelist").inner_text()


def test_kobenhavn_maintains_its_initiatives_and_milestones(coordinator_page, browser_portfolio):
    page = coordinator_page
    own = Initiative.objects.get(code="B.4")
    page.goto(f"{page.base_url}/admin/initiatives/initiative/")
    listed = page.locator("#result_list tbody th a").all_inner_texts()
    # Codes with their strategy; B.3 is Aarhus's.
    assert "B.4 · 2022–25" in listed and "B.2 · 2022–25" in listed and "B.3 · 2022–25" not in listed

    page.locator("#result_list tbody th a", has_text="B.4 · 2022–25").click()
    page.fill("#id_forecast_end", "2025-03-31")
    page.click("#milestones-group .add-row a")
    page.fill("#id_milestones-0-title_da", "Træregistret åbner")
    page.fill("#id_milestones-0-baseline_date", "2025-02-01")
    page.click("input[name=_continue]")
    assert "blev ændret" in message(page)
    own.refresh_from_db()
    assert str(own.forecast_end) == "2025-03-31"
    assert own.history.first().history_user.username == COORDINATOR

    page.goto(f"{page.base_url}/admin/initiatives/milestone/?q=Træregistret")
    page.click("#result_list tbody th a")
    page.fill("#id_done_on", "2025-02-03")
    page.click("input[name=_save]")
    assert "blev ændret" in message(page)
    assert str(Milestone.objects.get(title_da="Træregistret åbner").done_on) == "2025-02-03"
    assert page.console_errors == []


def test_aarhus_initiative_typed_by_hand_is_not_found(coordinator_page, browser_portfolio):
    page = coordinator_page
    aarhus_initiative = browser_portfolio["downstream"]
    response = page.goto(f"{page.base_url}/admin/initiatives/initiative/{aarhus_initiative.pk}/change/")
    assert response.status == 404
    assert aarhus_initiative.title_da not in page.content()


def download_export(page, model: str) -> list[dict]:
    page.goto(f"{page.base_url}/admin/initiatives/{model}/")
    page.click(".object-tools a.export_link")
    page.select_option("select[name=format]", label="csv")
    with page.expect_download() as download_info:
        page.click("#content form [type=submit]")
    with open(download_info.value.path(), encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def as_danish_excel_csv(rows: list[dict]) -> bytes:
    """What Danish Excel writes as "CSV (semikolonsepareret)": cp1252 with semicolons."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("cp1252")


def upload(page, model: str, tmp_path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    page.goto(f"{page.base_url}/admin/initiatives/{model}/import/")
    page.set_input_files("input[name=import_file]", str(path))
    page.select_option("select[name=format]", label="csv")
    with page.expect_navigation():
        page.click("#content form [type=submit]")


def test_kobenhavn_exports_edits_and_imports_its_initiatives(coordinator_page, browser_portfolio, tmp_path):
    page = coordinator_page
    rows = download_export(page, "initiative")
    assert {row["code"] for row in rows} == {"B.2", "B.4"}  # led by København; B.2 also has participants
    for row in rows:
        if row["code"] == "B.4":
            row["title_da"] = "Åbne data om byens træer og parker"
    rows.append({**rows[0], "code": "B.5", "title_da": "Cykelstier på Østerbro", "title_en": ""})

    upload(page, "initiative", tmp_path, "initiativer.csv", as_danish_excel_csv(rows))
    assert page.locator("text=Herunder ses en forhåndsvisning").is_visible()
    assert not Initiative.objects.filter(code="B.5").exists()  # the preview saved nothing
    # What changes is highlighted (by class: the Content-Security-Policy blocks inline styles).
    assert page.locator("ins.import-diff-ins", has_text="og parker").is_visible()
    with page.expect_navigation():
        page.click("#content form [type=submit]:has-text('Bekræft import')")
    assert "1 nye, 1 opdaterede" in message(page)
    assert Initiative.objects.get(code="B.4").title_da == "Åbne data om byens træer og parker"
    created = Initiative.objects.get(code="B.5")
    assert created.title_da == "Cykelstier på Østerbro" and created.lead.code == "0101"
    assert created.history.first().history_change_reason == "Importeret fra initiativer.csv"
    assert page.console_errors == []


def test_a_file_with_a_row_for_aarhus_lists_the_row_and_imports_nothing(coordinator_page, browser_portfolio, tmp_path):
    page = coordinator_page
    rows = download_export(page, "initiative")
    rows.append({**rows[0], "code": "B.3", "title_da": "Overtaget", "lead": "0751"})  # Aarhus's initiative
    rows.append({**rows[0], "code": "B.6", "title_da": "Ny", "baseline_start": "2025-12-31", "baseline_end": "2025-01-01"})
    upload(page, "initiative", tmp_path, "forkert.csv", as_danish_excel_csv(rows))
    errors = page.locator("table.import-errors tbody tr")
    assert errors.count() == 2
    # Aarhus's initiative is not one København may see: refused without a word of what it holds.
    refused = errors.nth(0).inner_text()
    assert "du ikke kan se" in refused and "Aarhus Kommune" not in refused
    assert "slut" in errors.nth(1).inner_text().lower()
    assert page.locator("text=Bekræft import").count() == 0
    assert Initiative.objects.get(code="B.3").title_da == "Sammenhængende forløb for ældre"
    assert not Initiative.objects.filter(code="B.6").exists()
