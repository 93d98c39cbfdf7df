"""/healthz under gunicorn when the database and the broker accept connections but never answer."""

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def silent_server():
    """Accepts TCP connections and never answers: a stopped (SIGSTOP) PostgreSQL or Redis."""
    servers = []

    def make():
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(50)
        servers.append(server)
        return server.getsockname()[1]

    yield make
    for server in servers:
        server.close()


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def gunicorn(silent_server, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{silent_server()}/hung",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:{silent_server()}/0",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "ERROR",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tiku_portal.wsgi:application"]
        + ["--bind", f"127.0.0.1:{port}", "--workers", "1", "--timeout", "60"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.2)
    yield port
    server.terminate()
    server.wait(10)


def get_healthz(port, cookie=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/healthz", headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    return response.status, response.read().decode()


def test_healthz_answers_503_in_time_for_anyone_when_database_and_broker_hang(gunicorn):
    # The first request also waits for gunicorn's worker to boot: not timed.
    assert get_healthz(gunicorn)[0] == 503
    # Anonymous, then with a session cookie (a logged-in user's browser or monitor).
    for cookie in (None, "sessionid=abcdefghijklmnopqrstuvwxyz012345"):
        started = time.monotonic()
        status, body = get_healthz(gunicorn, cookie)
        assert time.monotonic() - started < 3.0
        assert status == 503
        assert '"failing": ["database", "broker"]' in body
