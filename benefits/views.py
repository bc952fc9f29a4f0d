"""The benefits page of a strategy: the register's economic benefits, the initiatives whose benefits
fall short, and the follow-ups owed."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from common.listing import filters_reject_nul
from strategies.forms import StrategyChoiceForm
from strategies.models import Strategy

from . import selectors


@login_required
@require_GET
@filters_reject_nul
def benefits_page(request):
    strategies = list(Strategy.objects.order_by("-start_year"))
    form = StrategyChoiceForm(request.GET or None, strategies=strategies)
    strategy = form.chosen(strategies, default=Strategy.objects.current())
    context = {"form": form, "strategies": strategies, "strategy": strategy}
    if strategy is not None:
        context.update(selectors.benefits_page(strategy))
    return render(request, "benefits/benefits.html", context)
