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
