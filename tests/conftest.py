import os

import pytest

# Playwright's sync API runs an event loop in the test thread; live_server needs ORM access there.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's chromium, never a browser downloaded by Playwright.
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# --- Issue 16: the browser suite runs with the Content-Security-Policy enforced --------------
# Every CSP violation (an inline script, an on*= handler, a foreign source) fails the test.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture
def page(page):
    violations = []

    def on_console(message):
        text = message.text
        if text.startswith(("Refused to", "CSP violation")) or "Content Security Policy" in text:
            violations.append(text)

    page.on("console", on_console)
    page.add_init_script(_REPORT_VIOLATIONS)
    yield page
    assert not violations, f"Content-Security-Policy violations: {violations}"


# --- end of issue 16 ------------------------------------------------------------------------


@pytest.fixture
def catalog(db):
    """The real 2023-2024 call with its 51 entries and 120 units, loaded as `make run` does."""
    from django.core.management import call_command

    from catalog.models import Call

    call_command("load_catalog", verbosity=0)
    return Call.objects.get(slug="2023-2024")


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # Real hashers cost ~0.3 s per password; the tests are about behaviour, not hashing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    # Uploaded files of a test live and die with that test.
    media = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": media}},
    }
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture(autouse=True)
def eager_tasks(request):
    """Tasks run in-process, so tests see their outcome; `real_worker` tests use the broker."""
    from tiku_portal.celery import app

    if request.node.get_closest_marker("real_worker"):
        yield
        return
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(scope="session", autouse=True)
def worker_connections_released(django_db_setup, django_db_blocker):
    """On PostgreSQL, end other sessions on the test database before pytest drops it.

    The real Celery worker of CI's second pass is still connected then, and the drop would
    fail with "database is being accessed by other users".
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings, request):
    # Rate-limit counts live in the cache: each test gets an empty one of its own, never a
    # shared Redis that flushing would empty for others.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"test-{request.node.nodeid}",
        }
    }
