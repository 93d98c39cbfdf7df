"""`/healthz`: is the database and the broker answering? Always within HEALTHZ_TIMEOUT.

Each check runs in a thread of its own, so a server that accepts connections but never
answers (a hung broker or database) cannot hang the probe, nor the gunicorn worker serving it.
"""

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.http import JsonResponse

log = logging.getLogger(__name__)

# Seconds the whole probe may take; docker-compose and load balancers wait about 3 s.
HEALTHZ_TIMEOUT = 2.5
# Threads left waiting on a hung server before further checks give up at once.
MAX_STUCK = 4


class Probe:
    """Runs one check in a long-lived thread (the database keeps its connection there)."""

    def __init__(self, name, check):
        self.name, self.check = name, check
        self.lock = threading.Lock()
        self.executor = None
        self.last = None
        self.stuck = []

    def submit(self):
        with self.lock:
            self.stuck = [f for f in self.stuck if not f.done()]
            if self.last is not None and not self.last.done():
                # The previous check still hangs: leave its thread to it, start another.
                self.stuck.append(self.last)
                self.executor.shutdown(wait=False)
                self.executor = None
            if len(self.stuck) >= MAX_STUCK:
                return None
            if self.executor is None:
                self.executor = ThreadPoolExecutor(1, thread_name_prefix=f"healthz-{self.name}")
            self.last = self.executor.submit(self.check)
            return self.last


def _database():
    from django.db import connection

    connection.close_if_unusable_or_obsolete()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        connection.close()
        raise


def _broker():
    from tiku_portal.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        client = getattr(conn.default_channel, "client", None)
        # Connecting is not enough: a stopped Redis still accepts; ask it something.
        if client is not None and hasattr(client, "ping"):
            client.ping()


PROBES = {"database": Probe("database", _database), "broker": Probe("broker", _broker)}


def _outcome(future, deadline) -> str:
    if future is None:
        return "timeout"
    try:
        future.result(timeout=max(deadline - time.monotonic(), 0))
    except FutureTimeout:
        return "timeout"
    except Exception:
        log.warning("healthz check failed", exc_info=True)
        return "unreachable"
    return "ok"


def healthz(request):
    deadline = time.monotonic() + HEALTHZ_TIMEOUT
    names = ["database", "broker"] if settings.CELERY_BROKER_URL else ["database"]
    futures = {name: PROBES[name].submit() for name in names}
    checks = {name: _outcome(future, deadline) for name, future in futures.items()}
    checks.setdefault("broker", "eager")
    failing = [name for name, state in checks.items() if state in ("unreachable", "timeout")]
    return JsonResponse(
        {"status": "fail" if failing else "ok", "failing": failing, **checks},
        status=503 if failing else 200,
    )


class HealthzMiddleware:
    """Answers /healthz before sessions and authentication touch the database.

    A logged-in probe would otherwise load its session first: 500 (or a hang) when the
    database is down, instead of a 503 that names it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz":
            return healthz(request)
        return self.get_response(request)
