"""Amounts of money as people write them: shown grouped in the active language ("109.000.000" in
Danish, "109,000,000" in English) and read with or without the grouping; whole kroner
(AmountField) or kroner with øre (KronerField)."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.formats import get_format, number_format
from django.utils.translation import gettext
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


def _strip_suffix(text: str) -> str:
    for suffix in SUFFIXES:
        if text.lower().endswith(suffix):
            return text[: -len(suffix)].strip()
    return text


class KronerInput(forms.TextInput):
    """Kroner with øre, shown as the active language writes them: "1.500.000,50" or "1,500,000.50"."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if value in (None, ""):
            return None
        try:
            return number_format(Decimal(str(value)), decimal_pos=2, force_grouping=True)
        except (ArithmeticError, TypeError, ValueError):
            return str(value)  # what was typed, shown again with its error


class KronerField(forms.DecimalField):
    """An amount in kroner with at most two decimals (øre), read as the active language writes it
    (Danish "1.500.000,50", English "1,500,000.50"), with or without the grouping. A separator the
    language does not use for decimals is read as grouping, so "1500000.50" on a Danish page is
    refused rather than misread. Never a float."""

    widget = KronerInput
    default_error_messages = {
        "invalid": _("Enter an amount in kroner, for example 1.500.000,50 or 1500000."),
        "max_decimal_places": _("An amount has at most two decimals (øre)."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = _strip_suffix(str(value).strip())
        decimal_sep = get_format("DECIMAL_SEPARATOR")
        group_sep = "." if decimal_sep == "," else ","
        groups = "[" + re.escape(group_sep) + " \u00a0]"
        pattern = rf"^-?(\d{{1,3}}(?:{groups}\d{{3}})+|\d+)(?:{re.escape(decimal_sep)}(\d+))?$"
        match = re.match(pattern, text)
        if not match:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        whole = re.sub(r"\D", "", match.group(1))
        sign = "-" if text.startswith("-") else ""
        try:
            return Decimal(f"{sign}{whole}.{match.group(2) or '0'}")
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


MINUS = "\u2212"  # a real minus sign, as wide as the plus


def amount(value: Decimal | int | None, *, signed: bool = False) -> str:
    """An exact amount with øre, grouped in the active language ("1.500.000,50"); "–" for none.
    Signed: "+" for an overspend, "−" for an underspend."""
    if value is None:
        return "–"
    value = Decimal(value)
    text = number_format(abs(value) if signed else value, decimal_pos=2, force_grouping=True)
    if signed and value:
        return ("+" if value > 0 else MINUS) + text
    return text


def kroner(value: Decimal | int | None, *, signed: bool = False) -> str:
    """An exact amount as the pages write it: "1.500.000,50 kr." in Danish, "DKK 1,500,000.50" in English."""
    if value is None:
        return "–"
    return gettext("DKK %(amount)s") % {"amount": amount(value, signed=signed)}


def millions(value: Decimal | int | None, *, signed: bool = False) -> str:
    """An amount in millions with one decimal, for key figures: "12,3 mio. kr." / "DKK 12.3 million"."""
    if value is None:
        return "–"
    rounded = (Decimal(value) / Decimal(1_000_000)).quantize(Decimal("0.1"))
    text = number_format(abs(rounded) if signed else rounded, decimal_pos=1, force_grouping=True)
    if signed and rounded:
        text = ("+" if rounded > 0 else MINUS) + text
    return gettext("DKK %(amount)s million") % {"amount": text}


# --- Reading an amount from a spreadsheet cell -------------------------------------------------------

SPREADSHEET_AMOUNT = re.compile(r"^-?\d[\d.,]*$")
GROUPED = {".": re.compile(r"^\d{1,3}(\.\d{3})+$"), ",": re.compile(r"^\d{1,3}(,\d{3})+$")}


def read_amount(value) -> Decimal | None:
    """An amount exactly as a spreadsheet cell holds it, never through a float's rounding: a workbook
    number, or text written the Danish way ("1.500.000,50") or the English way ("1,500,000.50"),
    grouped or not ("1500000.50" is what an exported CSV holds), with "kr." or "DKK". None for an
    empty cell; ValueError for anything else.

    With both separators the last one marks the decimals. With one of them once, it groups thousands
    when exactly three digits follow a number that does not start with 0 ("1.500" is 1500), and marks
    decimals otherwise ("0,125" is 0.125: refused later for its third decimal, not read as 125).
    Nothing is rounded: more than two decimals are left for the field's own rule to refuse."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(str(value))
    if isinstance(value, int | Decimal):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))  # the shortest text of the float: what the cell shows
    else:
        text = re.sub(r"[\s\u00a0]", "", str(value)).replace(MINUS, "-")
        text = re.sub(r"(?i)^dkk|(kr\.?|dkk)$", "", text)
        if not text:
            return None
        if not SPREADSHEET_AMOUNT.match(text) or not text[-1].isdigit():
            raise ValueError(text)
        amount = Decimal(_plain_number(text))
    if not amount.is_finite():
        raise ValueError(str(value))
    return amount


def _plain_number(text: str) -> str:
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    separators = [char for char in text if char in ".,"]
    if not separators:
        return sign + text
    decimal_mark = separators[-1]
    whole, _mark, decimals = text.rpartition(decimal_mark)
    if len(set(separators)) == 1:
        once = len(separators) == 1
        if not once or (len(decimals) == 3 and not text.startswith("0")):
            if not GROUPED[decimal_mark].match(text):
                raise ValueError(text)
            return sign + text.replace(decimal_mark, "")
        return f"{sign}{whole}.{decimals}"
    grouping = "," if decimal_mark == "." else "."
    if not GROUPED[grouping].match(whole) or grouping in decimals:
        raise ValueError(text)
    return f"{sign}{whole.replace(grouping, '')}.{decimals}"
