"""Rate limits: one decorator for views, one middleware for every anonymous form.

Counts live in Django's cache (set `CACHE_URL` to Redis in production so that all web
processes share them). Windows are fixed, so the refusal can say exactly when to try again.
"""

import functools
import logging
import math
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone

logger = logging.getLogger(__name__)


def client_address(request) -> str:
    """The address of the client, as the lockout sees it (a proxy header may be configured)."""
    from accounts.auth import client_ip

    return client_ip(request)


def parse_rate(rate: str) -> tuple[int, int]:
    """'5/h' → (5, 3600): how many requests per how many seconds."""
    count, _, period = rate.partition("/")
    unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[-1]]
    return int(count), unit * int(period[:-1] or 1)


class Limited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


def hit(key: str, rate: str) -> None:
    """Count one request against `key`; raise Limited when the window's allowance is spent."""
    limit, window = parse_rate(rate)
    now = time.time()
    slot = int(now // window)
    cache_key = f"rl:{key}:{window}:{slot}"
    try:
        # add() starts the window's count only if no other request did it first.
        cache.add(cache_key, 0, timeout=window + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:
            # The count expired between add() and incr(): this request opens a new window.
            cache.set(cache_key, 1, timeout=window + 1)
            count = 1
    except Exception:
        # A cache outage must not refuse every form: the limit lapses, loudly.
        logger.exception("rate limit cache unavailable; %s not counted", key.split(":")[0])
        return
    if count > limit:
        raise Limited(math.ceil((slot + 1) * window - now))


def too_many(request, retry_after: int):
    """The Chinese 429 page: how long to wait and the time after which to try again."""
    minutes = max(1, math.ceil(retry_after / 60))
    again_at = timezone.localtime() + timedelta(seconds=retry_after)
    # htmx swaps a fragment in place (portal.js lets 429 through); a page load gets a page.
    response = render(
        request,
        "partials/rate_limited.html" if request.headers.get("HX-Request") == "true" else "429.html",
        {"minutes": minutes, "again_at": again_at, "retry_after": retry_after},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def check(request, scope: str, *, per_address=None, per_account=None, account_field=None):
    """Count this request for `scope`; raise Limited if any of its allowances is spent.

    per_address / per_account: rates like "10/h". The account is the logged-in user, or for
    anonymous forms about an account (password reset) the normalised value of `account_field`.
    """
    if not getattr(settings, "RATELIMIT_ENABLED", True):
        return
    if per_address:
        hit(f"{scope}:ip:{client_address(request)}", per_address)
    if per_account:
        account = None
        if request.user.is_authenticated:
            account = f"user:{request.user.pk}"
        elif account_field:
            value = request.POST.get(account_field, "").strip().casefold()
            account = f"field:{value[:254]}" if value else None
        if account:
            hit(f"{scope}:{account}", per_account)


def ratelimit(scope, *, per_address=None, per_account=None, account_field=None, methods=("POST",)):
    """View decorator: requests of `methods` beyond the allowance get the Chinese 429 page."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                try:
                    check(
                        request,
                        scope,
                        per_address=per_address,
                        per_account=per_account,
                        account_field=account_field,
                    )
                except Limited as limited:
                    return too_many(request, limited.retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class RateLimitMixin:
    """Class-based views: set `ratelimit_scope` and the rates, as for the decorator."""

    ratelimit_scope = ""
    ratelimit_per_address = None
    ratelimit_per_account = None
    ratelimit_account_field = None
    ratelimit_methods = ("POST",)

    def dispatch(self, request, *args, **kwargs):
        if request.method in self.ratelimit_methods:
            try:
                check(
                    request,
                    self.ratelimit_scope or type(self).__name__,
                    per_address=self.ratelimit_per_address,
                    per_account=self.ratelimit_per_account,
                    account_field=self.ratelimit_account_field,
                )
            except Limited as limited:
                return too_many(request, limited.retry_after)
        return super().dispatch(request, *args, **kwargs)


class AnonymousPostLimitMiddleware:
    """Every form a visitor can post without logging in, today's and future ones, is limited.

    Views with their own, tighter limits keep them; this is the floor for all the others.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if request.method == "POST" and not (user and user.is_authenticated):
            try:
                check(request, "anonymous-post", per_address=settings.RATELIMIT_ANONYMOUS_POST)
            except Limited as limited:
                return too_many(request, limited.retry_after)
        return self.get_response(request)
