"""The agreement pages: each side's lists ("asked of us", "asked by us"), the secretariat's list with
filters, one agreement's page where each side answers, and asking for an agreement.

Views are thin: forms parse, agreements.services decide, the QuerySet methods say who sees what.
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from authorities.models import coordinated_authority_ids
from common.listing import filters_reject_nul, page_links, paginate_by_ids
from common.roles import is_secretariat, reads_everything
from strategies.models import Strategy

from . import services
from .forms import AgreementFilterForm, CommitForm, DeclineForm, ProposeForm, ReopenForm, RequestForm
from .models import Agreement, AgreementRisk, askable_dependencies

# Each posted action: the form that parses it and the service that decides.
ACTIONS = {
    "commit": (CommitForm, services.agreement_commit, gettext_lazy("The commitment is recorded.")),
    "propose": (ProposeForm, services.agreement_propose, gettext_lazy("Your proposal is sent.")),
    "decline": (DeclineForm, services.agreement_decline, gettext_lazy("The agreement is declined.")),
    "accept": (None, services.agreement_accept, gettext_lazy("The agreement is accepted.")),
    "reopen": (ReopenForm, services.agreement_reopen, gettext_lazy("The agreement is reopened.")),
}


# Dependencies not yet asked that the list offers to ask about; the rest are counted.
ASKABLE_SHOWN = 50


def _paged(request, agreements, today: datetime.date):
    """A page of agreements, the earliest needed first, with what the rows show worked out. Two steps
    (common.listing): sorting the ids is quick, sorting them joined to both initiatives is not."""
    page = paginate_by_ids(agreements.order_by("needed_by", "pk"), request.GET.get("page"),
                           Agreement.objects.with_parties())
    for agreement in page.object_list:
        agreement.days_left = agreement.days_to_answer(today)
        agreement.risk_label = _risk_label(agreement, today)
    return page


@login_required
@require_GET
@filters_reject_nul
def agreement_list(request):
    user, today = request.user, timezone.localdate()
    if reads_everything(user):
        return _secretariat_list(request, today)
    ids = coordinated_authority_ids(user)
    # One list at a time, paged: an agency providing national infrastructure is asked hundreds of times.
    which = "by" if request.GET.get("list") == "by" else "of"
    lists = {"of": Agreement.objects.asked_of(ids), "by": Agreement.objects.requested_by(ids)}
    page = _paged(request, lists[which], today)
    context = {
        "which": which,
        "page": page,
        "page_links": page_links(page, request.GET),
        "counts": {name: page.paginator.count if name == which else agreements.count()
                   for name, agreements in lists.items()},
        "askable": [],
        "today": today,
    }
    if which == "by":
        askable = askable_dependencies(user)
        context["askable"] = list(askable.select_related("source__strategy", "target__strategy", "target__lead")
                                  .order_by("source__code", "pk")[:ASKABLE_SHOWN])
        context["askable_more"] = max(0, askable.count() - ASKABLE_SHOWN) if len(context["askable"]) == ASKABLE_SHOWN else 0
    return render(request, "agreements/agreement_list.html", context)


def _secretariat_list(request, today: datetime.date):
    # list() runs the query once: the form's choices and the filter both use it.
    strategies = list(Strategy.objects.order_by("start_year"))
    form = AgreementFilterForm(request.GET or None, strategies=strategies)
    if form.is_valid():
        agreements = _filtered(Agreement.objects.all(), form.cleaned_data, strategies, today)
    else:
        agreements = Agreement.objects.none() if form.is_bound else Agreement.objects.all()
    page = _paged(request, agreements, today)
    status = 400 if form.is_bound and not form.is_valid() else 200
    context = {"form": form, "page": page, "page_links": page_links(page, request.GET), "today": today}
    return render(request, "agreements/agreement_all.html", context, status=status)


def _filtered(agreements, wanted: dict, strategies: list[Strategy], today: datetime.date):
    """The secretariat's filters; the dashboard's level matrix links here with the levels (and the
    strategy) of a cell and the state it counts."""
    if wanted["state"]:
        agreements = agreements.filter(state=wanted["state"])
    if wanted["unanswered_days"] is not None:
        since = timezone.now() - datetime.timedelta(days=wanted["unanswered_days"])
        agreements = agreements.unanswered_since(since)
    if wanted["overdue"]:
        agreements = agreements.overdue(today)
    if wanted["committed_late"]:
        agreements = agreements.committed_late()
    if wanted["strategy"]:
        strategy = next(s for s in strategies if s.code == wanted["strategy"])
        agreements = agreements.filter(dependency__source__strategy=strategy)
    return agreements.between_levels(wanted["requester_level"], wanted["provider_level"])


def _risk_label(agreement: Agreement, today: datetime.date) -> str:
    risk = agreement.risk(today)
    return AgreementRisk(risk).label if risk else ""


def _apply_errors(form, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


@login_required
@require_http_methods(["GET", "POST"])
def agreement_page(request, pk: int):
    # Another authority's agreement (a forged id) is not found, not forbidden: its existence is not news.
    agreement = get_object_or_404(Agreement.objects.visible_to(request.user).with_parties(), pk=pk)
    forms = {name: form_class(prefix=name) for name, (form_class, _s, _m) in ACTIONS.items() if form_class}
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        form_class, service, done = ACTIONS.get(action, (None, None, None))
        if service is None:
            status = 400
            messages.error(request, _("Choose what to do with the agreement."))
        else:
            form = form_class(request.POST, prefix=action) if form_class else None
            if form is not None:
                forms[action] = form
            if form is None or form.is_valid():
                fields = _service_fields(action, form)
                try:
                    service(agreement=agreement, user=request.user, **fields)
                except ValidationError as error:
                    if form is None:
                        messages.error(request, " ".join(error.messages))
                    else:
                        _apply_errors(form, error)
                else:
                    messages.success(request, done)
                    return redirect("agreements:detail", pk=agreement.pk)
            status = 400
    side = services.agreement_side(agreement, request.user)
    context = {
        "agreement": agreement,
        "side": side,
        "is_secretariat": is_secretariat(request.user),
        "forms": forms,
        "days_left": agreement.days_to_answer(timezone.localdate()),
        "risk_label": _risk_label(agreement, timezone.localdate()),
        "transitions": list(agreement.transitions.select_related("by_user", "by_authority").order_by("-at", "-pk")),
        "can": _possible_actions(agreement, side),
    }
    return render(request, "agreements/agreement_detail.html", context, status=status)


def _service_fields(action: str, form) -> dict:
    if form is None:
        return {}
    fields = dict(form.cleaned_data)
    if action == "reopen":
        # Empty fields keep what was asked; the provider sends neither.
        if fields["needed_by"] is None:
            fields.pop("needed_by")
        if not fields["what_needed"]:
            fields.pop("what_needed")
    return fields


def _possible_actions(agreement: Agreement, side: str | None) -> set[str]:
    """Which forms to show a party (the secretariat follows, the parties answer); the services decide
    again when one is posted."""
    state = agreement.state
    provider, requester = side == services.PROVIDER, side == services.REQUESTER
    can = set()
    if provider and state in services.ALLOWED_FROM["commit"]:
        can.add("commit")
    if provider and state in services.ALLOWED_FROM["propose"]:
        can.add("propose")
    if (provider and state in services.DECLINE_FROM[services.PROVIDER]) or (
        requester and state in services.DECLINE_FROM[services.REQUESTER]
    ):
        can.add("decline")
    if requester and state in services.ALLOWED_FROM["accept"]:
        can.add("accept")
    if side is not None and state in services.ALLOWED_FROM["reopen"]:
        can.add("reopen")
    return can


@login_required
@require_http_methods(["GET", "POST"])
def agreement_ask(request, dependency_pk: int):
    dependency = get_object_or_404(
        askable_dependencies(request.user).select_related("source__strategy", "target__strategy", "target__lead"),
        pk=dependency_pk,
    )
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_request(dependency=dependency, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply_errors(form, error)
        else:
            messages.success(request, _("The request is sent to %(authority)s.") % {
                "authority": dependency.target.lead.name})
            return redirect("agreements:detail", pk=agreement.pk)
    status = 400 if form.is_bound else 200
    return render(request, "agreements/agreement_ask.html", {"form": form, "dependency": dependency}, status=status)


