"""The initiative list as CSV and Excel: exactly the filtered rows, in the list's order, with the
list's columns. Both stream the rows from the database in chunks, so a national-scale export
does not hold 20,000 model instances in memory at once."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from authorities.models import Level
from common import spreadsheets
from common.spreadsheets import Table

from .models import Health, Initiative, Status

CHUNK_SIZE = 2000


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


def _table(queryset: QuerySet) -> Table:
    names = headers()
    return Table(headers=names, widths=[column.width for column in COLUMNS], rows=lambda: rows(queryset),
                 sheet_title=str(_("Initiatives")))


def csv_response(queryset: QuerySet) -> StreamingHttpResponse:
    """Semicolon-separated, as Danish Excel expects, UTF-8 with a byte-order mark."""
    return spreadsheets.csv_response(_table(queryset), _filename("csv"))


def xlsx_response(queryset: QuerySet) -> FileResponse:
    """Column widths, the header frozen and a filter on it, dates as dates shown dd.mm.yyyy."""
    return spreadsheets.xlsx_response(_table(queryset), _filename("xlsx"))
