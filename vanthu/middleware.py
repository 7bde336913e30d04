"""Vietnamese first: the interface is Vietnamese unless the person chose English.

Django's LocaleMiddleware follows the browser's Accept-Language header, and many
civil servants' browsers say English; Vanthu instead starts in Vietnamese and
switches only on the person's own choice (the language cookie set by set_language)."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class VietnameseFirstLocaleMiddleware(LocaleMiddleware):
    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
