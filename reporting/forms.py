"""The forms of the reporting pages: they parse what was posted; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from common.validators import no_control_characters
from initiatives.models import Health
from strategies.models import Strategy

from .models import Cycle, Track

TEXT_LIMIT = 5000


def _text(label, help_text=""):
    return forms.CharField(
        label=label, help_text=help_text, required=False, max_length=TEXT_LIMIT,
        validators=[no_control_characters], widget=forms.Textarea(attrs={"rows": 4, "class": "form-input"}),
    )


class ReportForm(forms.Form):
    """A status report's texts, as its lead's coordinator fills them in."""

    assessed = forms.ChoiceField(
        label=_("Assessed status"), required=False, choices=Health.choices, widget=forms.RadioSelect,
        help_text=_("Your professional judgement; it may differ from the computed light only with a rationale."),
    )
    rationale = _text(_("Rationale"), _("Required when the assessed status differs from the computed one."))
    track = forms.ChoiceField(
        label=_("Track"), required=False, choices=Track.choices, widget=forms.RadioSelect,
        help_text=_("Required for a yellow or red assessment."),
    )
    progress = _text(_("Progress since the last report"))
    next_steps = _text(_("Next steps"))
    main_risks = _text(_("Main risks"))


class ReturnForm(forms.Form):
    return_comment = _text(_("Why the report is returned"))


ALL_STRATEGIES = "all"


class CompareForm(forms.Form):
    """Two cycles by code, and the strategy whose initiatives are compared (or all of them)."""

    a = forms.ChoiceField(label=_("Earlier cycle"))
    b = forms.ChoiceField(label=_("Later cycle"))
    strategy = forms.ChoiceField(label=_("Strategy"), required=False)

    def __init__(self, *args, cycles: list[Cycle], strategies: list[Strategy], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(cycle.code, cycle.code) for cycle in cycles]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices
        self.fields["strategy"].choices = [("", _("The current strategy")), (ALL_STRATEGIES, _("All strategies"))] + [
            (s.code, f"{s.period} {s.name}") for s in strategies
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("a") and cleaned.get("a") == cleaned.get("b"):
            self.add_error("b", _("Choose two different cycles."))
        return cleaned
