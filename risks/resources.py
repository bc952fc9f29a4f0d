"""Spreadsheet import and export of the risk register: one row per risk, identified by its initiative
(`strategy` and `initiative`, the code) and its `title`.

Columns: `description`, `probability` and `impact` (whole numbers 1–5), `owner` (the owner authority,
by official code or exact Danish name), `mitigation`, `review_date`, `status` (open, mitigating,
closed, or the Danish words), `agreement` (the number of a dependency agreement on one of the
initiative's own dependencies, as in its address /agreements/<number>/; empty for none). `score` and
`escalated` are exported for reading and ignored on import: the register computes them. Every row
is saved through risks.services.risk_save, with the same preview and all-or-nothing rules as the
initiatives' import.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from agreements.models import Agreement
from initiatives.resources import (
    AuthorityWidget,
    ChoiceWidget,
    DateWidget,
    StrategyWidget,
    TextWidget,
    TitledByInitiativeResource,
    cell_text,
)

from .models import Risk, RiskStatus
from .services import RISK_FIELDS, risk_check, risk_save


class OneToFiveWidget(widgets.Widget):
    """A whole number from 1 to 5; a workbook's 3.0 is 3."""

    def __init__(self, refusal, **kwargs):
        super().__init__(**kwargs)
        self.refusal = refusal  # "The probability is a number from 1 to 5, not “%(value)s”."

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if text not in {"1", "2", "3", "4", "5"}:
            raise ValueError(str(self.refusal) % {"value": text})
        return int(text)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else value


class AgreementWidget(widgets.Widget):
    """A dependency agreement by its number; whether it may be linked is the service's question."""

    def clean(self, value, row=None, **kwargs):
        text = cell_text(value)
        if not text:
            return None
        agreement = Agreement.objects.filter(pk=int(text)).first() if text.isascii() and text.isdigit() and len(text) < 12 else None
        if agreement is None:
            raise ValueError(_("No dependency agreement number “%(value)s”.") % {"value": text})
        return agreement

    def render(self, value, obj=None, **kwargs):
        return value.pk if value else ""


class YesNoRendered(widgets.Widget):
    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class RiskResource(TitledByInitiativeResource):
    """Risks, identified by initiative and title; written by the initiative's lead or the risk's owner."""

    title_field = "title"

    services_validate = True  # risk_save

    strategy = fields.Field(column_name="strategy", attribute="initiative__strategy", readonly=True,
                            widget=StrategyWidget())
    initiative = fields.Field(column_name="initiative", attribute="initiative__code", readonly=True)
    title = fields.Field(column_name="title", attribute="title", widget=TextWidget())
    description = fields.Field(column_name="description", attribute="description", widget=TextWidget())
    probability = fields.Field(column_name="probability", attribute="probability",
                               widget=OneToFiveWidget(
        gettext_lazy("The probability is a number from 1 to 5, not “%(value)s”.")))
    impact = fields.Field(column_name="impact", attribute="impact", widget=OneToFiveWidget(
        gettext_lazy("The impact is a number from 1 to 5, not “%(value)s”.")))
    owner = fields.Field(column_name="owner", attribute="owner", widget=AuthorityWidget())
    mitigation = fields.Field(column_name="mitigation", attribute="mitigation", widget=TextWidget())
    review_date = fields.Field(column_name="review_date", attribute="review_date", widget=DateWidget())
    status = fields.Field(column_name="status", attribute="status", widget=ChoiceWidget(RiskStatus, RiskStatus.OPEN))
    agreement = fields.Field(column_name="agreement", attribute="agreement", widget=AgreementWidget())
    score = fields.Field(column_name="score", attribute="score", readonly=True)
    escalated = fields.Field(column_name="escalated", attribute="escalated", readonly=True, widget=YesNoRendered())

    class Meta:
        model = Risk
        fields = ("strategy", "initiative", "title", "description", "probability", "impact", "owner", "mitigation",
                  "review_date", "status", "agreement", "score", "escalated")
        import_id_fields = ("strategy", "initiative", "title")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_bulk = False

    def get_queryset(self):
        return Risk.objects.select_related("initiative__strategy", "initiative__lead", "owner", "agreement")

    def filter_export(self, queryset, **kwargs):
        queryset = queryset.select_related("initiative__strategy", "owner", "agreement")
        return queryset if self.user is None else queryset.visible_to(self.user)

    def scope_errors_before(self, instance) -> dict:
        if instance.is_editable_by(self.user):
            return {}
        return {"initiative": ValidationError(
            _("Risk “%(title)s” of %(code)s is not yours to change: only the initiative's lead or the risk's owner "
              "may.") % {"title": instance.title, "code": instance.initiative.code_with_strategy})}

    def scope_errors_after(self, instance) -> dict:
        try:
            risk_check(risk=instance, user=self.user, full_clean=False)
        except PermissionDenied as refusal:
            return {"owner": ValidationError(
                _("%(refusal)s Initiative %(code)s is led by %(lead)s.")
                % {"refusal": refusal, "code": instance.initiative.code_with_strategy, "lead": instance.initiative.lead})}
        except ValidationError as error:
            return {field: ValidationError(texts) for field, texts in error.message_dict.items()}
        return {}

    def do_instance_save(self, instance, is_create):
        risk = Risk(initiative=instance.initiative) if is_create else Risk(pk=instance.pk)
        values = {name: getattr(instance, name) for name in RISK_FIELDS}
        saved = risk_save(risk=risk, user=self.user, **values)
        instance.pk = saved.pk
        instance._state.adding = False
        self.record_reason(saved)
