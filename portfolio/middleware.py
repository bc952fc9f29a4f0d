"""The project's middleware: the language (Danish unless the user chose another with the switch)
and a guard against input no database should see."""

from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext


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
    quietly can: refusing it here, before any view, form or autocomplete sees it, gives the same
    answer on both databases everywhere. The exception is a list whose filter form refuses it
    itself and names the filter (`common.listing.filters_reject_nul`). It runs after
    authentication, so the page saying why is the product's own, in the user's language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            return self._refuse(request, is_form=False)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method == "POST" and _has_nul(request.POST):
            return self._refuse(request, is_form=True)
        if _has_nul(request.GET) and not getattr(view_func, "filters_reject_nul", False):
            return self._refuse(request, is_form=False)
        return None

    @staticmethod
    def _refuse(request, *, is_form: bool):
        if request.path.startswith("/api/"):
            # The API answers its clients in JSON, as its schema says a refused request is answered.
            return JsonResponse({"detail": gettext("A parameter holds a NUL byte, which nothing accepts.")}, status=400)
        page = request.path if "\x00" not in request.path else "/"
        return render(request, "common/refused_input.html", {"is_form": is_form, "page": page}, status=400)
