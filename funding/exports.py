"""The share rows behind the funding totals, as a table for CSV and Excel: one row per initiative,
year and party, so that the page's totals are the sums of the file's rows."""

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from common.spreadsheets import Table

from .models import FundingShare, Party


def _row(share: FundingShare, parties: dict) -> list:
    initiative = share.funding_year.initiative
    return [
        initiative.strategy.period if initiative.strategy_id else "",
        initiative.code,
        initiative.title,
        initiative.lead.name,
        initiative.focus_area.name if initiative.focus_area_id else "",
        share.funding_year.year,
        parties[share.party],
        share.ministry.name if share.ministry_id else "",
        share.budget,
        share.actual,
        share.variance,
    ]


def table(rows: QuerySet[FundingShare]) -> Table:
    columns = [
        (_("Strategy"), 10), (_("Code"), 8), (_("Title"), 50), (_("Lead authority"), 32), (_("Focus area"), 32),
        (_("Year"), 6), (_("Party"), 24), (_("Financing ministry"), 32), (_("Budget (DKK)"), 16),
        (_("Spent (DKK)"), 16), (_("Over (+) or under (−) spent (DKK)"), 18),
    ]
    parties = {value: str(label) for value, label in Party.choices}
    return Table(
        headers=[str(header) for header, _width in columns],
        widths=[width for _header, width in columns],
        rows=lambda: (_row(share, parties) for share in rows.iterator(chunk_size=2000)),
        sheet_title=str(_("Funding")),
    )
