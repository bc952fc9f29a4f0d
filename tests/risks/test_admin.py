"""The risk register in the admin, path by path, as the coordinator for Københavns Kommune against
Aarhus Kommune's risks (refused: 403/404, or absent), and the import and export: preview, all or
nothing, each refusal naming its line and column, only visible rows out, no live formulas."""

import csv
import io

import pytest
from django.urls import reverse

from agreements import services as agreements
from initiatives.models import Role
from initiatives.services import participation_set
from risks.models import Risk, RiskStatus
from tests.clients import change_form_data
from tests.funding.test_import import field_errors
from tests.initiatives.imports import confirm, upload
from tests.initiatives.test_admin_scoping import export_form_data

REFUSED = {403, 404}
HEADER = "strategy,initiative,title,description,probability,impact,owner,mitigation,review_date,status,agreement\n"
SECRET = "Aarhus' hemmelige risiko"


def url(name, *args):
    return reverse(f"admin:risks_risk_{name}", args=args)


@pytest.fixture
def kk(client, kobenhavn_coordinator, english):
    client.force_login(kobenhavn_coordinator)
    return client


@pytest.fixture
def records(make_initiative, make_risk, kobenhavn, aarhus):
    own = make_initiative(kobenhavn, code="KK.1")
    foreign = make_initiative(aarhus, code="AA.1")
    shared = make_initiative(aarhus, code="AA.2")
    participation_set(initiative=shared, authority=kobenhavn, role=Role.CONTRIBUTOR)
    return {
        "own": own, "foreign": foreign, "shared": shared,
        "own_risk": make_risk(own, title="KK risiko", probability=2, impact=2),
        "foreign_risk": make_risk(foreign, title=SECRET, probability=5, impact=5),
        "shared_risk": make_risk(shared, title="Fælles risiko", probability=1, impact=1),
    }


def test_the_changelist_shows_only_risks_of_initiatives_the_coordinator_sees(kk, records):
    response = kk.get(url("changelist"))
    assert response.status_code == 200
    assert {risk.title for risk in response.context["cl"].result_list} == {"KK risiko", "Fælles risiko"}
    assert SECRET not in response.content.decode()


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_an_aarhus_risk_typed_by_hand_is_refused(kk, records, view):
    assert kk.get(url(view, records["foreign_risk"].pk)).status_code in REFUSED
    assert kk.get(url(view, 99999999999999999999)).status_code in REFUSED
    assert Risk.objects.filter(title=SECRET).exists()


def test_a_risk_seen_but_not_led_opens_read_only_and_a_post_changes_nothing(kk, records):
    response = kk.get(url("change", records["shared_risk"].pk))
    assert response.status_code == 200 and "Save" not in response.content.decode()
    assert kk.post(url("change", records["shared_risk"].pk), {"title": "Changed"}).status_code == 403
    records["shared_risk"].refresh_from_db()
    assert records["shared_risk"].title == "Fælles risiko"


def test_the_coordinator_changes_their_risk_through_the_service(kk, records, kobenhavn_coordinator):
    risk = records["own_risk"]
    opened = kk.get(url("change", risk.pk))
    response = kk.post(url("change", risk.pk), change_form_data(opened, probability="4", status=RiskStatus.MITIGATING))
    assert response.status_code == 302, response.context["adminform"].form.errors
    risk.refresh_from_db()
    assert (risk.probability, risk.score, risk.status) == (4, 8, RiskStatus.MITIGATING)
    assert risk.history.first().history_user == kobenhavn_coordinator


def test_a_probability_of_7_is_refused_in_the_admin_and_nothing_saved(kk, records):
    risk = records["own_risk"]
    opened = kk.get(url("change", risk.pk))
    response = kk.post(url("change", risk.pk), change_form_data(opened, probability="7", title="Changed"))
    assert response.status_code == 200
    assert "probability" in response.context["adminform"].form.errors
    risk.refresh_from_db()
    assert (risk.probability, risk.title) == (2, "KK risiko")


@pytest.mark.parametrize("forged", ["foreign", "shared_owner", "agreement"])
def test_the_add_form_refuses_forged_initiatives_owners_and_agreements(kk, records, aarhus, kobenhavn, forged,
                                                                      cross_dependency, kobenhavn_coordinator, today):
    data = {"initiative": records["own"].pk, "title": "Forged", "probability": "1", "impact": "1",
            "owner": kobenhavn.pk, "status": "open"}
    if forged == "foreign":
        data["initiative"] = records["foreign"].pk
    elif forged == "shared_owner":  # on an initiative København only takes part in, owned by Aarhus
        data.update(initiative=records["shared"].pk, owner=aarhus.pk)
    else:
        agreement = agreements.agreement_request(dependency=cross_dependency, user=kobenhavn_coordinator,
                                                 needed_by=today, what_needed="x")
        data["agreement"] = agreement.pk  # not offered on the add form: ignored, never linked
    response = kk.post(url("add"), data)
    if forged == "agreement":
        assert not Risk.objects.filter(agreement__isnull=False).exists()
        return
    assert response.status_code == 200 and response.context["adminform"].form.errors
    assert not Risk.objects.filter(title="Forged").exists()


def test_the_change_form_offers_only_this_initiatives_agreements(kk, cross_dependency, kobenhavn_coordinator,
                                                                  make_risk, today):
    agreement = agreements.agreement_request(dependency=cross_dependency, user=kobenhavn_coordinator,
                                             needed_by=today, what_needed="x")
    risk = make_risk(cross_dependency.source)
    form = kk.get(url("change", risk.pk)).context["adminform"].form
    assert list(form.fields["agreement"].queryset) == [agreement]


def test_the_initiative_autocomplete_offers_only_initiatives_the_coordinator_sees(kk, records):
    response = kk.get(reverse("admin:autocomplete"), {"app_label": "risks", "model_name": "risk",
                                                      "field_name": "initiative", "term": ""})
    assert response.status_code == 200
    ids = {int(result["id"]) for result in response.json()["results"]}
    assert ids == {records["own"].pk, records["shared"].pk}


# --- Export and import ---------------------------------------------------------------------------------


def export(client) -> str:
    response = client.post(url("export"), export_form_data("risks_risk"))
    assert response.status_code == 200
    return response.content.decode("utf-8-sig")


def import_risks(client, content: str, name: str = "risks.csv"):
    return upload(client, "risk", content.encode(), name, app="risks")


def test_the_export_lists_only_visible_risks_with_formulas_as_text_and_goes_back_in_unchanged(
    kk, records, make_risk
):
    make_risk(records["own"], title="=HYPERLINK(\"x\")")
    text = export(kk)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["title"] for row in rows) == ["'=HYPERLINK(\"x\")", "Fælles risiko", "KK risiko"]
    assert SECRET not in text
    preview = import_risks(kk, text, "export.csv")
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert {row.import_type for row in preview.context["result"].rows} == {"skip"}


def test_a_coordinator_imports_risks_through_the_service(kk, records, kobenhavn_coordinator):
    content = HEADER + (
        "2022-2025,KK.1,Leverandør forsinket,,3,4,0101,Ugentlig opfølgning,2025-03-01,åben,\n"
        "2022-2025,KK.1,KK risiko,,5,2,0101,,,mitigating,\n"
    )
    preview = import_risks(kk, content)
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert not Risk.objects.filter(title="Leverandør forsinket").exists()  # the preview saves nothing
    confirm(kk, "risk", preview, app="risks")
    new = Risk.objects.get(title="Leverandør forsinket")
    assert (new.score, new.status, new.history.first().history_user) == (12, RiskStatus.OPEN, kobenhavn_coordinator)
    changed = Risk.objects.get(pk=records["own_risk"].pk)
    assert (changed.score, changed.status) == (10, RiskStatus.MITIGATING)
    assert changed.history.first().history_change_reason == "Imported from risks.csv"


@pytest.mark.parametrize(("row", "column", "message"), [
    ("Ny,,7,4,0101,,,open,", "probability", "The probability is a number from 1 to 5, not “7”."),
    ("Ny,,3,x,0101,,,open,", "impact", "The impact is a number from 1 to 5"),
    ("Ny,,3,3,Ministeriet for magi,,,open,", "owner", "Unknown authority"),
    ("Ny,,3,3,0101,,i går,open,", "review_date", "is not a date"),
    ("Ny,,3,3,0101,,,maybe,", "status", "is not one of"),
    ("Ny,,3,3,0101,,,open,99999999", "agreement", "No dependency agreement number"),
])
def test_a_bad_row_is_refused_naming_its_line_and_column_and_nothing_is_saved(kk, records, row, column, message):
    content = HEADER + "2022-2025,KK.1,God,,1,1,0101,,,open,\n" + "2022-2025,KK.1," + row + "\n"
    preview = import_risks(kk, content)
    assert preview.context.get("confirm_form") is None
    errors = field_errors(preview)
    assert message in errors[2].get(column, ""), errors  # the second row of data
    assert 1 not in errors
    assert not Risk.objects.filter(title__in=["God", "Ny"]).exists()


def test_an_agreement_of_another_initiative_is_refused_naming_the_column(kk, records, kobenhavn_coordinator,
                                                                          cross_dependency, today):
    agreement = agreements.agreement_request(dependency=cross_dependency, user=kobenhavn_coordinator,
                                             needed_by=today, what_needed="x")
    preview = import_risks(kk, HEADER + f"2022-2025,KK.1,Ny,,1,1,0101,,,open,{agreement.pk}\n")
    assert "this initiative's own dependencies" in field_errors(preview)[1]["agreement"]
    assert not Risk.objects.filter(title="Ny").exists()


def test_a_forged_row_for_another_authoritys_risk_refuses_the_file_and_shows_nothing(kk, records):
    content = HEADER + (
        "2022-2025,KK.1,God,,1,1,0101,,,open,\n"
        f"2022-2025,AA.1,{SECRET},,1,1,0101,,,closed,\n"
        "2022-2025,AA.2,Fælles risiko,,4,4,0751,,,open,\n"
        "2022-2025,AA.2,Ny for Aarhus,,4,4,0751,,,open,\n"
    )
    preview = import_risks(kk, content)
    assert preview.context.get("confirm_form") is None
    errors = field_errors(preview)
    assert "No initiative AA.1" in errors[2]["initiative"]
    assert "not yours to change" in errors[3]["initiative"]
    # A risk of an initiative København only takes part in is recorded only as København's own.
    assert "Only the initiative's lead or the risk's owner may record this risk." in errors[4]["owner"]
    assert SECRET not in preview.content.decode()
    assert not Risk.objects.filter(title="God").exists()
    assert Risk.objects.get(title=SECRET).status == RiskStatus.OPEN


def test_a_confirmation_not_from_this_sessions_preview_is_refused(kk, records):
    response = kk.post(url("process_import"), {"import_file_name": "../../etc/passwd", "original_file_name": "x.csv",
                                               "format": "0", "resource": "0"})
    assert response.status_code == 400
    assert Risk.objects.count() == 3


def test_the_coordinator_adds_a_risk_to_their_initiative_in_the_admin(kk, records, kobenhavn, kobenhavn_coordinator):
    form = kk.get(url("add")).context["adminform"].form
    assert set(form.fields["owner"].queryset) >= {kobenhavn} and "agreement" not in form.fields
    response = kk.post(url("add"), {"initiative": records["own"].pk, "title": "Ny risiko", "probability": "5",
                                    "impact": "3", "owner": kobenhavn.pk, "status": "open"})
    assert response.status_code == 302
    risk = Risk.objects.get(title="Ny risiko")
    assert (risk.score, risk.history.first().history_user) == (15, kobenhavn_coordinator)
