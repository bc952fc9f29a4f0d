"""The initiative list as CSV and Excel: exactly the filtered rows, in the list's order, with the
list's columns. Both stream the rows from the database in chunks, so a national-scale export
does not hold 20,000 model instances in memory at once."""

import csv
import datetime
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authorities.models import Level
from common.spreadsheets import safe_cell

from .models import Health, Initiative, Status

CHUNK_SIZE = 2000
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel reads a UTF-8 file as the local code page unless it starts with a byte-order mark: æøå.
BYTE_ORDER_MARK = "\ufeff"
# Dates as the pages show them (and as Danish Excel reads them as dates).
DATE_FORMAT = "%d.%m.%Y"
XLSX_DATE_FORMAT = "dd.mm.yyyy"


def _summary(initiative: Initiative):
    # The reverse one-to-one raises (an AttributeError) when the engine has not summarised it yet.
    return getattr(initiative, "summary", None)


def _at_risk(initiative: Initiative) -> bool:
    summary = _summary(initiative)
    return bool(summary and summary.at_risk)


def _downstream(initiative: Initiative) -> int | None:
    summary = _summary(initiative)
    return summary.downstream_total if summary else None


def _risk(initiative: Initiative, attribute: str):
    """What puts an at-risk initiative at risk (None for one that is not)."""
    summary = _summary(initiative)
    return getattr(summary, attribute) if summary and summary.at_risk else None


def _risk_reason(initiative: Initiative, _labels) -> str:
    summary = _summary(initiative)
    return summary.get_risk_reason_display() if summary and summary.at_risk and summary.risk_reason else ""


def _risk_initiative(initiative: Initiative, _labels) -> str:
    cause = _risk(initiative, "risk_initiative")
    return f"{cause.code_with_strategy} {cause.title}" if cause else ""


def _risk_authority(initiative: Initiative, _labels) -> str:
    cause = _risk(initiative, "risk_authority")
    return cause.name if cause else ""


def _risk_level(initiative: Initiative, labels) -> str:
    cause = _risk(initiative, "risk_authority")
    return labels["level"].get(cause.level, cause.level) if cause else ""


# What the exports read besides the list's fields: the cause of each risk (one query still).
CAUSE_RELATIONS = ("summary__risk_initiative__strategy", "summary__risk_authority")
CAUSE_FIELDS = (
    "summary__risk_reason", "summary__risk_initiative__code", "summary__risk_initiative__title_da",
    "summary__risk_initiative__title_en", "summary__risk_initiative__strategy__start_year",
    "summary__risk_initiative__strategy__end_year", "summary__risk_authority__name_da",
    "summary__risk_authority__name_en", "summary__risk_authority__level",
)


@dataclass(frozen=True)
class ExportColumn:
    header: object  # a lazy translation, resolved in the export's language
    value: Callable[[Initiative, dict], object]  # (initiative, labels) -> cell value
    width: int = 14  # in the workbook, in characters

    def workbook_width(self, header: str) -> int:
        return max(self.width, min(len(header) + 3, 30))


def labels() -> dict:
    """The choice labels in the active language, looked up once per export: get_FOO_display()
    translates afresh on every call, which was most of the time of a national-scale export."""
    return {
        "level": {value: str(label) for value, label in Level.choices},
        "status": {value: str(label) for value, label in Status.choices},
        "health": {value: str(label) for value, label in Health.choices},
        True: _("Yes"),
        False: _("No"),
    }


COLUMNS = [
    ExportColumn(gettext_lazy("Code"), lambda i, _labels: i.code),
    ExportColumn(gettext_lazy("Title"), lambda i, _labels: i.title, width=50),
    ExportColumn(gettext_lazy("Strategy"), lambda i, _labels: i.strategy.period if i.strategy else ""),
    ExportColumn(gettext_lazy("Lead authority"), lambda i, _labels: i.lead.name, width=32),
    ExportColumn(gettext_lazy("Level"), lambda i, labels: labels["level"].get(i.lead.level, i.lead.level)),
    ExportColumn(gettext_lazy("Status"), lambda i, labels: labels["status"].get(i.status, i.status)),
    ExportColumn(gettext_lazy("Health"), lambda i, labels: labels["health"].get(i.health, i.health)),
    ExportColumn(gettext_lazy("Forecast start"), lambda i, _labels: i.forecast_start),
    ExportColumn(gettext_lazy("Forecast end"), lambda i, _labels: i.forecast_end),
    ExportColumn(gettext_lazy("Baseline end"), lambda i, _labels: i.baseline_end),
    ExportColumn(gettext_lazy("At risk"), lambda i, labels: labels[_at_risk(i)]),
    ExportColumn(gettext_lazy("Why at risk"), _risk_reason, width=32),
    ExportColumn(gettext_lazy("At risk because of initiative"), _risk_initiative, width=50),
    ExportColumn(gettext_lazy("Its lead authority"), _risk_authority, width=32),
    ExportColumn(gettext_lazy("Its level"), _risk_level),
    ExportColumn(gettext_lazy("Depended on by (transitive)"), lambda i, _labels: _downstream(i)),
    ExportColumn(gettext_lazy("Illustrative"), lambda i, labels: labels[bool(i.is_illustrative)]),
]


def headers() -> list[str]:
    return [str(column.header) for column in COLUMNS]


def rows(queryset: QuerySet) -> Iterator[list]:
    names = labels()
    for initiative in queryset.iterator(chunk_size=CHUNK_SIZE):
        yield [column.value(initiative, names) for column in COLUMNS]


def _filename(extension: str) -> str:
    return f"{_('initiatives')}-{timezone.localdate():%Y-%m-%d}.{extension}"


class _Echo:
    """A file-like object whose write() hands back the line, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(queryset: QuerySet, language: str) -> Iterable[str]:
    # The stream is read after the view has returned: keep the request's language for it.
    with translation.override(language):
        writer = csv.writer(_Echo(), delimiter=";")
        yield BYTE_ORDER_MARK + writer.writerow(headers())
        for row in rows(queryset):
            yield writer.writerow(
                ["" if value is None else value.strftime(DATE_FORMAT) if isinstance(value, datetime.date)
                 else safe_cell(value) for value in row]
            )


def csv_response(queryset: QuerySet) -> StreamingHttpResponse:
    """Semicolon-separated, as Danish Excel expects, UTF-8 with a byte-order mark."""
    response = StreamingHttpResponse(
        _csv_lines(queryset, translation.get_language() or "da"), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{_filename("csv")}"'
    return response


def xlsx_response(queryset: QuerySet) -> FileResponse:
    """A workbook written in openpyxl's write-only mode, which streams rows to a temporary file:
    column widths, the header frozen and a filter on it, dates as dates shown dd.mm.yyyy."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(_("Initiatives"))[:31])
    names = headers()
    for index, (column, header) in enumerate(zip(COLUMNS, names, strict=True), start=1):
        # Before the first row: a write-only sheet writes its columns' widths first.
        sheet.column_dimensions[get_column_letter(index)].width = column.workbook_width(header)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in names:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows(queryset):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(value, datetime.date):
                cell.number_format = XLSX_DATE_FORMAT
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(names))}{count + 1}"
    # Spooled in memory up to 8 MB, then on disk; FileResponse closes it when sent.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=_filename("xlsx"), content_type=XLSX_CONTENT_TYPE)
