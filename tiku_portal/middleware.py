"""Project-wide request and response policy."""

from importlib import import_module

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from .errors import TOO_LARGE, bad_request, too_large

NUL = "\x00"


class InputGuardMiddleware:
    """Input no page can use gets a Chinese 400/413 page before any view or query sees it.

    One place instead of a check in every view: a NUL byte in the address, a query string, a
    header or a form field (PostgreSQL refuses NUL in text and the query would crash), an
    overlong query value, a body over the upload limit, or a malformed form body.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_MAX_BYTES:
            return too_large(request)
        # A session cookie the portal never set: the visitor is simply not logged in.
        if NUL in request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""):
            request.session = import_module(settings.SESSION_ENGINE).SessionStore()
        try:
            if not self._acceptable(request):
                return bad_request(request)
        except TOO_LARGE:
            return too_large(request)
        except (SuspiciousOperation, MultiPartParserError):
            return bad_request(request)
        return self.get_response(request)

    def _acceptable(self, request) -> bool:
        if NUL in request.path_info:
            return False
        headers = (v for k, v in request.META.items() if k.startswith("HTTP_"))
        if any(isinstance(v, str) and NUL in v for v in headers):
            return False
        limit = settings.QUERY_VALUE_MAX_LENGTH
        for key, values in request.GET.lists():
            if NUL in key or any(NUL in v or len(v) > limit for v in values):
                return False
        if request.method in ("POST", "PUT", "PATCH"):
            for key, values in request.POST.lists():
                if NUL in key or any(NUL in v for v in values):
                    return False
            if any(NUL in f.name for f in request.FILES.values()):
                return False
        return True


class PrivatePagesMiddleware:
    """Pages shown to a logged-in user are never stored by the browser or a proxy.

    Back after submitting, or after logging out on a shared office computer, must ask the
    server again instead of showing a stale or private copy.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class NotAllowedPageMiddleware:
    """A Chinese page instead of Django's empty 405.

    After a refused form is shown again, the address bar holds the form's POST-only URL;
    reloading or bookmarking it used to give a blank page. Other methods an address does not
    take get the same page, worded for them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and request.method != "HEAD" and not response.content:
            context = {"opened": request.method == "GET"}
            page = render(request, "405.html", context, status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
