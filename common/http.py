"""Responses the product's views share."""

from django.shortcuts import render


def forbidden(request, reason: str = ""):
    """The product's 403 page, saying why. Returned rather than raised: a refusal the view
    expected is not an error, so the log gets one line, not a traceback."""
    return render(request, "403.html", {"reason": reason}, status=403)
