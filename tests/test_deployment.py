"""The production shape: settings that fail loudly, a clean deploy check, a valid compose file."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    # Production always names its database (neither check below connects to it).
    "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://ssi@127.0.0.1:5432/ssi",
    "SECRET_KEY": "x7!k2m-production-like-secret-0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1",
    "ALLOWED_HOSTS": "ssi.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://ssi.example.com",
    "DJANGO_SETTINGS_MODULE": "ssi_dashboard.settings",
    "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
}


def _manage(*args, env):
    inherited = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "SSI_EMBEDDED_SERVICES"}
    base = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
        capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_a_development_checkout_runs_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    env.update(DATABASE_URL="", DEBUG="true")
    assert _manage("check", env=env).returncode == 0


def test_without_debug_a_missing_broker_stops_start_up_with_one_line_and_starts_nothing(tmp_path):
    devservices = tmp_path / "devservices"
    env = {**PRODUCTION_ENV, "REDIS_URL": "", "SSI_DEVSERVICES_DIR": str(devservices)}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1] == (
        "django.core.exceptions.ImproperlyConfigured: Set REDIS_URL (the Celery broker, e.g. "
        "redis://host:6379/0), or DEBUG=true for development."
    )
    # No embedded Redis was started, and Celery was not switched to running tasks in-process.
    assert not devservices.exists()


def test_without_debug_a_missing_database_stops_start_up(tmp_path):
    devservices = tmp_path / "devservices"
    env = {**PRODUCTION_ENV, "DATABASE_URL": "", "REDIS_URL": "redis://127.0.0.1:6379/0",
           "SSI_DEVSERVICES_DIR": str(devservices)}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "Set DATABASE_URL" in result.stderr.strip().splitlines()[-1]
    assert not devservices.exists()


def test_without_debug_a_missing_secret_key_stops_the_app():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def _compose_command():
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


@pytest.mark.skipif(_compose_command() is None, reason="docker-compose is not installed (CI installs it)")
def test_the_compose_file_validates_with_every_service():
    env = {**os.environ, "SECRET_KEY": "compose-check"}
    result = subprocess.run(
        [*_compose_command(), "-f", "docker-compose.yml", "config", "--services"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"postgres", "redis", "migrate", "web", "worker", "beat"}


def test_a_redis_socket_url_serves_both_the_broker_and_redis_clients():
    env = {**PRODUCTION_ENV, "REDIS_URL": "unix:///run/redis/redis.sock"}
    result = _manage("shell", "-c", "from django.conf import settings; print(settings.CELERY_BROKER_URL)", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("redis+socket:///run/redis/redis.sock")
