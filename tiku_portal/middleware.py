"""Project-wide response policy."""

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers


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
    """A Chinese page instead of Django's empty 405 when a form's address is opened directly.

    After a refused form is shown again, the address bar holds the form's POST-only URL;
    reloading or bookmarking it used to give a blank page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and request.method == "GET" and not response.content:
            page = render(request, "405.html", status=405)
            page["Allow"] = response.get("Allow", "")
            return page
        return response
