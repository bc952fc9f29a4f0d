"""Amounts of money in whole kroner, as people write them: shown grouped in the active language
("109.000.000" in Danish, "109,000,000" in English) and read with or without the grouping."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

# Digits grouped by threes with a dot, comma or space (Danish, English, typed), or plain digits.
# A group of other than three digits ("12,5") is refused rather than guessed at.
AMOUNT = re.compile(r"^(\d{1,3}(?:[ .,\u00a0]\d{3})+|\d+)$")
SUFFIXES = ("kr.", "kr", "dkk")


class AmountInput(forms.TextInput):
    def __init__(self, attrs=None):
        super().__init__({"inputmode": "numeric", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if value in (None, ""):
            return None
        try:
            return number_format(int(value), force_grouping=True)
        except (TypeError, ValueError):
            return str(value)  # what was typed, shown again with its error


class AmountField(forms.IntegerField):
    widget = AmountInput
    default_error_messages = {
        "invalid": _("Enter a whole number of kroner, for example 1.500.000 or 1500000."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        for suffix in SUFFIXES:
            if text.lower().endswith(suffix):
                text = text[: -len(suffix)].strip()
        if not AMOUNT.match(text):
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return int(re.sub(r"[ .,\u00a0]", "", text))
