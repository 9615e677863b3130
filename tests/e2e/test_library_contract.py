"""Every library answer matches the schema the OpenAPI document gives for it."""
import uuid

import jsonschema
import pytest

from services.common.clock import local_today
from tests.support.world import PASSWORD


def as_json_schema(node):
    """OpenAPI 3.0 'nullable' -> JSON Schema's type lists, all the way down."""
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


@pytest.fixture(scope="module")
def document(world):
    answer = world.system.client().get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.json()


def check(document, method, template, answer):
    assert answer.status_code in (200, 201), answer.text
    operation = document["paths"][template][method]
    assert operation["summary"] and operation.get("security")
    schema = operation["responses"][str(answer.status_code)]["content"]["application/json"]["schema"]
    assert schema != {"type": "object"}, "%s %s documents no answer" % (method, template)
    root = as_json_schema({"components": document["components"], **schema})
    jsonschema.validate(answer.json(), root)


def test_library_answers_match_their_documented_schemas(world, document):
    admin = world.system.client()
    assert admin.post("/api/v1/users", {"username": "contract_reader", "password": PASSWORD,
                                        "role": "worker"}).status_code == 201
    reader = world.as_user("contract_reader")
    venue = admin.post("/api/v1/venues", {"name": "契约测试书屋-%s" % uuid.uuid4().hex[:6],
                                          "kind": "book_house", "county": "甘州区"})
    check(document, "post", "/api/v1/venues", venue)
    vid = venue.json()["id"]
    check(document, "get", "/api/v1/venues/{venue_id}", admin.get("/api/v1/venues/%d" % vid))
    check(document, "get", "/api/v1/venues", admin.get("/api/v1/venues"))
    check(document, "get", "/api/v1/venues/summary", admin.get("/api/v1/venues/summary"))
    check(document, "patch", "/api/v1/venues/{venue_id}", admin.session.patch(
        admin.base + "/api/v1/venues/%d" % vid, json={"seats": 12}, timeout=15))
    holdings = admin.post("/api/v1/venues/%d/holdings" % vid,
                          {"isbn": "9787020002207", "title": "红楼梦", "copies": 1})
    check(document, "post", "/api/v1/venues/{venue_id}/holdings", holdings)
    check(document, "get", "/api/v1/venues/{venue_id}/holdings",
          admin.get("/api/v1/venues/%d/holdings" % vid))
    book_id = holdings.json()["book"]["id"]
    check(document, "get", "/api/v1/books/{book_id}", admin.get("/api/v1/books/%d" % book_id))
    check(document, "get", "/api/v1/books", admin.get("/api/v1/books"))
    copy_id = holdings.json()["copies"][0]["id"]
    check(document, "get", "/api/v1/copies", admin.get("/api/v1/copies", venue_id=vid))
    loan = reader.post("/api/v1/loans", {"copy_id": copy_id})
    check(document, "post", "/api/v1/loans", loan)
    lid = loan.json()["id"]
    check(document, "get", "/api/v1/loans/{loan_id}", reader.get("/api/v1/loans/%d" % lid))
    check(document, "get", "/api/v1/loans", reader.get("/api/v1/loans"))
    check(document, "get", "/api/v1/loans/overdue", admin.get("/api/v1/loans/overdue"))
    check(document, "post", "/api/v1/loans/{loan_id}/renew",
          reader.post("/api/v1/loans/%d/renew" % lid))
    check(document, "post", "/api/v1/loans/{loan_id}/return",
          reader.post("/api/v1/loans/%d/return" % lid))
    other = admin.post("/api/v1/venues", {"name": "契约测试书架-%s" % uuid.uuid4().hex[:6],
                                          "kind": "model_worker_bookshelf", "county": "甘州区"})
    check(document, "post", "/api/v1/copies/{copy_id}/move",
          admin.post("/api/v1/copies/%d/move" % copy_id, {"venue_id": other.json()["id"]}))
    check(document, "get", "/api/v1/copies/{copy_id}", admin.get("/api/v1/copies/%d" % copy_id))
    scores = {"site": 15, "management": 15, "activities": 5, "service": 15, "e_reading": 5,
              "reading_activities": 5}
    evaluation = admin.post("/api/v1/venues/%d/evaluations" % vid,
                            {"period": str(local_today().year), "scores": scores})
    check(document, "post", "/api/v1/venues/{venue_id}/evaluations", evaluation)
    check(document, "get", "/api/v1/evaluations/{evaluation_id}",
          admin.get("/api/v1/evaluations/%d" % evaluation.json()["id"]))
    check(document, "get", "/api/v1/evaluations", admin.get("/api/v1/evaluations"))
    check(document, "get", "/api/v1/evaluation-scheme", admin.get("/api/v1/evaluation-scheme"))
    period = {"date_from": "%d-01-01" % local_today().year, "date_to": local_today().isoformat()}
    check(document, "get", "/api/v1/library/statistics",
          admin.get("/api/v1/library/statistics", **period))
    check(document, "get", "/api/v1/library/idle-venues",
          admin.get("/api/v1/library/idle-venues", **period))
    check(document, "get", "/api/v1/library/reading-season",
          admin.get("/api/v1/library/reading-season", year=local_today().year))
    check(document, "post", "/api/v1/venues/{venue_id}/close",
          admin.post("/api/v1/venues/%d/close" % vid, {"reason": "合并"}))
    check(document, "post", "/api/v1/venues/{venue_id}/reopen",
          admin.post("/api/v1/venues/%d/reopen" % vid))
    check(document, "get", "/api/v1/venues/{venue_id}/history",
          admin.get("/api/v1/venues/%d/history" % vid))
    book = admin.post("/api/v1/books", {"isbn": "9787544253994", "title": "百年孤独"})
    check(document, "post", "/api/v1/books", book)
