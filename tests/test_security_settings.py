"""Secrets from NAME_FILE, and production refusing a weak SECRET_KEY (settings read afresh)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

STRONG = "k" * 20 + "0123456789abcdefghijklmnopqrstuvwxyzABCD"
PRINT = "from django.conf import settings; print(settings.SECRET_KEY); print(settings.{})"


def read_settings(env, attribute="DEBUG"):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "DEBUG"))}
    return subprocess.run(
        [sys.executable, "-c", PRINT.format(attribute)],
        env={**clean, "DJANGO_SETTINGS_MODULE": "tiku_portal.settings", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_key_from_a_file_without_its_newline(tmp_path: Path):
    secret = tmp_path / "secret_key"
    secret.write_text(STRONG + "\n")
    result = read_settings({"DEBUG": "false", "SECRET_KEY_FILE": str(secret)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == STRONG


def test_any_variable_from_a_file(tmp_path: Path):
    url = tmp_path / "email_url"
    url.write_text("smtp://mailer:pa%24s@mail.example.com:587\n")
    result = read_settings({"EMAIL_URL_FILE": str(url)}, "EMAIL_HOST_PASSWORD")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "pa$s"


def test_production_refuses_the_default_or_a_short_key():
    for env in [
        {"DEBUG": "false"},
        {"DEBUG": "false", "SECRET_KEY": "short-but-set"},
        {"DEBUG": "false", "SECRET_KEY": "django-insecure-" + STRONG},
        {"DEBUG": "false", "SECRET_KEY": "a" * 60},
    ]:
        result = read_settings(env)
        assert result.returncode != 0, env
        assert "SECRET_KEY" in result.stderr


def test_production_starts_with_a_strong_key_and_requires_2fa():
    result = read_settings({"DEBUG": "false", "SECRET_KEY": STRONG}, "STAFF_2FA_REQUIRED")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1] == "True"


def test_demo_default_offers_2fa_only():
    result = read_settings({}, "STAFF_2FA_REQUIRED")
    assert result.stdout.splitlines()[1] == "False"
