"""Spreadsheet import and export of the benefits register: one row per benefit, identified by its
initiative (`strategy` and `initiative`, the code) and its Danish title.

Columns: `kind` (economic or non_economic, or the Danish words), `title_da`, `title_en`, `indicator`
(non-economic: what is measured, in which unit), `higher_is_better` (yes/no; empty: yes),
`from_year` (economic: the first year of the saving), `baseline` and `forecast` (DKK per year, or the
indicator's value) and `realised_by` (the authority where the benefit arises, by code or exact
Danish name). Every row is saved through benefits.services.benefit_save, so the initiative's
benefits light follows; what was realised is recorded at the follow-up, not imported.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, widgets

from initiatives.resources import (
    AmountWidget,
    AuthorityWidget,
    ChoiceWidget,
    StrategyWidget,
    TextWidget,
    TitledByInitiativeResource,
    YearWidget,
    cell_text,
)

from .models import Benefit, Kind
from .services import benefit_save

YES = {"yes", "ja", "true", "1", "sand", "x"}
NO = {"no", "nej", "false", "0", "falsk"}


class YesNoWidget(widgets.Widget):
    """Yes or no in either language; anything else is refused rather than read as no."""

    def __init__(self, default: bool, **kwargs):
        super().__init__(**kwargs)
        self.default = default

    def clean(self, value, row=None, **kwargs):
        if isinstance(value, bool):
            return value
        text = cell_text(value).lower()
        if not text:
            return self.default
        if text in YES:
            return True
        if text in NO:
            return False
        raise ValueError(_("“%(value)s” is neither yes nor no.") % {"value": cell_text(value)})

    def render(self, value, obj=None, **kwargs):
        return "yes" if value else "no"


class BenefitResource(TitledByInitiativeResource):
    """Benefits, identified by initiative and Danish title."""

    led_elsewhere = gettext_lazy(
        "Initiative %(code)s is led by %(lead)s; you can import benefits only of initiatives your authority leads.")

    services_validate = True  # benefit_save

    strategy = fields.Field(column_name="strategy", attribute="initiative__strategy", readonly=True, widget=StrategyWidget())
    initiative = fields.Field(column_name="initiative", attribute="initiative__code", readonly=True)
    kind = fields.Field(column_name="kind", attribute="kind", widget=ChoiceWidget(Kind, None))
    title_da = fields.Field(column_name="title_da", attribute="title_da", widget=TextWidget())
    title_en = fields.Field(column_name="title_en", attribute="title_en", widget=TextWidget())
    indicator = fields.Field(column_name="indicator", attribute="indicator", widget=TextWidget())
    higher_is_better = fields.Field(column_name="higher_is_better", attribute="higher_is_better",
                                    widget=YesNoWidget(default=True))
    from_year = fields.Field(column_name="from_year", attribute="from_year", widget=YearWidget())
    baseline = fields.Field(column_name="baseline", attribute="baseline", widget=AmountWidget())
    forecast = fields.Field(column_name="forecast", attribute="forecast", widget=AmountWidget())
    realised_by = fields.Field(column_name="realised_by", attribute="realised_by", widget=AuthorityWidget())

    class Meta:
        model = Benefit
        fields = ("strategy", "initiative", "kind", "title_da", "title_en", "indicator", "higher_is_better",
                  "from_year", "baseline", "forecast", "realised_by")
        import_id_fields = ("strategy", "initiative", "title_da")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_bulk = False

    def get_queryset(self):
        return Benefit.objects.select_related("initiative__strategy", "initiative__lead", "realised_by")

    def filter_export(self, queryset, **kwargs):
        return super().filter_export(queryset.select_related("realised_by"), **kwargs)

    def do_instance_save(self, instance, is_create):
        instance._change_reason = self.change_reason()  # simple-history stores it with the record
        benefit_save(benefit=instance)
