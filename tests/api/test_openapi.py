"""The OpenAPI document: valid, every reference resolves, and every status an operation can
answer is in it, with the error body the API sends."""

from __future__ import annotations

from collections import defaultdict

import pytest
from openapi_spec_validator import validate
from pydantic import BaseModel

import phananh.api  # noqa: F401 - every router and schema is imported

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def references(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


def resolve(document, reference: str):
    assert reference.startswith("#/"), reference
    node = document
    for part in reference[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_document_is_valid_openapi_and_every_reference_resolves(document):
    validate(document)
    found = sorted(set(references(document)))
    assert "#/components/schemas/ActionIn" in found
    for reference in found:
        assert reference.startswith("#/components/schemas/"), reference
        assert isinstance(resolve(document, reference), dict), reference
    assert "$defs" not in str(document)


def test_no_two_schemas_are_published_under_one_name(document):
    # Ninja names a component after its class: a second class of the same name would silently
    # replace the first one's description (the staff timeline's steps once read as statistics).
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    classes = defaultdict(set)
    for model in subclasses(BaseModel):
        if model.__module__.startswith("phananh."):
            classes[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    published = document["components"]["schemas"]
    assert {name: where for name, where in classes.items() if len(where) > 1 and name in published} == {}


def test_every_operation_documents_the_errors_any_operation_may_answer(document):
    for label, operation in operations(document):
        answers = operation["responses"]
        expected = {"413"}
        if "requestBody" in operation:
            expected |= {"400", "422"}
        if operation.get("security"):
            expected.add("401")
        assert expected <= set(answers), label
        for status in expected:
            schema = answers[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (label, status)


def test_the_error_body_is_documented_as_the_api_sends_it(document, client):
    answer = client.post("/api/v1/reports", {}, content_type="application/json").json()

    schema = document["components"]["schemas"]["ErrorOut"]
    assert set(schema["required"]) == {"code", "message", "fields"}
    assert set(answer) == {"code", "message", "fields", "errors"}
    assert set(answer["errors"][0]) == set(document["components"]["schemas"]["ProblemOut"]["properties"])


def test_the_sign_in_documents_its_limit(document):
    answers = document["paths"]["/api/v1/auth/token"]["post"]["responses"]
    assert {"201", "400", "401", "413", "422", "429"} <= set(answers)


def test_a_rule_no_schema_can_state_is_named_on_the_operation(document):
    answer = document["paths"]["/api/v1/staff/reports/{tracking_code}/actions"]["post"]["responses"]["422"]
    assert {"unknown_unit", "unknown_category", "deadline_in_past"} <= set(answer["x-rule-codes"])
    assert "`unknown_category`" in answer["description"]


@pytest.mark.django_db
def test_a_body_ninja_cannot_parse_answers_like_every_other_unreadable_body(client):
    response = client.post("/api/v1/auth/token", "{username:", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"
