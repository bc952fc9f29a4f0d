"""The product speaks Danish unless the user has chosen another language with the switch."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
