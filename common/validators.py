"""Validators with no domain, used on model fields so every write path (admin, forms, imports,
services, the API) refuses the same input with the same message."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Control characters other than tab, newline and carriage return: invisible, break spreadsheets
# and XML, and PostgreSQL refuses NUL outright.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control_characters(value: str) -> None:
    if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
        raise ValidationError(
            _("Remove the invisible control characters from this text (they were probably pasted in by mistake)."),
            code="control_characters",
        )


# The Central Business Register's check: the digits weighted 2, 7, 6, 5, 4, 3, 2, 1 sum to a multiple of 11.
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


def is_valid_cvr(value: str) -> bool:
    if not (isinstance(value, str) and len(value) == 8 and value.isascii() and value.isdigit()):
        return False
    return sum(int(digit) * weight for digit, weight in zip(value, CVR_WEIGHTS, strict=True)) % 11 == 0


def validate_cvr(value: str) -> None:
    if value and not is_valid_cvr(value):
        raise ValidationError(
            _("“%(value)s” is not a CVR number: 8 digits whose check digit matches."),
            code="invalid_cvr",
            params={"value": value[:20]},
        )
