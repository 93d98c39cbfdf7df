"""Chinese error pages in the portal's layout for what Django answers on its own (DEBUG off).

404 and 403 use Django's own views, which render templates/404.html and 403.html with the
request. Django's 400 and 500 views render without it; ours give 400 the layout and the user,
turn a body over the limits into 413, and keep 500 independent of the database.
"""

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader

log = logging.getLogger(__name__)

TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)
# Read at most this much of a refused body: enough for any browser form, not a flood.
DRAIN_LIMIT = 64 * 1024 * 1024
# Shown when even the layout cannot be rendered (a broken template, a missing static manifest).
PLAIN_500 = (
    '<!doctype html><html lang="zh-Hans"><head><meta charset="utf-8"><title>系统暂时出错</title>'
    "</head><body><h1>系统暂时出错</h1><p>很抱歉，处理您的请求时出现错误。请稍后再试；"
    '如问题持续，请联系平台管理员。</p><p><a href="/">返回首页</a></p></body></html>'
)


def drain(request) -> None:
    """Read the rest of a refused body, so the browser gets our page instead of a reset."""
    stream = getattr(request, "_stream", None)
    if stream is None:
        return
    read = 0
    try:
        while read < DRAIN_LIMIT:
            chunk = stream.read(64 * 1024)
            if not chunk:
                return
            read += len(chunk)
    except (OSError, ValueError):
        return


def too_large(request):
    drain(request)
    context = {
        "attachment_mb": settings.ATTACHMENT_MAX_MB,
        "max_fields": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS,
    }
    return render(request, "413.html", context, status=413)


def bad_request(request, exception=None):
    """handler400: unreadable input; a body over the limits is 413."""
    if isinstance(exception, TOO_LARGE):
        return too_large(request)
    drain(request)
    return render(request, "400.html", status=400)


def server_error(request):
    """handler500: the layout without the request, so a broken database cannot break it too."""
    try:
        html = loader.render_to_string("500.html", {"PORTAL_NAME": settings.PORTAL_NAME})
    except Exception:
        log.exception("the 500 page could not be rendered")
        html = PLAIN_500
    return HttpResponseServerError(html)


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: the page was open too long or the login changed; reload and resend."""
    return render(request, "403_csrf.html", status=403)
