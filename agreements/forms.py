"""The forms of the agreement pages: they parse what was posted; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from authorities.models import Level
from common.validators import no_control_characters

from .models import AgreementState

TEXT_LIMIT = 5000
DATE_HINT = _("Write the date as dd.mm.yyyy.")


def _date(label, *, required=False):
    return forms.DateField(label=label, required=required, help_text=DATE_HINT,
                           widget=forms.DateInput(format="%d.%m.%Y", attrs={"class": "form-input", "inputmode": "numeric"}))


def _text(label, *, help_text=""):
    return forms.CharField(
        label=label, required=False, max_length=TEXT_LIMIT, help_text=help_text, validators=[no_control_characters],
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-input"}),
    )


class RequestForm(forms.Form):
    """What the dependant's lead asks: what is needed, by when."""

    needed_by = _date(_("Needed by"))
    what_needed = _text(_("What is needed"))


class CommitForm(forms.Form):
    committed_date = _date(_("Committed date"))


class ProposeForm(forms.Form):
    proposed_date = _date(_("Proposed date"))
    reason = _text(_("Why another date"))


class DeclineForm(forms.Form):
    reason = _text(_("Why the agreement is declined"))


class ReopenForm(forms.Form):
    """Reopening; the requester may change what is asked (empty fields keep it)."""

    needed_by = _date(_("New needed-by date"))
    what_needed = _text(_("What is needed now"), help_text=_("Leave empty to keep what was asked."))
    reason = _text(_("Why it is reopened"))


class AgreementFilterForm(forms.Form):
    """The secretariat's filters over every agreement."""

    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("Any state")), *AgreementState.choices])
    unanswered_days = forms.IntegerField(
        label=_("Unanswered after (days)"), required=False, min_value=0, max_value=3650,
        help_text=_("Requests still unanswered this many days after they were made."),
    )
    overdue = forms.BooleanField(label=_("Only those unanswered after the needed-by date"), required=False)
    committed_late = forms.BooleanField(label=_("Only those committed later than needed"), required=False)
    strategy = forms.ChoiceField(label=_("Strategy of the dependant initiative"), required=False)
    requester_level = forms.ChoiceField(
        label=_("Asked by an authority at level"), required=False, choices=[("", _("Any level")), *Level.choices])
    provider_level = forms.ChoiceField(
        label=_("Asked of an authority at level"), required=False, choices=[("", _("Any level")), *Level.choices])

    def __init__(self, *args, strategies, **kwargs):
        super().__init__(*args, **kwargs)
        # The design system's classes: without them its checkboxes do not show whether they are ticked.
        for field in self.fields.values():
            kind = {"checkbox": "form-checkbox", "select": "form-select"}.get(field.widget.input_type, "form-input")
            field.widget.attrs.setdefault("class", kind)
        self.fields["strategy"].choices = [
            ("", _("All strategies")), *((s.code, f"{s.period} {s.name}") for s in strategies)]
