"""The steering group's report of one strategy as a PDF: a real PDF in the design system's font,
naming the cycle and the strategy, with each initiative under its strategy's code; from the
command and from the report page."""

import io

import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from reporting.models import Track
from reporting.services import cycle_freeze, report_submit
from tests.clients import in_english

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(cycle, initiatives, report_of, kobenhavn_coordinator, analyst):
    report_submit(report=report_of(initiatives["kk_late"]), user=kobenhavn_coordinator, assessed="yellow",
                  rationale="Indhentes med ny leverandør", track=Track.BACK_TO_PLAN)
    return cycle_freeze(cycle=cycle, user=analyst)


def pdf_text(content: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def test_export_cycle_writes_one_strategys_report_as_a_pdf_in_the_design_systems_font(frozen, initiatives, tmp_path):
    path = tmp_path / "report.pdf"
    call_command("export_cycle", "2027-H1", "--format", "pdf", "--output", str(path), "--strategy", "2022-2025",
                 stderr=io.StringIO())
    content = path.read_bytes()
    assert content.startswith(b"%PDF-")
    reader, text = pdf_text(content)
    assert "Styregruppens rapport: 2027-H1" in text
    assert "2022–2025" in text and frozen.strategies.get().name_da in text  # the strategy, by period and name
    late = initiatives["kk_late"]
    assert f"{late.code_with_strategy} {late.title_da}" in text  # the code never without its strategy
    assert "Tilbage til planen" in text
    fonts = {str(font.get_object()["/BaseFont"]) for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    assert fonts and all("IBM-Plex-Sans" in font for font in fonts)


def test_export_cycle_refuses_a_strategy_the_cycle_does_not_cover(frozen, tmp_path):
    with pytest.raises(CommandError, match="covers no strategy '2026-2029'. It covers: 2022-2025"):
        call_command("export_cycle", "2027-H1", "--format", "pdf", "--output", str(tmp_path / "x.pdf"),
                     "--strategy", "2026-2029", stderr=io.StringIO())
    assert not (tmp_path / "x.pdf").exists()


def test_the_report_page_links_its_pdf_in_the_readers_language(analyst_client, frozen, initiatives):
    client = in_english(analyst_client)
    page = client.get(reverse("reporting:steering_report", args=["2027-H1"])).content.decode()
    link = reverse("reporting:steering_report_pdf", args=["2027-H1"]) + "?strategy=2022-2025"
    assert f'href="{link}"' in page
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="cycle-2027-H1-2022-2025.pdf"' in response["Content-Disposition"]
    _reader, text = pdf_text(response.content)
    assert "The steering group's report: 2027-H1" in text and "Back to plan" in text
    assert "Indhentes med ny leverandør" in text  # the secretariat reads the rationale
