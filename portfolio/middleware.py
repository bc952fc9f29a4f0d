"""The project's middleware: the language (Danish unless the user chose another with the switch)
and a guard against input no database should see."""

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.middleware.locale import LocaleMiddleware
from django.utils import translation
from django.views.defaults import bad_request


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Activate the language in the language cookie, else Danish (`LANGUAGE_CODE`).

    Django's own middleware also follows the browser's Accept-Language, so a civil
    servant with an English browser would get English without asking. The product is
    Danish by default and English on request: only the switch (which sets the cookie)
    changes the language.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = settings.LANGUAGE_CODE
        if chosen:
            try:
                language = translation.get_supported_language_variant(chosen)
            except LookupError:
                pass
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def _has_nul(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in query.getlist(key)) for key in query)


class RefuseNulBytesMiddleware:
    """Answer 400 to any request whose query string or form fields hold a NUL byte.

    PostgreSQL cannot store or even compare text with NUL (it raises an error mid-query), SQLite
    quietly can: refusing it here, before any form, filter or autocomplete sees it, gives the same
    answer on both databases everywhere.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            return bad_request(request, SuspiciousOperation("NUL byte in the request"))
        return self.get_response(request)
