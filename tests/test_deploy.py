"""Production settings pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def clean_environment(**variables: str) -> dict[str, str]:
    """The process environment without any Django/Tactique setting, plus `variables`.

    (Other tests set some, e.g. DJANGO_ALLOW_ASYNC_UNSAFE for Playwright.)"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TACTIQUE_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": "config.settings", **variables}


def test_check_deploy_is_clean_with_production_settings():
    env = clean_environment(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 20 + "production-like-secret-key-with-enough-entropy-0123456789",
        DJANGO_ALLOWED_HOSTS="tactique.example.org",
        DJANGO_SECURE_SSL_REDIRECT="1",
        DJANGO_HSTS_SECONDS="31536000",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="1",
        DJANGO_HSTS_PRELOAD="1",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = clean_environment(DJANGO_DEBUG="0")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
