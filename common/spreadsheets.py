"""Every cell that leaves the product for a spreadsheet goes through `safe_cell`.

Two dangers: text that a spreadsheet runs as a formula (a title typed as `=HYPERLINK(…)` would run
in the secretariat's Excel), and characters a workbook cannot store at all (openpyxl refuses
control characters, so one such title would break every xlsx export). Text starting like a formula
is written with a leading apostrophe, which spreadsheets show as text and do not run; control
characters are replaced. Imports take the apostrophe off again (`unquote_cell`), so an exported file
goes back in unchanged.
"""

import re

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
