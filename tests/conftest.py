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


# The `page` fixture below (after the axe-core section) fails a test on any CSP violation.


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


# --- accessibility: every page a browser test visits is scanned by axe-core ----------------------

AXE_SCRIPT = os.path.join(
    os.path.dirname(os.path.dirname(__file__)), "node_modules", "axe-core", "axe.min.js"
)
AXE_BLOCKING = {"serious", "critical"}
# Runs in every document: scans it once loaded and again after each htmx swap, and hands the
# serious/critical findings to the test through an exposed binding. Django's admin is exempt.
AXE_AUTOSCAN = """
(() => {
  if (window.top !== window || location.pathname.startsWith('/admin/')) return;
  let timer = null, running = false, again = false;
  async function scan() {
    if (running) { again = true; return; }
    running = true;
    try {
      const result = await axe.run(document, {resultTypes: ['violations']});
      const bad = result.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
        .map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || ''))}));
      window.__axeScans = (window.__axeScans || 0) + 1;
      if (window.__axeReport) await window.__axeReport(location.pathname + location.search, innerWidth, bad);
    } catch (e) { /* the page navigated away mid-scan */ }
    running = false;
    if (again) { again = false; later(); }
  }
  function later() { clearTimeout(timer); timer = setTimeout(scan, 50); }
  // Colours are checked at rest: no transition or fade may be caught half-way.
  document.addEventListener('DOMContentLoaded', () => {
    const still = document.createElement('style');
    still.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; }';
    document.head.appendChild(still);
  });
  window.addEventListener('load', later);
  document.addEventListener('htmx:afterSettle', later);
})();
"""


def axe_findings_text(findings):
    lines = []
    for url, width, violations in findings:
        for v in violations:
            lines.append(f"{url} @{width}px [{v['impact']}] {v['id']}: {v['help']}")
            lines.extend(f"    {node}" for node in v["nodes"])
    return "\n".join(lines)


def axe_scan(page):
    """Scan the page as it is now; return its serious/critical violations (for explicit checks)."""
    result = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + (n.failureSummary || ''))}))"
    )
    return result


@pytest.fixture
def page(page, request):
    """pytest-playwright's page, scanned by axe-core after every load and htmx swap.

    The test fails at teardown when any scan found a serious or critical violation, so a page
    added later is checked by whichever browser test first visits it.
    """
    findings = []
    csp_violations = []

    def on_console(message):
        text = message.text
        if text.startswith(("Refused to", "CSP violation")) or "Content Security Policy" in text:
            csp_violations.append(text)

    page.on("console", on_console)
    page.add_init_script(_REPORT_VIOLATIONS)

    def report(source, url, width, violations):
        if violations:
            findings.append((url, width, violations))

    page.context.expose_binding("__axeReport", report)
    page.context.add_init_script(path=AXE_SCRIPT)
    page.context.add_init_script(script=AXE_AUTOSCAN)
    page.axe_findings = findings
    yield page
    # The last page the test looked at is scanned too, even if its load scan was still running.
    try:
        if (
            not page.is_closed()
            and not page.url.startswith(("about:", "data:"))
            and "/admin/" not in page.url
        ):
            last = axe_scan(page)
            if last:
                findings.append(
                    (page.url, page.viewport_size["width"] if page.viewport_size else 0, last)
                )
    except Exception:  # noqa: BLE001 - a closed or crashed page has nothing left to scan
        pass
    assert not csp_violations, f"Content-Security-Policy violations: {csp_violations}"
    if findings:
        pytest.fail(
            "axe-core: serious/critical violations\n" + axe_findings_text(findings), pytrace=False
        )
