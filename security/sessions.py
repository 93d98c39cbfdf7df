"""Sessions: idle staff are logged out; each user's browsers are listed and can be ended."""

import time
from importlib import import_module

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect

from .models import UserSession
from .ratelimit import client_address

LAST_ACTIVITY = "_portal_last_activity"
# Writes to the session and its record at most this often, not on every request.
TOUCH_SECONDS = 60


def _is_staff(user) -> bool:
    return user.is_centre_staff or user.is_admin


def page_redirect(request, url):
    """Send the browser to `url`; an htmx request is told to load it as a whole page."""
    # Read from the header: this runs before django-htmx's middleware.
    if request.headers.get("HX-Request") == "true":
        return HttpResponseClientRedirect(url)
    return redirect(url)


class IdleTimeoutMiddleware:
    """A staff session unused for STAFF_SESSION_IDLE_MINUTES ends: log in again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and _is_staff(user):
            now = time.time()
            last = request.session.get(LAST_ACTIVITY)
            idle = settings.STAFF_SESSION_IDLE_MINUTES * 60
            if last is not None and now - last > idle:
                end_session(request.session.session_key)
                logout(request)
                messages.info(request, "您长时间未操作，为保护账号安全已自动退出，请重新登录。")
                return page_redirect(
                    request, f"{reverse('accounts:login')}?{urlencode({'next': request.path})}"
                )
            if last is None or now - last > TOUCH_SECONDS:
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


class SessionRecordMiddleware:
    """Keep a record of each logged-in browser (address, browser, last activity)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if user is None or not user.is_authenticated or session is None:
            return response
        key = session.session_key
        if not key:
            return response
        # A new key (after login or a password change) is recorded at once.
        recorded_key, recorded_at = session.get("_portal_recorded") or (None, 0)
        if recorded_key != key or time.time() - recorded_at >= TOUCH_SECONDS:
            record(request, user)
        return response


def record(request, user) -> None:
    session = request.session
    if not session.session_key:
        session.save()
    UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "address": client_address(request)[:64],
            "user_agent": request.headers.get("User-Agent", "")[:300],
            "last_seen": timezone.now(),
        },
    )
    session["_portal_recorded"] = [session.session_key, time.time()]


def _store(session_key):
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key)


def end_session(session_key) -> None:
    _store(session_key).delete(session_key)
    UserSession.objects.filter(session_key=session_key).delete()


def live_sessions(user):
    """The user's recorded sessions still alive in the session store (stale records dropped)."""
    records = list(UserSession.objects.filter(user=user))
    keys = {r.session_key for r in records}
    if settings.SESSION_ENGINE.startswith("django.contrib.sessions.backends.") and (
        settings.SESSION_ENGINE.endswith((".db", ".cached_db"))
    ):
        from django.contrib.sessions.models import Session

        # One query for all of them, whatever their number.
        alive = set(
            Session.objects.filter(
                session_key__in=keys, expire_date__gt=timezone.now()
            ).values_list("session_key", flat=True)
        )
    else:
        alive = {key for key in keys if _store(key).exists(key)}
    stale = keys - alive
    if stale:
        UserSession.objects.filter(session_key__in=stale).delete()
    return [r for r in records if r.session_key in alive]


def end_other_sessions(user, current_key) -> int:
    others = [s for s in UserSession.objects.filter(user=user) if s.session_key != current_key]
    for record in others:
        end_session(record.session_key)
    return len(others)
