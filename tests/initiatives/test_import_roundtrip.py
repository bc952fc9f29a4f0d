"""Export, edit, import: a coordinator's own export goes back in with only their edits applied.

A coordinator's export also lists what their authority merely takes part in (Aarhus's initiative,
its participants, milestones and dependencies). Those rows go back unchanged and are skipped; a row
of Aarhus's that was edited is refused with its reason, and then nothing is imported.
"""

import csv
import datetime
import io

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from initiatives.models import Dependency, Initiative, Milestone, Participation, Role
from initiatives.services import dependency_add, milestone_add, participation_set
from tests.initiatives.imports import row_errors


@pytest.fixture(autouse=True)
def english(settings):
    """These tests read the English texts; tests/test_language.py checks the Danish default."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def portfolio(kobenhavn, aarhus, region_midtjylland, make_initiative):
    """København leads KK-1; Aarhus leads AA-1, in which København and Region Midtjylland take part."""
    own = make_initiative(kobenhavn, code="KK-1", title_da="Københavns løsning")
    shared = make_initiative(aarhus, code="AA-1", title_da="Aarhus' fælles løsning")
    participation_set(initiative=shared, authority=kobenhavn, role=Role.CONTRIBUTOR)
    participation_set(initiative=shared, authority=region_midtjylland, role=Role.IMPLEMENTER)
    participation_set(initiative=own, authority=aarhus, role=Role.CONTRIBUTOR)
    milestone_add(initiative=own, title_da="Københavns pilot", baseline_date=datetime.date(2025, 1, 1))
    milestone_add(initiative=shared, title_da="Aarhus' pilot", baseline_date=datetime.date(2025, 2, 1))
    dependency_add(source=own, target=shared)
    dependency_add(source=shared, target=make_initiative(region_midtjylland, code="RM-1"))
    return {"own": own, "shared": shared}


def export_csv(client, model: str) -> list[dict]:
    """The admin's export view, CSV, every column: what "Export" downloads."""
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label_lower == f"initiatives.{model}")
    resource = model_admin.resource_classes[0]
    data = {"format": "0", "resource": "0"}
    data.update({f"{resource.__name__.lower()}_{name}": "on" for name in resource().fields})
    response = client.post(reverse(f"admin:initiatives_{model}_export"), data)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def as_csv(rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def preview(client, model: str, rows: list[dict]):
    return client.post(
        reverse(f"admin:initiatives_{model}_import"),
        {"import_file": SimpleUploadedFile(f"{model}.csv", as_csv(rows)), "format": "0", "resource": "0"},
    )


def confirm(client, model: str, response):
    form = response.context["confirm_form"]
    return client.post(reverse(f"admin:initiatives_{model}_process_import"), dict(form.initial))


def import_types(response) -> dict[str, int]:
    return dict(response.context["result"].totals)


@pytest.fixture
def kk(client, kobenhavn_coordinator):
    client.force_login(kobenhavn_coordinator)
    return client


@pytest.mark.parametrize("model", ["initiative", "participation", "milestone", "dependency"])
def test_a_coordinators_own_export_goes_back_in_unchanged_with_every_row_skipped(kk, portfolio, model):
    rows = export_csv(kk, model)
    assert any("AA-1" in row.values() for row in rows)  # Aarhus's records they take part in are listed
    response = preview(kk, model, rows)
    assert response.context.get("confirm_form") is not None, row_errors(response)
    assert import_types(response)["skip"] == len(rows)
    assert confirm(kk, model, response).status_code == 302


def test_the_edited_export_imports_the_coordinators_own_changes(kk, portfolio):
    rows = export_csv(kk, "initiative")
    own = next(row for row in rows if row["code"] == "KK-1")
    own["forecast_end"] = "2026-06-30"
    rows.append({**own, "code": "KK-2", "title_da": "Ny løsning på Amager"})
    response = preview(kk, "initiative", rows)
    assert import_types(response) == {"new": 1, "update": 1, "delete": 0, "skip": len(rows) - 2, "error": 0, "invalid": 0}
    confirm(kk, "initiative", response)
    portfolio["own"].refresh_from_db()
    assert portfolio["own"].forecast_end == datetime.date(2026, 6, 30)
    assert Initiative.objects.get(code="KK-2").title_da == "Ny løsning på Amager"


@pytest.mark.parametrize(
    "model,row_of_aarhus,change,reason",
    [
        ("initiative", {"code": "AA-1"}, {"title_da": "Overtaget"}, "led by Aarhus Municipality"),
        ("participation", {"initiative": "AA-1", "authority": "1082"}, {"role": "consulted"}, "led by Aarhus Municipality"),
        ("milestone", {"initiative": "AA-1"}, {"forecast_date": "2030-01-01"}, "led by Aarhus Municipality"),
        ("dependency", {"initiative": "AA-1"}, {"criticality": "high"}, "led by Aarhus Municipality"),
    ],
)
def test_an_edited_row_of_aarhus_in_the_export_is_refused_and_nothing_is_imported(
    kk, portfolio, model, row_of_aarhus, change, reason
):
    rows = export_csv(kk, model)
    target = next(row for row in rows if all(row[key] == value for key, value in row_of_aarhus.items()))
    target.update(change)
    before = {
        "initiatives": list(Initiative.objects.values_list("pk", "title_da", "forecast_end")),
        "participations": list(Participation.objects.values_list("pk", "role")),
        "milestones": list(Milestone.objects.values_list("pk", "forecast_date")),
        "dependencies": list(Dependency.objects.values_list("pk", "criticality")),
    }
    response = preview(kk, model, rows)
    assert response.context.get("confirm_form") is None
    errors = row_errors(response)
    assert list(errors) == [rows.index(target) + 1]
    assert reason in errors[rows.index(target) + 1]
    assert before == {
        "initiatives": list(Initiative.objects.values_list("pk", "title_da", "forecast_end")),
        "participations": list(Participation.objects.values_list("pk", "role")),
        "milestones": list(Milestone.objects.values_list("pk", "forecast_date")),
        "dependencies": list(Dependency.objects.values_list("pk", "criticality")),
    }


def test_the_secretariats_participation_export_goes_back_in_with_the_lead_rows_skipped(client, analyst, portfolio):
    client.force_login(analyst)
    rows = export_csv(client, "participation")
    assert any(row["role"] == Role.LEAD for row in rows)
    response = preview(client, "participation", rows)
    assert response.context.get("confirm_form") is not None, row_errors(response)
    lead_row = next(row for row in rows if row["role"] == Role.LEAD)
    lead_row["role"] = Role.CONTRIBUTOR
    errors = row_errors(preview(client, "participation", rows))
    assert "lead is set by the initiative" in errors[rows.index(lead_row) + 1]
