"""The funding totals of a strategy (per party, year and focus area, with its re-phasings) and the
share rows behind them as CSV and Excel."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from common import spreadsheets
from common.listing import filters_reject_nul
from strategies.forms import StrategyChoiceForm
from strategies.models import Strategy

from . import exports, selectors


def _strategy(request) -> tuple[StrategyChoiceForm, list[Strategy], Strategy | None]:
    strategies = list(Strategy.objects.order_by("-start_year"))
    form = StrategyChoiceForm(request.GET or None, strategies=strategies)
    current = Strategy.objects.current()
    return form, strategies, form.chosen(strategies, default=current)


@login_required
@require_GET
@filters_reject_nul
def funding_totals(request):
    form, strategies, strategy = _strategy(request)
    context = {"form": form, "strategies": strategies, "strategy": strategy}
    if strategy is not None:
        totals = selectors.funding_totals(strategy)
        context.update(totals=totals, chart=totals.chart)
    return render(request, "funding/totals.html", context)


def _export(request, respond, extension: str):
    _form, _strategies, strategy = _strategy(request)
    rows = selectors.share_rows(strategy) if strategy else selectors.share_rows_none()
    period = strategy.period if strategy else ""
    filename = f"{_('funding')}-{period}-{timezone.localdate():%Y-%m-%d}.{extension}"
    return respond(exports.table(rows), filename)


@login_required
@require_GET
@filters_reject_nul
def funding_export_csv(request):
    return _export(request, spreadsheets.csv_response, "csv")


@login_required
@require_GET
@filters_reject_nul
def funding_export_xlsx(request):
    return _export(request, spreadsheets.xlsx_response, "xlsx")
