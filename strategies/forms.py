"""A page's choice of strategy (the funding and benefits pages): a bad value is a message on the
page, never a server error, and the current strategy is shown instead."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Strategy


class StrategyChoiceForm(forms.Form):
    strategy = forms.ChoiceField(label=_("Strategy"), required=False)

    def __init__(self, *args, strategies: list[Strategy], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["strategy"].choices = [("", _("The current strategy"))] + [
            (s.code, f"{s.period} {s.name}") for s in strategies
        ]

    def chosen(self, strategies: list[Strategy], default: Strategy | None) -> Strategy | None:
        code = self.cleaned_data.get("strategy") if self.is_valid() else ""
        return next((s for s in strategies if s.code == code), default) if code else default
