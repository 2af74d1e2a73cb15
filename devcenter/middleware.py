"""Request and response rules every page shares."""

from django.http import HttpResponseBadRequest
from django.utils.cache import patch_cache_control

NUL = "\x00"


class RefuseNulCharactersMiddleware:
    """A NUL character anywhere a client can put text is a 400, before any view sees it.

    No field of devcenter accepts one, and PostgreSQL refuses NUL in text: passed on to a query
    (a filter, a form, a session cookie) it would end in a 500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self.carries_nul(request):
            return HttpResponseBadRequest(
                "Request refused: it contains a NUL character (%00), which no field accepts.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)

    @staticmethod
    def carries_nul(request) -> bool:
        if NUL in request.path_info:
            return True
        texts = [*request.COOKIES.keys(), *request.COOKIES.values()]
        for data in (request.GET, request.POST) if request.method == "POST" else (request.GET,):
            for key, values in data.lists():
                texts.append(key)
                texts.extend(value for value in values if isinstance(value, str))
        return any(NUL in text for text in texts)


class PrivatePagesMiddleware:
    """Every response to a signed-in person is `Cache-Control: private, no-store`.

    Their pages show their projects' data: no shared proxy may keep a copy, and neither may the
    browser once they sign out (the back button must not show the pages again). Static files
    are answered before this (WhiteNoise) and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
