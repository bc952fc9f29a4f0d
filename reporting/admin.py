"""The admin for reporting cycles, scoped like the rest (common.admin.ScopedAdminMixin):

- cycles and approvers are the secretariat's;
- a coordinator sees and fills in the status reports of the initiatives their authority leads,
  and asks for new baselines for them; the secretariat sees all and decides the requests;
- baseline versions are read-only for everyone: they are written by an approved request.

Every write goes through reporting.services, so the admin refuses what the pages refuse.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from accesslog.admin import PeopleShownAdminMixin
from accesslog.models import Purpose
from common.admin import KeyCheckedAutocompleteMixin, ScopedAdminMixin, VersionCheckedAdminMixin
from common.amounts import AmountField, AmountInput
from common.roles import is_secretariat, reads_everything
from initiatives.models import Initiative

from . import services
from .models import (
    Approver,
    BaselineVersion,
    Cycle,
    CycleReminder,
    RebaselineRequest,
    RequestState,
    StatusReport,
)


class SecretariatOnlyMixin:
    """Models only the secretariat changes in the admin (and its readers see)."""

    def has_module_permission(self, request):
        return reads_everything(request.user)

    def has_view_permission(self, request, obj=None):
        return reads_everything(request.user)

    def has_add_permission(self, request, *args):
        return is_secretariat(request.user)

    def has_change_permission(self, request, obj=None):
        return is_secretariat(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_secretariat(request.user)


def _report_errors(request, error: ValidationError) -> None:
    for field, texts in error.message_dict.items():
        for text in texts:
            messages.error(request, f"{field}: {text}")


# --- Cycles -------------------------------------------------------------------------------------------


class CycleReminderInline(admin.TabularInline):
    model = CycleReminder
    extra = 1

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Cycle)
class CycleAdmin(VersionCheckedAdminMixin, SecretariatOnlyMixin, SimpleHistoryAdmin):
    list_display = ["code", "period_start", "period_end", "deadline", "state", "frozen_at"]
    list_filter = ["state"]
    search_fields = ["code"]
    filter_horizontal = ["strategies"]
    inlines = [CycleReminderInline]
    fields = ["code", "period_start", "period_end", "deadline", "strategies", "state", "frozen_at", "frozen_by"]
    readonly_fields = ["state", "frozen_at", "frozen_by"]
    actions = ["freeze"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return self.fields  # a frozen cycle is a record (and its database row refuses changes)
        if obj is not None:
            return [*self.readonly_fields, "strategies"]  # the reports owed were set when it opened
        return self.readonly_fields

    def has_change_permission(self, request, obj=None):
        # A frozen cycle is shown, never saved: its row refuses any change (migrations/0002).
        return super().has_change_permission(request, obj) and (obj is None or not obj.is_frozen)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or (not obj.is_frozen and not obj.reports.exists())
        )

    def save_model(self, request, obj, form, change):
        if change:
            obj._history_user = request.user
            obj.save()
            return
        opened = services.cycle_open(
            user=request.user, code=obj.code, period_start=obj.period_start, period_end=obj.period_end,
            deadline=obj.deadline, strategies=form.cleaned_data["strategies"],
        )
        obj.pk, obj._state.adding = opened.pk, False

    @admin.action(description=_("Freeze the selected cycles (a snapshot for the steering group)"), permissions=["change"])
    def freeze(self, request, queryset):
        for cycle in queryset.open():
            services.cycle_freeze(cycle=cycle, user=request.user)
            messages.success(request, _("Cycle %(code)s is frozen.") % {"code": cycle.code})


@admin.register(Approver)
class ApproverAdmin(
    PeopleShownAdminMixin, VersionCheckedAdminMixin, SecretariatOnlyMixin, KeyCheckedAutocompleteMixin, SimpleHistoryAdmin
):
    # The pages show approvers' user names: each view is logged for them.
    list_purpose = row_purpose = Purpose.APPROVER_LIST
    list_display = ["user", "authority", "created_at"]
    search_fields = ["user__username", "authority__name_da"]
    autocomplete_fields = ["user", "authority"]


# --- Status reports ------------------------------------------------------------------------------------


class StatusReportForm(forms.ModelForm):
    """The texts of a report; ticking "submit" checks them as a submission (services.submission_errors)."""

    submit = forms.BooleanField(
        label=_("Submit for approval"), required=False,
        help_text=_("The computed lights are captured now; the report then waits for your authority's approver."),
    )

    class Meta:
        model = StatusReport
        fields = list(services.REPORT_TEXT_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("submit") and self.instance.pk:
            errors = services.submission_errors(
                assessed=cleaned.get("assessed") or "",
                computed_overall=self.instance.initiative.assess_health().overall,
                rationale=cleaned.get("rationale") or "",
                track=cleaned.get("track") or "",
            )
            for field, message in errors.items():
                self.add_error(field, message)
        return cleaned


@admin.register(StatusReport)
class StatusReportAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    form = StatusReportForm
    list_display = ["cycle", "initiative", "lead", "state", "computed_overall", "assessed", "track"]
    list_filter = ["cycle", "state", "assessed", "track"]
    list_select_related = ["cycle", "initiative__strategy", "initiative__lead"]
    search_fields = ["initiative__code", "initiative__title_da", "initiative__lead__name_da"]
    readonly_fields = [
        "cycle", "initiative", "state", "computed_schedule", "computed_schedule_reason", "computed_cost",
        "computed_cost_reason", "computed_benefits", "computed_overall", "submitted_by", "submitted_at",
        "approved_by", "approved_at", "reviewed_by", "reviewed_at", "return_comment",
    ]
    fieldsets = [
        (None, {"fields": ["cycle", "initiative", "state", "return_comment"]}),
        (_("Computed at submission"), {"fields": [
            ("computed_schedule", "computed_schedule_reason"), ("computed_cost", "computed_cost_reason"),
            "computed_benefits", "computed_overall",
        ]}),
        (_("Assessment"), {"fields": ["assessed", "rationale", "track"]}),
        (_("Report"), {"fields": ["progress", "next_steps", "main_risks"]}),
        (_("Round"), {"fields": [
            "submit", ("submitted_by", "submitted_at"), ("approved_by", "approved_at"), ("reviewed_by", "reviewed_at"),
        ]}),
    ]

    @admin.display(description=_("lead authority"), ordering="initiative__lead__name_da")
    def lead(self, obj):
        return obj.initiative.lead

    def can_edit(self, request, obj) -> bool:
        return StatusReport.objects.editable_by(request.user).filter(pk=obj.pk).exists()

    def has_add_permission(self, request):
        return False  # reports are owed when a cycle opens

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or (obj.is_editable_state and not obj.cycle.is_frozen)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and self.has_change_permission(request, obj):
            return fieldsets
        # Read-only: the "submit" tick box is no field of the model to show.
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "submit"]}) for name, options in fieldsets
        ]

    def save_model(self, request, obj, form, change):
        texts = {name: form.cleaned_data[name] for name in services.REPORT_TEXT_FIELDS if name in form.cleaned_data}
        try:
            if form.cleaned_data.get("submit"):
                services.report_submit(report=obj, user=request.user, **texts)
            else:
                services.report_save(report=obj, user=request.user, **texts)
        except PermissionDenied:
            raise
        except ValidationError as error:
            # The form checked the same rules; this is a race (the cycle frozen meanwhile, say).
            _report_errors(request, error)
            raise PermissionDenied from error


# --- Baselines -----------------------------------------------------------------------------------------


@admin.register(BaselineVersion)
class BaselineVersionAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    list_display = ["initiative", "number", "baseline_start", "baseline_end", "baseline_budget", "approved_by",
                    "approved_at"]
    list_select_related = ["initiative__strategy", "approved_by"]
    search_fields = ["initiative__code", "initiative__title_da"]
    readonly_fields = ["initiative", "number", "baseline_start", "baseline_end", "baseline_budget", "approved_by",
                       "approved_at", "reason"]

    def can_edit(self, request, obj) -> bool:
        return False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DECISION:
    APPROVE = "approve"
    REJECT = "reject"


class RebaselineRequestForm(forms.ModelForm):
    """A coordinator's request (new) or the secretariat's decision on one (pending)."""

    decision = forms.ChoiceField(
        label=_("decision"), required=False,
        choices=[("", "—"), (DECISION.APPROVE, _("Approve: make it the baseline")), (DECISION.REJECT, _("Reject"))],
    )

    class Meta:
        model = RebaselineRequest
        fields = ["initiative", "report", "baseline_start", "baseline_end", "baseline_budget", "reason",
                  "decision_comment"]
        field_classes = {"baseline_budget": AmountField}
        widgets = {"baseline_budget": AmountInput}

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            for field, message in services.rebaseline_errors(
                baseline_start=cleaned.get("baseline_start"), baseline_end=cleaned.get("baseline_end"),
                baseline_budget=cleaned.get("baseline_budget"), reason=cleaned.get("reason") or "",
            ).items():
                if field in self.fields and field not in self.errors:
                    self.add_error(field, message)
        elif cleaned.get("decision") == DECISION.REJECT and not (cleaned.get("decision_comment") or "").strip():
            self.add_error("decision_comment", _("Say why the request is rejected."))
        return cleaned


@admin.register(RebaselineRequest)
class RebaselineRequestAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SimpleHistoryAdmin):
    form = RebaselineRequestForm
    list_display = ["initiative", "baseline_start", "baseline_end", "baseline_budget", "state", "requested_by",
                    "requested_at"]
    list_filter = ["state"]
    list_select_related = ["initiative__strategy", "requested_by"]
    search_fields = ["initiative__code", "initiative__title_da"]
    autocomplete_fields = ["initiative"]
    decided = ["state", "requested_by", "requested_at", "decided_by", "decided_at", "version"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["initiative", "baseline_start", "baseline_end", "baseline_budget", "reason"]
        fields = ["initiative", "report", "baseline_start", "baseline_end", "baseline_budget", "reason", *self.decided,
                  "decision_comment"]
        if self.has_change_permission(request, obj):
            fields.insert(fields.index("decision_comment"), "decision")
        return fields

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        readonly = ["initiative", "report", "baseline_start", "baseline_end", "baseline_budget", "reason", *self.decided]
        if not self.has_change_permission(request, obj):
            readonly.append("decision_comment")
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "initiative" and not is_secretariat(request.user):
            field.queryset = Initiative.objects.editable_by(request.user)
        return field

    def has_change_permission(self, request, obj=None):
        # Deciding is the secretariat's, and only while the request waits.
        if obj is None:
            return super().has_change_permission(request, obj)
        return is_secretariat(request.user) and obj.state == RequestState.PENDING

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.rebaseline_request_create(
                initiative=data["initiative"], user=request.user, baseline_start=data.get("baseline_start"),
                baseline_end=data.get("baseline_end"), baseline_budget=data.get("baseline_budget"),
                reason=data["reason"],
            )
            obj.pk, obj._state.adding = created.pk, False
            return
        comment = data.get("decision_comment") or ""
        if data.get("decision") == DECISION.APPROVE:
            services.rebaseline_request_approve(request=obj, user=request.user, comment=comment)
        elif data.get("decision") == DECISION.REJECT:
            services.rebaseline_request_reject(request=obj, user=request.user, comment=comment)

