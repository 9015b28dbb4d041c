"""Contract tests of the API (schemathesis): requests generated from the OpenAPI schema itself,
valid and invalid, against the city of `open_city`. No answer may be a server error, and every
answer must match the schema. Examples are bounded per operation so the whole file stays well
under a minute."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

# Loaded once, at collection: the schema endpoint reads no table. (schemathesis'
# `from_fixture` would load it per test, but fails on pytest 9's nodes as of 4.32.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def same_connection():
    """The WSGI handler closes the connection after each request (as a server must); the
    test's transaction lives on it, so it is kept open, as Django's own test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_its_contract(case, open_city, same_connection):
    # The WSGI test transport does not decompress: ask for the body as it is.
    case.call_and_validate(
        headers={"Accept-Encoding": "identity"},
        checks=[not_a_server_error, response_schema_conformance],
    )
