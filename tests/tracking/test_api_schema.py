"""The OpenAPI schema is honest: schemathesis sends generated requests (valid
and invalid) to the API in-process and finds no 5xx and no response that breaks
the schema."""

import datetime as dt

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from scoring.models import TeamDay
from ssi_dashboard.wsgi import application
from tests.conftest import snap
from tracking.api import auth

# A day's rules across fields (the SSI within 1 point of the pillar sum, all
# four pillars or none) are in the schema's prose, not expressible in JSON
# Schema: a schema-valid body may rightly be refused with a 400 naming the rule.
WRITE_ONLY_EXCLUSIONS = [positive_data_acceptance]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
schema.config.generation.update(modes=["positive", "negative"], max_examples=25, database="none")


@pytest.fixture
def wsgi_in_test_transaction():
    """Requests through the real WSGI handler would close the test's database
    connection when they finish; Django's test client avoids that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def manager_key(manager, east):
    # Days of their own and of their team, so reads answer with rows, not only [].
    snap(manager, dt.date(2026, 6, 1), 40, industry_rank=5)
    TeamDay.objects.create(team=east, date=dt.date(2026, 6, 1), metric="ssi", members=2, reporting=1,
                           mean=40, median=40, p25=40, p75=40, min=40, max=40)
    return auth.create_token(manager, "schemathesis")[1]


@pytest.mark.django_db
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_to_its_schema(case, manager_key, wsgi_in_test_transaction):
    # The rate limit is tested on its own; here it would only turn examples into 429s.
    # A server error propagates, so a failure shows its traceback, not only "500".
    with override_settings(API_RATE_LIMIT=10**9, DEBUG_PROPAGATE_EXCEPTIONS=True):
        case.call_and_validate(
            # Called over WSGI, where nothing decodes a gzipped answer as an
            # HTTP client would: ask for the body as it is.
            headers={"Authorization": f"Bearer {manager_key}", "Accept-Encoding": "identity"},
            excluded_checks=WRITE_ONLY_EXCLUSIONS if case.method in ("POST", "PUT", "PATCH") else [],
        )
