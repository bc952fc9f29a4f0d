"""Importing spreadsheets through the admin: preview, confirm, all-or-nothing, in any encoding."""

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from initiatives.models import Dependency, Initiative, Milestone, Participation, Role
from initiatives.resources import decode_spreadsheet_text, normalise_csv

from .imports import HEADER, SAMPLES, XLSX_FORMAT, confirm, import_file, row_errors, upload

pytestmark = pytest.mark.usefixtures("english")


# --- Good files ----------------------------------------------------------------------------------


def test_the_sample_csv_previews_then_imports_kobenhavns_initiatives_with_lead_participation(kk, kobenhavn):
    content = (SAMPLES / "kobenhavn_initiatives.csv").read_bytes()
    preview = upload(kk, "initiative", content, "kobenhavn_initiatives.csv")
    assert preview.status_code == 200
    assert not Initiative.objects.filter(code="KK-1").exists()  # the preview wrote nothing
    assert "Digital borgerservice på Rådhuspladsen" in preview.content.decode()

    response = confirm(kk, "initiative", preview)
    assert response.status_code == 302
    imported = Initiative.objects.filter(code__startswith="KK-").order_by("code")
    assert [i.code for i in imported] == ["KK-1", "KK-2", "KK-3"]
    assert all(i.lead == kobenhavn for i in imported)
    assert all(
        Participation.objects.filter(initiative=i, authority=kobenhavn, role=Role.LEAD).exists() for i in imported
    )
    kk3 = imported.get(code="KK-3")
    assert (kk3.schedule_health, kk3.cost_health) == ("red", "red")  # 8 months late; 20 % over budget


def test_the_sample_xlsx_imports_the_same_and_reads_the_code_stored_as_a_number(kk, kobenhavn):
    content = (SAMPLES / "kobenhavn_initiatives.xlsx").read_bytes()
    response = import_file(kk, "initiative", content, "kobenhavn_initiatives.xlsx", XLSX_FORMAT)
    assert response.status_code == 302
    assert Initiative.objects.filter(code__startswith="KK-", lead=kobenhavn).count() == 3
    assert Initiative.objects.get(code="KK-1").baseline_end == datetime.date(2025, 6, 30)


def test_an_import_leaves_history_records_by_the_importing_user(kk):
    import_file(kk, "initiative", (SAMPLES / "kobenhavn_initiatives.csv").read_bytes(), "kobenhavn_initiatives.csv")
    record = Initiative.objects.get(code="KK-2").history.first()
    assert record.history_type == "+"
    assert record.history_user.username == "kk-coordinator"
    assert record.history_change_reason == "Imported from kobenhavn_initiatives.csv"
    participation = Participation.objects.get(initiative__code="KK-2")
    assert participation.history.first().history_user.username == "kk-coordinator"
    page = kk.get(reverse("admin:initiatives_initiative_history", args=[record.id]))
    assert page.status_code == 200
    assert "Imported from kobenhavn_initiatives.csv" in page.content.decode()
    assert "kk-coordinator" in page.content.decode()


def test_a_second_import_updates_in_place_and_records_what_changed(kk):
    content = (SAMPLES / "kobenhavn_initiatives.csv").read_bytes()
    import_file(kk, "initiative", content, "first.csv")
    changed = content.replace(b"2023-02-01,2025-09-30", b"2023-02-01,2026-12-31")
    import_file(kk, "initiative", changed, "second.csv")
    initiative = Initiative.objects.get(code="KK-1")
    assert initiative.forecast_end == datetime.date(2026, 12, 31)
    assert initiative.schedule_health == "red"
    latest = initiative.history.first()
    delta = latest.diff_against(latest.prev_record)
    assert "forecast_end" in delta.changed_fields
    assert Initiative.objects.filter(code="KK-1").count() == 1


SAMPLE_ROWS = (
    "2022-2025,KK-9,Københavns økonomi-løsning,,0101,active,2024-01-01,2024-12-31,2024-01-01,2024-12-31,1.500.000,1 500 000\n"
    "2022-2025,KK-10,Æbleø og Århus-særlige forløb,,Københavns Kommune,Aktiv,01-02-2024,31.12.2024,,,,\n"
)


@pytest.mark.parametrize(
    "encoding,prefix",
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("cp1252", b""), ("latin-1", b""), ("utf-16", b"")],
    ids=["utf-8", "utf-8-with-bom", "cp1252", "latin-1", "utf-16"],
)
def test_danish_letters_arrive_intact_in_any_encoding_a_spreadsheet_writes(kk, encoding, prefix):
    content = prefix + (HEADER + SAMPLE_ROWS).encode(encoding)
    response = import_file(kk, "initiative", content, f"{encoding}.csv")
    assert response.status_code == 302
    assert Initiative.objects.get(code="KK-9").title_da == "Københavns økonomi-løsning"
    kk10 = Initiative.objects.get(code="KK-10")
    assert kk10.title_da == "Æbleø og Århus-særlige forløb"
    assert kk10.status == "active" and kk10.baseline_start == datetime.date(2024, 2, 1)
    assert Initiative.objects.get(code="KK-9").baseline_budget == 1_500_000


def test_excels_unicode_text_utf16_with_tabs_is_read_with_danish_letters(kk):
    # Excel's "Unicode Text (*.txt)": UTF-16 little-endian with a BOM, fields separated by tabs.
    text = (HEADER + SAMPLE_ROWS.replace("1.500.000,1 500 000", "1.500.000\t1 500 000")).replace(",", "\t")
    content = b"\xff\xfe" + text.replace("\n", "\r\n").encode("utf-16-le")
    response = import_file(kk, "initiative", content, "unicode.txt")
    assert response.status_code == 302
    assert Initiative.objects.get(code="KK-10").title_da == "Æbleø og Århus-særlige forløb"
    assert Initiative.objects.get(code="KK-9").forecast_cost == 1_500_000


def test_a_semicolon_separated_csv_from_danish_excel_is_read(kk):
    semicolons = (HEADER + SAMPLE_ROWS.replace("1.500.000,1 500 000", "1.500.000;1 500 000")).replace(",", ";")
    response = import_file(kk, "initiative", semicolons.encode("cp1252"), "excel.csv")
    assert response.status_code == 302
    assert Initiative.objects.get(code="KK-9").forecast_cost == 1_500_000


def test_encoding_detection_prefers_utf8_and_falls_back_to_cp1252():
    assert decode_spreadsheet_text("æøå".encode()) == ("æøå", "utf-8-sig")
    assert decode_spreadsheet_text("æøå".encode("cp1252")) == ("æøå", "cp1252")
    assert normalise_csv("a;b\næ;ø\n".encode("cp1252")) == "a,b\næ,ø\n".encode()


# --- Bad files: every bad row reported, nothing imported -------------------------------------------


def test_a_file_with_bad_rows_reports_each_with_its_reason_and_imports_nothing(kk, aarhus, make_initiative):
    make_initiative(aarhus, code="AA-1")
    rows = (
        "2022-2025,KK-20,God række,,0101,active,2024-01-01,2024-12-31,,,,\n"  # line 1: good
        "2022-2025,KK-21,Ukendt myndighed,,9999,active,2024-01-01,2024-12-31,,,,\n"  # 2
        "2022-2025,KK-22,Omvendte datoer,,0101,active,2024-12-31,2024-01-01,,,,\n"  # 3
        "2022-2025,KK-20,Dobbelt kode,,0101,active,2024-01-01,2024-12-31,,,,\n"  # 4
        "2022-2025,KK-23,Aarhus' initiativ,,0751,active,2024-01-01,2024-12-31,,,,\n"  # 5: not ours
        "2022-2025,AA-1,Overskriv Aarhus,,0101,active,2024-01-01,2024-12-31,,,,\n"  # 6: Aarhus's record
        "2022-2025,KK-24,KÃ¸benhavn,,0101,active,2024-01-01,2024-12-31,,,,\n"  # 7: mojibake
        "2031-2034,KK-25,Ukendt strategi,,0101,active,,,,,,\n"  # 8
        "2022-2025,KK-26,Forkert dato,,0101,active,31 juni,,,,,\n"  # 9
    )
    before = Initiative.objects.count()
    preview = upload(kk, "initiative", (HEADER + rows).encode("utf-8"), "bad.csv")
    assert preview.status_code == 200
    assert preview.context.get("confirm_form") is None  # no way to confirm
    errors = row_errors(preview)
    assert set(errors) == {2, 3, 4, 5, 6, 7, 8, 9}
    assert "Unknown authority “9999”" in errors[2]
    assert "baseline start must not be after the baseline end" in errors[3]
    assert "repeats the record on line 1" in errors[4]
    assert "not your authority" in errors[5]
    # Aarhus's record is not one København may see: refused without a word of what it holds.
    assert "cannot see" in errors[6] and "Aarhus" not in errors[6]
    assert "wrongly encoded" in errors[7]
    assert "Unknown strategy “2031-2034”" in errors[8]
    assert "is not a date" in errors[9]
    page = preview.content.decode()
    assert "Nothing was imported" in page
    assert "Unknown authority" in page and "wrongly encoded" in page
    assert Initiative.objects.count() == before
    assert Initiative.history.filter(code__startswith="KK-").count() == 0


def test_a_confirmation_forged_for_a_file_with_bad_rows_imports_nothing(kk):
    good = upload(kk, "initiative", (HEADER + "2022-2025,KK-30,God,,0101,active,,,,,,\n").encode(), "good.csv")
    form = good.context["confirm_form"]
    # Swap the stored file for one with a bad row before confirming.
    from import_export.tmp_storages import TempFolderStorage

    storage = TempFolderStorage(name=form.initial["import_file_name"], encoding=None, read_mode="rb")
    with open(storage.get_full_path(), "wb") as handle:
        handle.write((HEADER + "2022-2025,KK-31,God,,0101,active,,,,,,\n2022-2025,KK-32,Dårlig,,9999,active,,,,,,\n").encode())
    response = kk.post(reverse("admin:initiatives_initiative_process_import"), dict(form.initial), follow=True)
    assert not Initiative.objects.filter(code__in=["KK-30", "KK-31", "KK-32"]).exists()
    assert "Nothing was imported" in response.content.decode()


def test_a_file_that_is_not_text_is_refused_with_a_clear_message(kk):
    preview = upload(kk, "initiative", b"\x00\x01\x02binary", "image.csv")
    assert "not a text (CSV) file" in preview.content.decode()


def test_the_secretariat_imports_rows_for_any_authority(secretariat, aarhus):
    rows = "2022-2025,AA-40,Aarhus via sekretariatet,,0751,planned,,,,,,\n2022-2025,DS-1,Styrelsens,,Digitaliseringsstyrelsen,planned,,,,,,\n"
    response = import_file(secretariat, "initiative", (HEADER + rows).encode(), "all.csv")
    assert response.status_code == 302
    assert Initiative.objects.get(code="AA-40").lead == aarhus
    assert Initiative.objects.get(code="DS-1").lead.name_da == "Digitaliseringsstyrelsen"


# --- Participations, dependencies, milestones ---------------------------------------------------------


@pytest.fixture
def kk_initiatives(kobenhavn, aarhus, make_initiative):
    return {
        "kk1": make_initiative(kobenhavn, code="KK-1"),
        "kk2": make_initiative(kobenhavn, code="KK-2"),
        "aa1": make_initiative(aarhus, code="AA-1"),
    }


def test_participations_import_for_led_initiatives_only(kk, kk_initiatives, aarhus):
    content = (
        b"strategy,initiative,authority,role\n"
        b"2022-2025,KK-1,0751,contributor\n"
        b"2022-2025,KK-1,Region Hovedstaden,implementer\n"
        b"2022-2025,AA-1,0101,contributor\n"  # joining Aarhus's initiative: not theirs to decide
        b"2022-2025,KK-2,0751,lead\n"
    )
    preview = upload(kk, "participation", content, "participations.csv")
    errors = row_errors(preview)
    assert set(errors) == {3, 4}
    assert errors[3] == "No initiative AA-1 (2022-2025)."  # as if it did not exist: not one København sees
    assert "lead is set by the initiative" in errors[4]
    assert not Participation.objects.filter(initiative=kk_initiatives["kk1"], authority=aarhus).exists()

    good = b"\n".join(content.splitlines()[:3]) + b"\n"
    assert import_file(kk, "participation", good, "participations.csv").status_code == 302
    assert Participation.objects.get(initiative=kk_initiatives["kk1"], authority=aarhus).role == Role.CONTRIBUTOR


def test_a_dependencies_file_that_closes_a_cycle_names_it_and_imports_nothing(kk, kk_initiatives):
    content = (
        b"strategy,initiative,depends_on_strategy,depends_on,kind,criticality,needed_by\n"
        b"2022-2025,KK-1,2022-2025,KK-2,prerequisite,high,2025-01-01\n"
        b"2022-2025,KK-2,2022-2025,AA-1,data_exchange,medium,\n"
        b"2022-2025,KK-2,2022-2025,KK-1,prerequisite,low,\n"
    )
    preview = upload(kk, "dependency", content, "dependencies.csv")
    errors = row_errors(preview)
    assert set(errors) == {3}
    assert "KK-2 → KK-1 → KK-2" in errors[3]
    assert not Dependency.objects.exists()

    good = b"\n".join(content.splitlines()[:3]) + b"\n"
    assert import_file(kk, "dependency", good, "dependencies.csv").status_code == 302
    assert Dependency.objects.count() == 2
    assert Dependency.objects.get(source__code="KK-1").criticality == "high"


def test_dependencies_of_another_authoritys_initiative_are_refused(kk, kk_initiatives):
    content = (
        b"strategy,initiative,depends_on_strategy,depends_on,kind\n"
        b"2022-2025,AA-1,2022-2025,KK-1,prerequisite\n"
    )
    errors = row_errors(upload(kk, "dependency", content, "dependencies.csv"))
    assert errors[1] == "No initiative AA-1 (2022-2025)."  # as if it did not exist: not one København sees


def test_the_sample_milestones_import_for_kobenhavns_initiatives(kk, kobenhavn, make_initiative):
    make_initiative(kobenhavn, code="KK-1")
    make_initiative(kobenhavn, code="KK-2")
    content = (SAMPLES / "kobenhavn_milestones.csv").read_bytes()
    assert import_file(kk, "milestone", content, "kobenhavn_milestones.csv").status_code == 302
    assert Milestone.objects.filter(initiative__code="KK-1").count() == 2
    assert Milestone.objects.get(title_da="Pilot på Rådhuspladsen åbner").done_on == datetime.date(2023, 10, 20)


def test_an_xlsx_with_a_bad_row_imports_nothing(kk, kk_initiatives):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["strategy", "code", "title_da", "lead", "baseline_start", "baseline_end"])
    sheet.append(["2022-2025", "KK-50", "Godt", 101, datetime.datetime(2024, 1, 1), datetime.datetime(2024, 6, 1)])
    sheet.append(["2022-2025", "KK-51", "Omvendt", 101, datetime.datetime(2024, 6, 1), datetime.datetime(2024, 1, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = upload(kk, "initiative", buffer.getvalue(), "bad.xlsx", XLSX_FORMAT)
    assert set(row_errors(preview)) == {2}
    assert not Initiative.objects.filter(code__in=["KK-50", "KK-51"]).exists()
