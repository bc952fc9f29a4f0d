"""Filter forms of the dashboard pages. They validate query parameters so that bad input becomes a
message on the page, never a server error. Strategy choices come from a list the view already
loaded, so a form costs no query of its own."""

from django import forms
from django.utils.translation import gettext_lazy as _

from authorities.models import Level
from initiatives.models import Criticality
from strategies.models import Strategy
from summaries.impact import MAX_DELAY_DAYS


def strategy_choices(strategies: list[Strategy], *, empty_label=None) -> list[tuple[str, str]]:
    choices = [(s.code, f"{s.period} {s.name}") for s in strategies]
    return [("", empty_label), *choices] if empty_label else choices


class OverviewForm(forms.Form):
    strategy = forms.ChoiceField(label=_("Strategy"), required=False)
    risk_level = forms.ChoiceField(
        label=_("At risk because of an authority at level"),
        required=False,
        choices=[("", _("Any level")), *Level.choices],
    )

    def __init__(self, *args, strategies: list[Strategy], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = [("", _("The current strategy")), *strategy_choices(strategies)]


class InterdependenciesForm(forms.Form):
    strategy = forms.ChoiceField(label=_("Strategy"), required=False)
    criticality = forms.ChoiceField(
        label=_("Criticality"), required=False, choices=[("", _("All criticalities")), *Criticality.choices]
    )
    show = forms.ChoiceField(
        label=_("Between levels, show"), required=False,
        choices=[("dependencies", _("Dependencies and those at risk")), ("agreements", _("Agreements by state"))],
    )

    def __init__(self, *args, strategies: list[Strategy], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = strategy_choices(strategies, empty_label=_("All strategies"))


class NetworkForm(InterdependenciesForm):
    nodes = forms.ChoiceField(
        label=_("Nodes"),
        required=False,
        choices=[("authorities", _("Authorities")), ("initiatives", _("Initiatives"))],
    )
    level = forms.ChoiceField(
        label=_("Level"), required=False, choices=[("", _("All levels")), *Level.choices]
    )


class ImpactForm(forms.Form):
    q = forms.CharField(label=_("Find an initiative (code or title)"), required=False, max_length=100, strip=True)
    initiative = forms.IntegerField(
        label=_("Initiative"),
        required=False,
        min_value=1,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": _("Choose the initiative from the search results."),
            "min_value": _("Choose the initiative from the search results."),
        },
    )
    days = forms.IntegerField(
        label=_("Delay in days"),
        required=False,
        min_value=1,
        max_value=MAX_DELAY_DAYS,
        initial=90,
        error_messages={
            "invalid": _("Enter the delay as a whole number of days."),
            "min_value": _("The delay must be at least 1 day."),
            "max_value": _("The delay can be at most %(limit_value)s days."),
        },
    )
