"""The risk register in the admin, scoped like its pages: a coordinator sees the risks of initiatives
their authority leads or takes part in, and changes those of initiatives it leads or that it owns.
The choices offered (initiative, owner, agreement) are only those the user may use; saving goes
through risks.services.risk_save, and imports and exports through RiskResource."""

from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from common.admin import ScopedAdminMixin, VersionCheckedAdminMixin
from common.roles import is_secretariat
from initiatives.admin_spreadsheets import SpreadsheetImportExportMixin
from initiatives.models import Initiative

from .forms import AgreementChoiceField, RiskCheckedForm, agreement_choices, owner_choices
from .models import Risk
from .resources import RiskResource
from .services import risk_save


class RiskAdminForm(RiskCheckedForm):
    class Meta:
        model = Risk
        fields = "__all__"


@admin.register(Risk)
class RiskAdmin(VersionCheckedAdminMixin, ScopedAdminMixin, SpreadsheetImportExportMixin, SimpleHistoryAdmin):
    form = RiskAdminForm
    resource_classes = [RiskResource]
    list_display = ["title", "initiative_code", "probability", "impact", "score", "owner", "status", "review_date",
                    "escalated_flag"]
    list_filter = ["status", "escalated", "initiative__strategy"]
    list_select_related = ["initiative__strategy", "owner"]
    search_fields = ["title", "initiative__code", "initiative__title_da", "initiative__title_en"]
    autocomplete_fields = ["initiative"]
    readonly_fields = ["score", "escalated"]

    def get_fields(self, request, obj=None):
        fields = ["initiative", "title", "description", "probability", "impact", "owner", "mitigation", "review_date",
                  "status"]
        # The agreement is one on the initiative's own dependencies: chosen once the initiative is saved.
        if obj is not None:
            fields += ["agreement", "score", "escalated"]
        return fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The agreement's and owner's choices are those of the risk's initiative (formfield_for_foreignkey).
        request._risk_initiative = obj.initiative if obj is not None else None
        form = super().get_form(request, obj, change=change, **kwargs)
        # The rules' questions (risk_check) are asked as this user.
        return type(form.__name__, (form,), {"user": request.user, "__module__": form.__module__})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        user = request.user
        if db_field.name == "initiative" and not is_secretariat(user):
            kwargs["queryset"] = Initiative.objects.visible_to(user)
        elif db_field.name == "owner":
            kwargs["queryset"] = owner_choices(user, getattr(request, "_risk_initiative", None))
        elif db_field.name == "agreement":
            return AgreementChoiceField(
                queryset=agreement_choices(user, getattr(request, "_risk_initiative", None)), required=False,
                label=db_field.verbose_name, help_text=db_field.help_text,
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        risk = obj if change else Risk(initiative=form.cleaned_data["initiative"])
        saved = risk_save(risk=risk, user=request.user, **form.service_fields())
        obj.pk, obj.score, obj.escalated = saved.pk, saved.score, saved.escalated

    @admin.display(description=_("initiative"), ordering="initiative__code")
    def initiative_code(self, obj):
        return format_html('<span class="nowrap">{}</span>', obj.initiative.code_with_strategy)

    @admin.display(description=_("escalated"), ordering="escalated")
    def escalated_flag(self, obj):
        return format_html("<strong>⚠ {}</strong>", _("Escalated")) if obj.escalated else "–"
