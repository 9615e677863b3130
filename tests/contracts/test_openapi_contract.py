"""The OpenAPI document is valid OpenAPI 3 and says what the gateway does.

(The run of schemathesis against a running gateway is tests/contracts/test_schemathesis.py.)
"""
import collections

import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from gateway.openapi import XLSX, build
from gateway.service import Service

METHODS = ("get", "put", "post", "delete", "patch")


@pytest.fixture(scope="module")
def document():
    return build(Service)


def operations(document):
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_document_is_valid_openapi_3(document):
    errors = list(OpenAPIV30SpecValidator(document).iter_errors())
    assert not errors, "%d errors, the first: %s" % (len(errors), errors[:3])


def test_every_operation_has_a_stable_unique_id_and_an_area(document):
    ids = collections.Counter(op["operationId"] for _, _, op in operations(document))
    assert all(isinstance(i, str) and i for i in ids), ids
    assert [i for i, n in ids.items() if n > 1] == []
    assert len(ids) > 90
    assert build(Service) == document  # stable: the same document each time
    found = {path: op["operationId"] for path, method, op in operations(document)
             if method == "post"}
    assert found["/api/v1/auth/token"] == "issue_token"
    tags = {tag["name"] for tag in document["tags"]}
    assert {"identity", "activities", "subsidies", "library", "notify", "ops"} <= tags
    for path, method, op in operations(document):
        assert len(op["tags"]) == 1 and op["tags"][0] in tags, (path, method)


def test_the_errors_that_can_happen_are_documented(document):
    for path, method, op in operations(document):
        responses = set(op["responses"])
        assert {"401", "422", "429", "404", "503"} <= responses, (path, method)
        if op.get("security"):
            assert "403" in responses, (path, method)
        body = op.get("requestBody", {}).get("content", {})
        if "application/json" in body:
            assert {"400", "413"} <= responses, (path, method)
        if "multipart/form-data" in body:  # a file: too large, or of a type not taken
            assert {"413", "415"} <= responses, (path, method)
        for status, answer in op["responses"].items():
            if status >= "400":
                assert answer == {"$ref": "#/components/responses/%s" % status}
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert "security" not in token and {"400", "401"} <= set(token["responses"])


def test_what_a_post_creates_links_to_the_operations_on_it(document):
    links = document["paths"]["/api/v1/unions"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in links.values()} >= {"get_union", "union_history"}
    for link in links.values():
        assert link["parameters"] == {"union_id": "$response.body#/id"}


def test_documents_are_documented_as_what_they_are(document):
    export = document["paths"]["/api/v1/disbursements/{batch_id}/export"]["get"]
    content = export["responses"]["200"]["content"]
    assert "text/csv" in content and content["text/csv"]["schema"]["type"] == "string"
    assert "application/json" in content
    for path, method, op in operations(document):
        for answer in op["responses"].values():
            for media_type, body in answer.get("content", {}).items():
                if media_type == XLSX:
                    assert body["schema"] == {"type": "string", "format": "binary",
                                              "description": "an Excel workbook"}


def test_integers_are_64_bit_as_the_gateway_decodes_them(document):
    def integers(node):
        if isinstance(node, dict):
            if node.get("type") == "integer":
                yield node
            for value in node.values():
                yield from integers(value)
        elif isinstance(node, list):
            for value in node:
                yield from integers(value)
    found = list(integers(document))
    assert len(found) > 100
    for schema in found:
        assert -2 ** 63 <= schema["minimum"] and schema["maximum"] <= 2 ** 63 - 1, schema


def test_a_county_field_lists_the_configured_counties():
    """register_venue's county and a fund's county shares are one of the counties the
    gateway is configured with: the document says which (and a schema-valid request is
    one the service takes)."""
    counties = ["甘州区", "临泽县"]
    document = build(Service, counties)
    schemas = document["components"]["schemas"]
    assert schemas["VenueIn"]["properties"]["county"]["enum"] == counties
    assert schemas["AllocationIn"]["properties"]["county"]["enum"] == counties
    assert schemas["FundIn"]["properties"]["county"]["enum"] == counties + [None]  # city-wide
    unconfigured = build(Service)["components"]["schemas"]["VenueIn"]["properties"]["county"]
    assert "enum" not in unconfigured
