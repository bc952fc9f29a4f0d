"""The benefits register from a spreadsheet in the admin: each row saved through benefit_save (so the
benefits light follows), bad rows refused by line and column with nothing saved, and a coordinator
importing and exporting only what their authority may."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from benefits.models import Benefit, Kind
from benefits.services import benefit_save
from initiatives.models import Health, Initiative, Role
from initiatives.services import participation_set
from tests.funding.test_import import field_errors
from tests.initiatives.imports import confirm, upload

D = Decimal
HEADER = "strategy,initiative,kind,title_da,title_en,indicator,higher_is_better,from_year,baseline,forecast,realised_by\n"
SECRET = "Fortrolig gevinst 7Q"


def import_benefits(client, content: str, name: str = "benefits.csv"):
    return upload(client, "benefit", content.encode(), name, app="benefits")


@pytest.fixture
def kk(kk_in_english):
    return kk_in_english


@pytest.fixture
def own(make_initiative, kobenhavn):
    return make_initiative(kobenhavn, code="KK.1")


@pytest.fixture
def aarhus_benefit(make_initiative, aarhus, kobenhavn):
    """A benefit of Aarhus's initiative, in which København takes part (so its coordinator sees it)."""
    initiative = make_initiative(aarhus, code="AA.1")
    participation_set(initiative=initiative, authority=kobenhavn, role=Role.CONTRIBUTOR)
    return benefit_save(benefit=Benefit(initiative=initiative, kind=Kind.ECONOMIC, title_da=SECRET, from_year=2025,
                                        baseline=D("987654321.00"), forecast=D("987654321.00"), realised_by=aarhus))


def test_a_coordinator_imports_benefits_exactly_and_the_benefits_light_follows(kk, own):
    content = HEADER + (
        "2022-2025,KK.1,økonomisk,Sparet tid,Time saved,,,2025,\"1.000.000,50\",\"700.000,35\",0101\n"
        "2022-2025,KK.1,non_economic,Kortere ventetid,,Sagsbehandlingstid (dage),nej,,14,15,Københavns Kommune\n"
    )
    preview = import_benefits(kk, content)
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert not Benefit.objects.exists()
    confirm(kk, "benefit", preview, app="benefits")

    saved = {b.title_da: (b.kind, b.baseline, b.forecast, b.higher_is_better, b.from_year)
             for b in Benefit.objects.filter(initiative=own)}
    assert saved == {
        "Sparet tid": (Kind.ECONOMIC, D("1000000.50"), D("700000.35"), True, 2025),
        "Kortere ventetid": (Kind.NON_ECONOMIC, D("14.00"), D("15.00"), False, None),
    }
    own = Initiative.objects.get(pk=own.pk)
    assert (own.benefits_computed, own.benefits_health, own.benefits_shortfall) == (True, Health.RED, D("30.0"))
    latest = Benefit.history.filter(title_da="Sparet tid").latest("history_date")
    assert latest.history_change_reason == "Imported from benefits.csv"


@pytest.mark.parametrize(("row", "column", "message"), [
    ("economic,Sparet tid,,,,,100,-100,0101", "row", "An economic benefit cannot be negative."),
    ("economic,Sparet tid,,,,2025,100,\"1.000,125\",0101", "forecast", "no more than 2 decimal places"),
    ("economic,Sparet tid,,,,,100,100,0101", "row", "An economic benefit needs the year it starts."),
    ("non_economic,Ventetid,,,,,10,12,0101", "row", "A non-economic benefit needs its indicator."),
    ("economic,Sparet tid,,,måske,2025,100,100,0101", "higher_is_better", "is neither yes nor no"),
    ("economic,Sparet tid,,,,2025,100,100,Ministeriet for magi", "realised_by", "Unknown authority"),
    ("economic,=HYPERLINK(\"\"x\"\"),,,,2025,100,100,0101", None, None),
])
def test_a_bad_row_is_refused_naming_its_line_and_nothing_is_saved(kk, own, row, column, message):
    preview = import_benefits(kk, HEADER + "2022-2025,KK.1,economic,God,,,,2025,5,5,0101\n2022-2025,KK.1," + row + "\n")
    if column is None:  # a formula is kept as text, never run: a title like any other
        assert preview.context.get("confirm_form") is not None, field_errors(preview)
        return
    assert preview.context.get("confirm_form") is None
    errors = field_errors(preview)
    assert message in " ".join(errors.get(2, {}).values()) and (column == "row" or column in errors[2]), errors
    assert 1 not in errors
    assert not Benefit.objects.exists()


def test_a_forged_row_for_another_authoritys_initiative_refuses_the_file_and_shows_nothing(kk, own, aarhus_benefit):
    content = HEADER + (
        "2022-2025,KK.1,economic,God,,,,2025,5,5,0101\n"
        f"2022-2025,AA.1,economic,{SECRET},,,,2025,1,1,0751\n"
    )
    preview = import_benefits(kk, content)
    assert preview.context.get("confirm_form") is None
    assert "you can import benefits only of initiatives your authority leads" in field_errors(preview)[2]["initiative"]
    assert "987654321" not in preview.content.decode() and "987,654,321" not in preview.content.decode()
    assert list(Benefit.objects.values_list("forecast", flat=True)) == [D("987654321.00")]


def test_the_export_lists_only_visible_benefits_and_goes_back_in_unchanged(kk, own, aarhus_benefit, make_initiative,
                                                                           digst):
    benefit_save(benefit=Benefit(initiative=own, kind=Kind.ECONOMIC, title_da="=1+1", from_year=2025,
                                 baseline=D("10.50"), forecast=D("10.50"), realised_by=own.lead))
    unseen = make_initiative(digst, code="DG.1")
    benefit_save(benefit=Benefit(initiative=unseen, kind=Kind.ECONOMIC, title_da="Usynlig", from_year=2025,
                                 baseline=D("1"), forecast=D("1"), realised_by=digst))
    data = {"format": "0", "resource": "0"}
    data.update({f"benefitresource_{name}": "on" for name in HEADER.strip().split(",")})
    response = kk.post(reverse("admin:benefits_benefit_export"), data)
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["initiative"], row["title_da"], row["baseline"]) for row in rows] == [
        ("AA.1", SECRET, "987654321.00"), ("KK.1", "'=1+1", "10.50")]  # a formula goes out as text

    preview = import_benefits(kk, text, "export.csv")
    assert preview.context.get("confirm_form") is not None, field_errors(preview)
    assert [row.import_type for row in preview.context["result"].rows] == ["skip", "skip"]
