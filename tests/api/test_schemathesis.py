"""Schemathesis over the whole API: what the OpenAPI document promises, the server keeps.

Every operation gets the generated requests of schemathesis' three phases (the document's
examples, its boundary values, random valid and invalid requests), as an IOC operator with
a bearer token, on the demo province. Any 5xx fails, and any answer the document does not
describe: its status, its content type, its body, and a valid request refused or an invalid
one accepted.
"""

from __future__ import annotations

import secrets
import time
import zlib
from collections import Counter

import hypothesis
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from schemathesis.core.failures import FailureGroup
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation.hypothesis.builder import HypothesisTestConfig, HypothesisTestMode, create_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from phananh.demo.data import seed_demo
from phananh.org.auth import hash_token
from phananh.org.models import ApiToken, User
from phananh.reports.models import Attachment, Report

# Requests per operation in the fuzzing phase, for each mode; the examples and boundary values
# come on top. The whole run must make at least MIN_CASES requests.
EXAMPLES_PER_OPERATION = 30
MIN_CASES = 1000


def rule_codes(operation) -> set[str]:
    """The codes of the rules a schema-valid input may still break, as the document lists them."""
    answers = operation.definition.raw.get("responses", {})
    return set((answers.get("422") or answers.get(422) or {}).get("x-rule-codes", []))


def accepted_unless_a_documented_rule_refused_it(ctx, response, case):
    """Schemathesis' positive_data_acceptance, less the 422s of rules the document names.

    A rule ties fields together or depends on stored data (a unit id that exists): no JSON
    schema states it, so the operation's 422 answer lists its code (`x-rule-codes`).
    """
    try:
        return positive_data_acceptance(ctx, response, case)
    except Exception as failure:
        try:
            body = response.json()
        except ValueError:
            raise failure from None
        # One problem answers its own code; several, `invalid_input` and each its own in `errors`.
        codes = {problem["code"] for problem in body.get("errors", [])} or {body.get("code")}
        if response.status_code == 422 and codes <= rule_codes(case.operation):
            return None
        raise


def _token(user) -> tuple[ApiToken, str]:
    # Made directly, not through the sign-in endpoint: the fuzzing is about the API, not about
    # whatever a sign-in may one day ask beside the password.
    token = secrets.token_urlsafe(32)
    return ApiToken.objects.create(user=user, key_hash=hash_token(token), name="schemathesis"), token


@pytest.fixture
def wsgi_in_the_test_transaction():
    # The WSGI handler closes the database connection after each request; the test client
    # of Django does the same as this to keep the test's transaction open.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
def test_every_operation_answers_as_the_openapi_document_says(wsgi_in_the_test_transaction, settings):
    seed_demo()
    operator = User.objects.get(username="dieuphoi")
    api_token, token = _token(operator)
    codes = sorted(Report.objects.values_list("tracking_code", flat=True))
    attachments = sorted(Attachment.objects.values_list("pk", flat=True))
    config = schemathesis.Config.from_dict({"auth": {"openapi": {"StaffTokenAuth": {"bearer": token}}}})
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", wsgi_in_the_test_transaction, config=config
    )
    hypothesis_settings = hypothesis.settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    failures: dict[tuple, str] = {}
    statuses: Counter = Counter()

    def existing(case):
        """Aim half of the valid addresses at reports and files that exist, not only at 404."""
        path = case.path_parameters or {}
        if case.meta is not None and case.meta.is_negative_at(ParameterLocation.PATH):
            return
        if "tracking_code" in path and isinstance(path["tracking_code"], str):
            pick = zlib.crc32(path["tracking_code"].encode()) % (2 * len(codes))
            if pick < len(codes):
                path["tracking_code"] = codes[pick]
        if "attachment_id" in path and attachments:
            path["attachment_id"] = attachments[path["attachment_id"] % len(attachments)]

    def checker(operation):
        @hypothesis_settings
        def check(case):
            existing(case)
            response = case.call()
            statuses[operation.label, response.status_code] += 1
            # Signing out revokes the token of the call; the next operations need it again.
            ApiToken.objects.filter(pk=api_token.pk).update(revoked_at=None)
            try:
                case.validate_response(
                    response,
                    excluded_checks=[positive_data_acceptance],
                    additional_checks=[accepted_unless_a_documented_rule_refused_it],
                )
            except FailureGroup as group:
                for failure in group.exceptions:
                    failures.setdefault((operation.label, failure.title), str(group))
            except AssertionError as exc:
                failures.setdefault((operation.label, type(exc).__name__), str(exc))

        return check

    for result in schema.get_all_operations():
        operation = result.ok()
        test = create_test(
            operation=operation,
            test_func=checker(operation),
            config=HypothesisTestConfig(
                project=schema.config,
                modes=list(HypothesisTestMode),
            ),
        )
        started = time.monotonic()
        test()
        print(operation.label, f"{time.monotonic() - started:.1f}s")

    total = sum(statuses.values())
    print("cases", total, dict(sorted(statuses.items())))
    report = "\n\n".join(f"{label}: {title}\n{detail}" for (label, title), detail in failures.items())
    assert not failures, report
    assert total >= MIN_CASES
