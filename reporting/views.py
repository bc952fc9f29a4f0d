"""The reporting pages: cycles, a cycle's progress, the steering group's report, the comparison of
two cycles, and a status report's own page where it is filled in, approved, accepted or returned.

Views are thin: forms parse, reporting.services decide, reporting.selectors read.
"""

from collections import Counter
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accesslog.models import Purpose
from accesslog.services import access_record
from common.listing import filters_reject_nul, page_links, without_empty_values
from common.roles import is_secretariat, reads_everything
from strategies.forms import StrategyChoiceForm
from strategies.models import Strategy

from . import selectors, services
from .comparison import CHANGE_KINDS, compare_cycles
from .exports import cycle_csv
from .forms import ALL_STRATEGIES, CompareForm, ReportForm, ReturnForm
from .models import Cycle, ReportState, StatusReport, approved_authority_ids
from .pdf import pdf_filename, steering_pdf
from .snapshots import cycle_export_rows


@login_required
@require_GET
def cycle_list(request):
    trends = selectors.cycle_trends()
    return render(request, "reporting/cycle_list.html", {
        "cycles": selectors.cycle_list(), "trends": trends, "trend_chart": selectors.trend_chart(trends),
    })


@login_required
@require_GET
def cycle_detail(request, code: str):
    cycle = get_object_or_404(Cycle.objects.prefetch_related("strategies", "reminders"), code=code)
    detail = selectors.cycle_detail(cycle, request.user, timezone.localdate())
    return render(request, "reporting/cycle_detail.html", {"detail": detail, "cycle": cycle,
                                                           "is_secretariat": is_secretariat(request.user),
                                                           "reads_everything": reads_everything(request.user)})


@login_required
@require_POST
def cycle_freeze(request, code: str):
    cycle = get_object_or_404(Cycle, code=code)
    try:
        services.cycle_freeze(cycle=cycle, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Cycle %(code)s is frozen.") % {"code": cycle.code})
    return redirect("reporting:cycle", code=cycle.code)


def _report_strategy(request, cycle: Cycle) -> tuple[StrategyChoiceForm, list[Strategy], Strategy | None]:
    """The strategy whose report is asked for (the page and its PDF): one the cycle covers."""
    strategies = selectors.cycle_strategies(cycle)
    form = StrategyChoiceForm(request.GET or None, strategies=strategies)
    return form, strategies, form.chosen(strategies, default=selectors.default_strategy(strategies, timezone.localdate()))


@login_required
@require_GET
@filters_reject_nul
def steering_report(request, code: str):
    cycle = get_object_or_404(Cycle, code=code)
    form, strategies, strategy = _report_strategy(request, cycle)
    report = selectors.steering_report(cycle, request.user, strategy, per_page=selectors.STEERING_PAGE_SIZE,
                                       page_number=request.GET.get("page"))
    query = without_empty_values(request.GET)
    context = {
        "report": report, "cycle": cycle, "form": form, "strategies": strategies, "strategy": strategy,
        "page": report.page, "page_links": page_links(report.page, query) if report.page else [],
        "pdf_query": urlencode({"strategy": strategy.code}) if strategy else "",
    }
    return render(request, "reporting/steering_report.html", context)


@login_required
@require_GET
@filters_reject_nul
def steering_report_pdf(request, code: str):
    """The chosen strategy's whole report as a PDF, with the texts this user may read."""
    cycle = get_object_or_404(Cycle, code=code)
    _form, _strategies, strategy = _report_strategy(request, cycle)
    if strategy is None:
        raise Http404
    content = steering_pdf(cycle, strategy, user=request.user, language=translation.get_language() or "da")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pdf_filename(cycle, strategy)}"'
    return response


@login_required
@require_GET
def cycle_export_csv(request, code: str):
    """The steering group's CSV: only the secretariat's (and its readers'), since it holds every report's texts."""
    if not reads_everything(request.user):
        raise PermissionDenied
    cycle = get_object_or_404(Cycle, code=code)
    content = cycle_csv(cycle_export_rows(cycle), language=translation.get_language() or "da")
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cycle-{cycle.code}.csv"'
    return response


# Changes listed on one page of the comparison.
COMPARE_PAGE_SIZE = 100


def _compared_strategy(choice: str, strategies: list[Strategy], earlier: Cycle, later: Cycle) -> Strategy | None:
    """The chosen strategy; none for all of them; by default the current of those the cycles cover."""
    if choice == ALL_STRATEGIES:
        return None
    if choice:
        return next(s for s in strategies if s.code == choice)
    covered = {pk for cycle in (earlier, later) for pk in cycle.strategies.values_list("pk", flat=True)}
    return selectors.default_strategy([s for s in strategies if s.pk in covered], timezone.localdate())


@login_required
@require_GET
@filters_reject_nul
def compare(request):
    cycles = list(Cycle.objects.order_by("-period_start", "code"))
    strategies = list(Strategy.objects.order_by("-start_year", "code"))
    form = CompareForm(request.GET or None, cycles=cycles, strategies=strategies)
    context = {"form": form, "changes": None}
    if form.is_valid():
        by_code = {cycle.code: cycle for cycle in cycles}
        earlier, later = by_code[form.cleaned_data["a"]], by_code[form.cleaned_data["b"]]
        strategy = _compared_strategy(form.cleaned_data["strategy"], strategies, earlier, later)
        changes = compare_cycles(earlier, later, strategy)
        page = Paginator(changes, COMPARE_PAGE_SIZE).get_page(request.GET.get("page"))
        kinds = Counter(change.kind for change in changes)
        context.update(earlier=earlier, later=later, strategy=strategy, changes=page.object_list, page=page,
                       page_links=page_links(page, without_empty_values(request.GET)),
                       kinds=[(kind, kinds[kind]) for kind in CHANGE_KINDS if kinds[kind]])
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "reporting/compare.html", context, status=status)


# --- One status report ---------------------------------------------------------------------------------


def _apply_errors(form, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        for text in texts:
            form.add_error(field if field in form.fields else None, text)


def _act(request, report: StatusReport, form: ReportForm, return_form: ReturnForm):
    """Run the posted action; a redirect when done, None when a form shows errors."""
    action = request.POST.get("action", "")
    try:
        if action in ("save", "submit"):
            if not form.is_valid():
                return None
            texts = form.cleaned_data
            if action == "save":
                services.report_save(report=report, user=request.user, **texts)
                messages.success(request, _("The report is saved as a draft."))
            else:
                services.report_submit(report=report, user=request.user, **texts)
                messages.success(request, _("The report is submitted for approval."))
        elif action == "approve":
            services.report_approve(report=report, user=request.user)
            messages.success(request, _("The report is approved."))
        elif action == "accept":
            services.report_accept(report=report, user=request.user)
            messages.success(request, _("The report is accepted."))
        elif action == "return":
            if not return_form.is_valid():
                return None
            services.report_return(report=report, user=request.user, comment=return_form.cleaned_data["return_comment"])
            messages.success(request, _("The report is returned to its author."))
        else:
            raise PermissionDenied
    except ValidationError as error:
        _apply_errors(return_form if action == "return" else form, error)
        return None
    return redirect("reporting:report", pk=report.pk)


@login_required
@require_http_methods(["GET", "POST"])
def report_page(request, pk: int):
    report = get_object_or_404(
        StatusReport.objects.visible_to(request.user).select_related(
            "cycle", "initiative__strategy", "initiative__lead", "initiative__focus_area", "submitted_by",
            "approved_by", "reviewed_by",
        ),
        pk=pk,
    )
    user = request.user
    is_open = not report.cycle.is_frozen
    can_edit = is_open and report.is_editable_state and report.is_editable_by(user)
    initial = {name: getattr(report, name) for name in services.REPORT_TEXT_FIELDS}
    # Bound whatever the user may do: the services decide, and say why they refuse.
    form = ReportForm(request.POST if request.method == "POST" else None, initial=initial)
    return_form = ReturnForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        response = _act(request, report, form, return_form)
        if response is not None:
            return response
    context = {
        "report": report,
        "initiative": report.initiative,
        "health_now": report.initiative.assess_health(),
        "open_risks": selectors.report_open_risks(report),
        "form": form,
        "return_form": return_form,
        "can_edit": can_edit,
        "can_approve": is_open and report.state == ReportState.SUBMITTED
        and report.initiative.lead_id in approved_authority_ids(user) and report.submitted_by_id != user.pk,
        "own_submission_waits": report.state == ReportState.SUBMITTED and report.submitted_by_id == user.pk,
        "can_review": is_open and is_secretariat(user) and report.state in (ReportState.SUBMITTED, ReportState.APPROVED),
        "can_accept": is_open and is_secretariat(user) and report.state == ReportState.APPROVED,
        "history": list(report.history.select_related("history_user").order_by("-history_date")[:20]),
    }
    # The page names who submitted, approved and reviewed the report and who changed it.
    access_record(
        viewer=user,
        subject_ids={report.submitted_by_id, report.approved_by_id, report.reviewed_by_id,
                     *(record.history_user_id for record in context["history"])} - {None},
        purpose=Purpose.STATUS_REPORT_PEOPLE,
    )
    return render(request, "reporting/report.html", context, status=200 if request.method == "GET" else 400)
