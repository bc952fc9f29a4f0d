"""Every cell that leaves the product for a spreadsheet goes through `safe_cell`.

Two dangers: text that a spreadsheet runs as a formula (a title typed as `=HYPERLINK(…)` would run
in the secretariat's Excel), and characters a workbook cannot store at all (openpyxl refuses
control characters, so one such title would break every xlsx export). Text starting like a formula
is written with a leading apostrophe, which spreadsheets show as text and do not run; control
characters are replaced. Imports take the apostrophe off again (`unquote_cell`), so an exported file
goes back in unchanged.
"""

import csv
import datetime
import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation
from django.utils.formats import get_format

# What Excel, LibreOffice and Google Sheets take as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (and so xlsx) cannot hold: C0 controls except tab, newline, carriage return.
UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def safe_cell(value):
    """The value as a spreadsheet may receive it: text neither runs nor breaks the file."""
    if not isinstance(value, str):
        return value
    value = UNSTORABLE.sub(REPLACEMENT, value)
    if value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unquote_cell(value: str) -> str:
    """Undo safe_cell's apostrophe on a cell read back from an exported file."""
    if len(value) > 1 and value[0] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


# --- Writing a table as CSV or xlsx -----------------------------------------------------------------

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel reads a UTF-8 file as the local code page unless it starts with a byte-order mark: æøå.
BYTE_ORDER_MARK = "\ufeff"
# Dates as the pages show them (and as Danish Excel reads them as dates).
DATE_FORMAT = "%d.%m.%Y"
XLSX_DATE_FORMAT = "dd.mm.yyyy"
XLSX_AMOUNT_FORMAT = "#,##0.00"


@dataclass(frozen=True)
class Table:
    """A table to export: its headers, each column's width in a workbook (in characters), and a
    function giving its rows. The rows are produced while the export is written, in the language
    the request had, so labels can be looked up as they are needed."""

    headers: list[str]
    widths: list[int]
    rows: Callable[[], Iterable[list]]
    sheet_title: str


def csv_text(value, decimal_separator: str) -> str:
    """A cell as CSV text: dates dd.mm.yyyy, amounts with the language's decimal separator and no
    grouping (as a spreadsheet in that language reads a number), text made safe."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.strftime(DATE_FORMAT)
    if isinstance(value, Decimal):
        return str(value).replace(".", decimal_separator)
    return safe_cell(value)


class _Echo:
    """A file-like object whose write() hands back the line, for csv.writer in a stream."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(table: Table, language: str) -> Iterable[str]:
    # The stream is read after the view has returned: keep the request's language for it.
    with translation.override(language):
        decimal_separator = get_format("DECIMAL_SEPARATOR")
        writer = csv.writer(_Echo(), delimiter=";")
        yield BYTE_ORDER_MARK + writer.writerow(table.headers)
        for row in table.rows():
            yield writer.writerow([csv_text(value, decimal_separator) for value in row])


def csv_response(table: Table, filename: str) -> StreamingHttpResponse:
    """Semicolon-separated, as Danish Excel expects, UTF-8 with a byte-order mark."""
    response = StreamingHttpResponse(_csv_lines(table, translation.get_language() or "da"),
                                     content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(table: Table, filename: str) -> FileResponse:
    """A workbook written in openpyxl's write-only mode, which streams rows to a temporary file:
    column widths, the header frozen and a filter on it, dates as dates shown dd.mm.yyyy, amounts
    as numbers with two decimals."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.sheet_title[:31])
    for index, (header, width) in enumerate(zip(table.headers, table.widths, strict=True), start=1):
        # Before the first row: a write-only sheet writes its columns' widths first.
        sheet.column_dimensions[get_column_letter(index)].width = max(width, min(len(header) + 3, 30))
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in table.headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in table.rows():
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(value, datetime.date):
                cell.number_format = XLSX_DATE_FORMAT
            elif isinstance(value, Decimal):
                cell.number_format = XLSX_AMOUNT_FORMAT
            cells.append(cell)
        sheet.append(cells)
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{count + 1}"
    # Spooled in memory up to 8 MB, then on disk; FileResponse closes it when sent.
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(output)
    output.seek(0)
    return FileResponse(output, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
