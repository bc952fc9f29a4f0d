"""A cycle's rows (reporting.snapshots) as CSV or a workbook, for the steering group.

The CSV of a frozen cycle is the same bytes whenever it is exported: its rows come from the
snapshot in their stored order, and nothing in it depends on when or by whom it is exported
(no export date, no "as of now"). Semicolon-separated, UTF-8 with a byte-order mark, as Danish
Excel reads it, like the initiative list's export.
"""

import csv
import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.spreadsheets import safe_cell
from initiatives.models import Health, Status

from .models import Cycle, ReportState, Track

BYTE_ORDER_MARK = "\ufeff"
DATE_FORMAT = "%d.%m.%Y"
XLSX_DATE_FORMAT = "dd.mm.yyyy"
FORMATS = ("csv", "xlsx")


def in_language(row: dict, name: str) -> str:
    """A text of the row in the active language: its English twin when English is active and it has one."""
    english = (translation.get_language() or "da").startswith("en")
    return (row.get(f"{name}_en") if english else "") or row.get(f"{name}_da") or ""


def _date(value: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(value) if value else None


def _figure(row: dict, name: str):
    figures = row.get("interdependencies")
    return figures.get(name) if figures else None


def labels() -> dict:
    """The choice labels in the active language, looked up once per export."""
    return {
        "health": {value: str(label) for value, label in Health.choices},
        "status": {value: str(label) for value, label in Status.choices},
        "track": {value: str(label) for value, label in Track.choices},
        "state": {value: str(label) for value, label in ReportState.choices},
        True: _("Yes"),
        False: _("No"),
        None: "",
    }


@dataclass(frozen=True)
class Column:
    header: object  # a lazy translation, resolved in the export's language
    value: Callable[[dict, dict], object]  # (row, labels) -> cell value
    width: int = 14


def _light(name: str) -> Callable[[dict, dict], str]:
    return lambda row, labels: labels["health"].get(row[name], "")


def _open_risk_count(row: dict, _labels: dict) -> int | None:
    # A cycle frozen before the risk register existed kept no risks: empty, not a count of none.
    risks = row.get("open_risks")
    return None if risks is None else len(risks)


def _open_risks(row: dict, _labels: dict) -> str:
    """Each open risk as "score title (owner[, escalated])", highest score first, as the report lists them."""
    listed = []
    for risk in row.get("open_risks") or []:
        about = ", ".join(filter(None, [in_language(risk, "owner"), _("escalated") if risk["escalated"] else ""]))
        listed.append(f"{risk['score']} {risk['title']} ({about})")
    return "; ".join(listed)


COLUMNS = [
    Column(gettext_lazy("Code"), lambda r, _l: r["code_with_strategy"]),
    Column(gettext_lazy("Title"), lambda r, _l: in_language(r, "title"), width=50),
    Column(gettext_lazy("Focus area"), lambda r, _l: " ".join(filter(None, [r["focus_area"], in_language(r, "focus_area")])), width=30),
    Column(gettext_lazy("Lead authority"), lambda r, _l: in_language(r, "lead"), width=32),
    Column(gettext_lazy("Status"), lambda r, labels: labels["status"].get(r["status"], r["status"])),
    Column(gettext_lazy("Assessed status"), _light("assessed")),
    Column(gettext_lazy("Computed overall"), _light("computed_overall")),
    Column(gettext_lazy("Schedule"), _light("computed_schedule")),
    Column(gettext_lazy("Cost"), _light("computed_cost")),
    Column(gettext_lazy("Benefits"), _light("computed_benefits")),
    Column(gettext_lazy("Track"), lambda r, labels: labels["track"].get(r["track"], "")),
    Column(gettext_lazy("Baseline version"), lambda r, _l: r["baseline_version"]),
    Column(gettext_lazy("Baseline start"), lambda r, _l: _date(r["baseline_start"])),
    Column(gettext_lazy("Baseline end"), lambda r, _l: _date(r["baseline_end"])),
    Column(gettext_lazy("Baseline budget (DKK)"), lambda r, _l: r["baseline_budget"]),
    Column(gettext_lazy("Forecast end"), lambda r, _l: _date(r["forecast_end"])),
    Column(gettext_lazy("Forecast cost (DKK)"), lambda r, _l: r["forecast_cost"]),
    Column(gettext_lazy("At risk"), lambda r, labels: labels[_figure(r, "at_risk")]),
    Column(gettext_lazy("At risk because of initiative"), lambda r, _l: _figure(r, "risk_initiative") or "", width=30),
    Column(gettext_lazy("Depends on (transitive)"), lambda r, _l: _figure(r, "upstream_total")),
    Column(gettext_lazy("Depended on by (transitive)"), lambda r, _l: _figure(r, "downstream_total")),
    Column(gettext_lazy("Report"), lambda r, labels: labels["state"].get(r["report_state"], "")),
    Column(gettext_lazy("Rationale"), lambda r, _l: r["rationale"], width=40),
    Column(gettext_lazy("Progress since the last report"), lambda r, _l: r["progress"], width=40),
    Column(gettext_lazy("Next steps"), lambda r, _l: r["next_steps"], width=40),
    Column(gettext_lazy("Main risks"), lambda r, _l: r["main_risks"], width=40),
    Column(gettext_lazy("Open risks in the register"), _open_risk_count),
    Column(gettext_lazy("Open risks (score, title, owner)"), _open_risks, width=50),
]


def table(rows: list[dict]) -> tuple[list[str], list[list]]:
    """The headers and the cells of every row, in the active language."""
    names = labels()
    return [str(c.header) for c in COLUMNS], [[c.value(row, names) for c in COLUMNS] for row in rows]


def cycle_csv(rows: list[dict], *, language: str) -> bytes:
    with translation.override(language):
        headers, cells = table(rows)
    output = io.StringIO()
    writer = csv.writer(output, delimiter=";", lineterminator="\r\n")
    writer.writerow(headers)
    for row in cells:
        writer.writerow(
            ["" if value is None else value.strftime(DATE_FORMAT) if isinstance(value, datetime.date)
             else safe_cell(value) for value in row]
        )
    return (BYTE_ORDER_MARK + output.getvalue()).encode("utf-8")


def cycle_xlsx(cycle: Cycle, rows: list[dict], *, language: str) -> bytes:
    """A workbook: the header frozen and filtered, dates as dates, widths to read."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    with translation.override(language):
        headers, cells = table(rows)
        title = f"{_('Cycle')} {cycle.code}"[:31]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in cells:
        sheet.append([safe_cell(value) for value in row])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(column.width, min(len(headers[index - 1]) + 3, 30))
        if any(isinstance(row[index - 1], datetime.date) for row in cells):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = XLSX_DATE_FORMAT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(cells) + 1}"
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
