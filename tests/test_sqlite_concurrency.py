"""The SQLite default keeps working when a few users save at the same moment."""

import threading

import pytest
from django.conf import settings
from django.db import OperationalError, connections, transaction

ALIAS = "concurrency"
THREADS = 8
SAVES = 15


@pytest.fixture
def file_database(tmp_path, django_db_blocker):
    """A file-based SQLite database with the portal's options, as `make run` uses."""
    database = {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(tmp_path / "db.sqlite3"),
        "OPTIONS": settings.SQLITE_OPTIONS,
    }
    configured = connections.configure_settings({"default": database, ALIAS: database})
    connections.settings[ALIAS] = configured[ALIAS]
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, value INTEGER)")
            cursor.execute("INSERT INTO counter VALUES (1, 0)")
        yield connections[ALIAS]
        connections[ALIAS].close()
    del connections.settings[ALIAS]


def _save_repeatedly(errors):
    connection = connections[ALIAS]
    try:
        for _ in range(SAVES):
            # Read, then write, in one transaction: what a form save does.
            with transaction.atomic(using=ALIAS), connection.cursor() as cursor:
                cursor.execute("SELECT value FROM counter WHERE id = 1")
                (value,) = cursor.fetchone()
                cursor.execute("UPDATE counter SET value = %s WHERE id = 1", [value + 1])
    except OperationalError as exc:
        errors.append(exc)
    finally:
        connection.close()


def test_settings_configure_wal_busy_timeout_and_immediate_transactions():
    options = settings.SQLITE_OPTIONS
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]


def test_concurrent_saves_never_see_database_is_locked(file_database):
    with file_database.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    errors: list[Exception] = []
    threads = [threading.Thread(target=_save_repeatedly, args=(errors,)) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with file_database.cursor() as cursor:
        cursor.execute("SELECT value FROM counter WHERE id = 1")
        # No save was lost either: each transaction held the write lock from its start.
        assert cursor.fetchone()[0] == THREADS * SAVES
