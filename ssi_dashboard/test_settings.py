"""Test overrides, in one place. pytest reads this module (see pyproject.toml)."""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "localhost,127.0.0.1,testserver")
# `make test` on a machine with nothing configured uses the embedded services.
os.environ.setdefault("SSI_EMBEDDED_SERVICES", "true")

from ssi_dashboard.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
MEDIA_ROOT = BASE_DIR / ".test-media"  # noqa: F405
# Tests get their own keys on a shared Redis, so a developer's worker never
# takes a test's task (and the other way round).
# SSI_TEST_RUN names a test run, so two runs on one machine use separate
# test databases and broker keys.
_RUN = os.environ.get("SSI_TEST_RUN", "")
CELERY_BROKER_TRANSPORT_OPTIONS = {**CELERY_BROKER_TRANSPORT_OPTIONS, "global_keyprefix": f"ssi-test{_RUN}:"}  # noqa: F405
# The in-process test worker sweeps nothing; a crash test's worker process is given a period.
SSI_WORKER_SWEEP_SECONDS = int(os.environ.get("SSI_WORKER_SWEEP_SECONDS", "0"))
if _RUN:
    DATABASES["default"]["TEST"] = {"NAME": f"test_ssi_{_RUN}"}  # noqa: F405
# Most tests do not need a worker; those that do start a real one (tests/conftest.py)
# and switch this off.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
