"""Schemathesis against the served OpenAPI document (/api/hsds/openapi.json), through
Django's WSGI application: no 500s, and every response inside the documented schemas
and status codes."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.factories import make_focus_area, make_issue, make_org, make_program

schema = schemathesis.openapi.from_wsgi("/api/hsds/openapi.json", application)


@pytest.fixture
def listings(settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api": "100000/m"}
    issue, area = make_issue("Trafficking"), make_focus_area("Rescue")
    org = make_org("Anchor House", issues=[issue], donate_url="https://anchor.example/give")
    make_program(org, "Shelter", issues=[issue], focus_areas=[area], countries=["KR"])
    # Requests through the WSGI app would close the connection holding the test's
    # transaction (it is not in autocommit); Django's test client unhooks this too.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_openapi_document(case, listings):
    response = case.call()
    case.validate_response(
        response,
        checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
    )
