"""The accessibility statement at `/was`: the one made with WAS-Tool when its address is configured,
else the product's own."""

import datetime

from django.conf import settings
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

# The day the product's own statement below was last reviewed; change it with the statement's text
# (templates/accessibility/statement.html).
STATEMENT_REVIEWED = datetime.date(2026, 11, 30)


@require_safe
def statement(request):
    if settings.ACCESSIBILITY_STATEMENT_URL:
        return redirect(settings.ACCESSIBILITY_STATEMENT_URL)
    return render(
        request,
        "accessibility/statement.html",
        {"reviewed": STATEMENT_REVIEWED, "contact_email": settings.ACCESSIBILITY_CONTACT_EMAIL},
    )
