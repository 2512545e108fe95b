"""The API against its own schema: schemathesis generates requests from /api/v1/schema/
(valid and invalid codes and days) and checks every answer, with a token of every role and
without one: no server error, every status documented, every body and header as documented.

Bounded (EXAMPLES requests per role and kind) so that it runs in the suite; a longer run:
`schemathesis run <schema> -u <server> -H "Authorization: Token <key>" --checks all`."""

import hypothesis
import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.factories import PostFactory, covered
from tests.test_permission_matrix import IN_VILLAGE, ROLES, _users

EXAMPLES = 25


@pytest.fixture
def users(db):
    covered(PostFactory(code="KEPALA_DESA", village_id=IN_VILLAGE).person)
    return _users()


@pytest.fixture
def application():
    """The WSGI application, keeping the test's database connection open between requests
    (its transaction holds the test's data), as Django's test client does."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _fuzz(schema, mode: GenerationMode, headers: dict) -> None:
    @hypothesis.given(case=schema.as_strategy(generation_mode=mode))
    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        # The test's database fixture holds for every example: the requests only read.
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        if not case.operation.path.startswith("/api/v1/campaign/"):
            case.call_and_validate(headers=headers)
            return
        # A period is two dates the schema cannot tie together: `from` after `to`, or longer
        # than five years, is a documented 400 for dates each valid on its own. Every other
        # check holds, and a 400 must name the period's parameters.
        response = case.call_and_validate(
            headers=headers, excluded_checks=[positive_data_acceptance]
        )
        if response.status_code == 400:
            assert set(response.json()) <= {"from", "to"}, response.json()

    check()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_answers_as_its_schema_says(users, application, role, mode):
    headers = {}
    if users[role] is not None:
        headers["Authorization"] = f"Token {Token.objects.create(user=users[role]).key}"
    root = {"Authorization": f"Token {Token.objects.get_or_create(user=users['superuser'])[0].key}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", application, headers=root
    )
    _fuzz(schema, mode, headers)
