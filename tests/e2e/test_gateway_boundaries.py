"""The HTTP boundary of the gateway holds for input of any shape (issue 16).

Every refusal is the contract's 4xx with the JSON error body, nothing is stored, and the
answer carries a sane X-Request-ID and messages in the caller's language.
"""
import json
import re
import socket
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.system import ADMIN

TOKEN = "/api/v1/auth/token"
SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def error_of(answer, status, code=None):
    assert answer.status_code == status, (answer.status_code, answer.text[:500])
    assert answer.headers["Content-Type"].startswith("application/json"), answer.headers
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "details"}, body
    if code is not None:
        assert body["error"]["code"] == code, body
    assert SANE_ID.match(answer.headers["X-Request-ID"]), answer.headers
    return body["error"]


def union_count(world):
    return world.system.client().get("/api/v1/unions").json()["total"]


@pytest.fixture
def nothing_stored(world):
    before = union_count(world)
    yield
    assert union_count(world) == before


def union_body(world, **overrides):
    body = {"name": "边界测试工会", "level": "grassroots", "county": "甘州区", "members": 5,
            "parent_id": world.unions["ganzhou"]["id"]}
    body.update(overrides)
    return body


def post_raw(world, path, data, token=True):
    headers = {"Content-Type": "application/json"}
    if token:
        headers.update(world.system.client().session.headers)
    return requests.post(world.system.gateway + path, data=data, headers=headers, timeout=15)


# decoding ------------------------------------------------------------------------------
@pytest.mark.parametrize("depth", [33, 10_000])
def test_deeply_nested_bodies_are_a_400_even_unauthenticated(world, nothing_stored, depth):
    deep = "[" * depth + "]" * depth
    error_of(post_raw(world, TOKEN, '{"username": %s, "password": "x"}' % deep, token=False),
             400, "MALFORMED_JSON")
    error_of(post_raw(world, "/api/v1/unions", json.dumps(union_body(world))[:-1]
                      + ', "contacts": %s}' % deep), 400, "MALFORMED_JSON")


def test_32_levels_are_still_decoded(world, nothing_stored):
    fine = "[" * 31 + "]" * 31   # inside an object: 32 levels in all
    error_of(post_raw(world, TOKEN, '{"username": %s, "password": "x"}' % fine, token=False),
             422, "VALIDATION_FAILED")


@pytest.mark.parametrize("document", [
    '{"username": "\\ud800", "password": "x"}',
    '{"\\udfff": "admin", "password": "x"}',
    '{"username": "admin", "password": ["ok", "\\ud83d"]}',
])
def test_lone_surrogates_are_a_400_even_unauthenticated(world, nothing_stored, document):
    error_of(post_raw(world, TOKEN, document, token=False), 400, "MALFORMED_JSON")


def test_lone_surrogates_in_a_report_store_nothing(world, nothing_stored):
    document = json.dumps(union_body(world, name="X")).replace('"X"', '"\\ud800\\u5de5\\u4f1a"')
    error_of(post_raw(world, "/api/v1/unions", document), 400, "MALFORMED_JSON")
    pair = json.dumps(union_body(world, name="X")).replace('"X"', '"\\ud83d\\ude00"')
    pair = pair.replace('"members": 5', '"members": "many"')  # a valid pair decodes: 422
    assert "members" in error_of(post_raw(world, "/api/v1/unions", pair), 422)["details"]


def test_nan_and_infinity_are_not_json(world, nothing_stored):
    for constant in ("NaN", "Infinity", "-Infinity"):
        error_of(post_raw(world, "/api/v1/unions",
                          json.dumps(union_body(world))[:-1] + ', "x": %s}' % constant),
                 400, "MALFORMED_JSON")


def test_integers_beyond_64_bits_in_a_body_are_a_422(world, nothing_stored):
    admin = world.system.client()
    details = error_of(admin.post("/api/v1/unions", union_body(world, members=2 ** 70)),
                       422, "VALIDATION_FAILED")["details"]
    assert "members" in details


def list_paths(world):
    document = requests.get(world.system.gateway + "/api/v1/openapi.json", timeout=10).json()
    for path, operations in document["paths"].items():
        get = operations.get("get")
        parameters = get.get("parameters", []) if get else []
        if get and "{" not in path and any(p.get("name") == "offset" for p in parameters) \
                and not any(p.get("required") for p in parameters):
            yield path


def test_an_offset_beyond_64_bits_is_a_422_on_every_list(world):
    admin = world.system.client()
    paths = list(list_paths(world))
    assert len(paths) > 15, paths
    for path in paths:
        answer = admin.get(path, offset="99999999999999999999")
        assert "offset" in error_of(answer, 422, "VALIDATION_FAILED")["details"], path
        answer = admin.get(path, offset=str(2 ** 63))
        assert "offset" in error_of(answer, 422, "VALIDATION_FAILED")["details"], path
    assert admin.get("/api/v1/unions", offset=str(2 ** 63 - 1)).status_code == 200


def test_a_100_kb_authorization_header_is_a_json_431(world):
    base = world.system.gateway
    for headers in ({"Authorization": "Bearer " + "a" * 100_000},
                    {"X-Filler-%d" % i: "b" * 8000 for i in range(10)}):
        answer = requests.get(base + "/api/v1/unions", headers=headers, timeout=15)
        error = error_of(answer, 431, "HEADERS_TOO_LARGE")
        assert "字节" in error["message"]
    answer = requests.get(base + "/api/v1/" + "x" * 9000, timeout=15)
    error_of(answer, 414, "URI_TOO_LONG")
    # under the limits a long header is an ordinary bad token
    error_of(requests.get(base + "/api/v1/unions", timeout=15,
                          headers={"Authorization": "Bearer " + "a" * 7000}), 401)


def raw_exchange(world, request_bytes):
    address = urlsplit(world.system.gateway)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(request_bytes)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


@pytest.mark.parametrize("request_bytes", [
    b"NONSENSE\r\n\r\n",
    b"GET /healthz HTTP/9.9\r\n\r\n",
    b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
    b"POST /api/v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n{}",
])
def test_what_the_server_cannot_parse_is_a_json_400(world, request_bytes):
    head, body = raw_exchange(world, request_bytes)
    status = int(head.split(" ", 2)[1])
    assert 400 <= status < 500, head
    assert "application/json" in head.lower(), head
    assert set(json.loads(body)["error"]) == {"code", "message", "details"}


# outside the routes ---------------------------------------------------------------------
def test_unknown_paths_are_a_json_404(world):
    base = world.system.gateway
    for method, path in (("GET", "/nowhere"), ("POST", "/api/v1/nothing"),
                         ("DELETE", "/api/v1/unions/1/nothing"), ("GET", "/api/v1/unions/"),
                         ("GET", "/api//v1/unions"), ("GET", "/api/v1/activities/-1")):
        error_of(requests.request(method, base + path, timeout=10), 404, "NOT_FOUND")


def test_undeclared_methods_are_a_json_405_with_allow(world):
    base = world.system.gateway
    admin = world.system.client()
    for method, path, allowed in (
            ("DELETE", "/api/v1/unions", {"GET", "POST"}),
            ("PUT", "/api/v1/auth/token", {"POST"}),
            ("PATCH", "/api/v1/activities/%d" % 1, {"GET", "PUT"}),
            ("POST", "/healthz", {"GET"}), ("DELETE", "/api/v1/openapi.json", {"GET"})):
        answer = admin.session.request(method, base + path, timeout=10)
        error_of(answer, 405, "METHOD_NOT_ALLOWED")
        allow = {m.strip() for m in answer.headers["Allow"].split(",")}
        assert allowed <= allow and allow <= allowed | {"HEAD", "OPTIONS"}, allow


# request ids ---------------------------------------------------------------------------
def test_request_ids_are_kept_only_when_sane(world):
    base = world.system.gateway
    for given in ("trace-123", "a.b:c_d-9", "x" * 128):
        answer = requests.get(base + "/healthz", headers={"X-Request-ID": given}, timeout=10)
        assert answer.headers["X-Request-ID"] == given
    for given in ("x" * 129, "a b", "<script>", "id\u00e9", "a;b", "%00"):
        answer = requests.get(base + "/api/v1/unions", timeout=10,
                              headers={"X-Request-ID": given.encode("utf-8")})
        made = answer.headers["X-Request-ID"]
        assert made != given and SANE_ID.match(made), (given, made)
    for method, path in (("GET", "/nowhere"), ("DELETE", "/api/v1/unions"), ("GET", "/docs"),
                         ("GET", "/api/v1/openapi.json"), ("POST", TOKEN)):
        answer = requests.request(method, base + path, timeout=10,
                                  headers={"X-Request-ID": "every-answer"})
        assert answer.headers["X-Request-ID"] == "every-answer", (method, path)


# languages -----------------------------------------------------------------------------
def test_messages_follow_accept_language_and_codes_do_not(world, nothing_stored):
    url = world.system.gateway + TOKEN
    answers = {lang: requests.post(url, json={"username": "admin", "x": 1}, timeout=10,
                                   headers={"Accept-Language": lang} if lang else {})
               for lang in (None, "zh-CN", "en", "en-US,en;q=0.9", "fr")}
    for lang, answer in answers.items():
        error = error_of(answer, 422, "VALIDATION_FAILED")
        assert set(error["details"]) == {"password", "x"}, error
    for lang in (None, "zh-CN", "fr"):
        error = answers[lang].json()["error"]
        assert error["message"] == "请求校验未通过", error
        assert error["details"] == {"password": ["缺少必填字段。"], "x": ["未知字段。"]}, error
        assert answers[lang].headers["Content-Language"] == "zh-CN"
    for lang in ("en", "en-US,en;q=0.9"):
        error = answers[lang].json()["error"]
        assert error["message"] == "request validation failed", error
        assert error["details"] == {"password": ["Missing data for required field."],
                                    "x": ["Unknown field."]}, error
        assert answers[lang].headers["Content-Language"] == "en"


def test_the_services_messages_are_translated_too(world):
    admin = world.system.client()
    missing = admin.get("/api/v1/unions/999999")
    assert error_of(missing, 404, "NOT_FOUND")["message"] == "未找到工会 999999"
    english = admin.session.get(world.system.gateway + "/api/v1/unions/999999", timeout=10,
                                headers={"Accept-Language": "en"})
    assert error_of(english, 404, "NOT_FOUND")["message"] == "union 999999 not found"
    bad = admin.post("/api/v1/unions", union_body(world, level="galaxy", members=-1))
    details = error_of(bad, 422, "VALIDATION_FAILED")["details"]
    assert details["level"] == ["须为以下之一：city, county, grassroots。"], details
    assert details["members"] == ["须大于等于 0 且小于等于 10000000。"], details
    for answer in (requests.get(world.system.gateway + "/nowhere", timeout=10),
                   requests.delete(world.system.gateway + "/api/v1/unions", timeout=10)):
        assert re.search("[\u4e00-\u9fff]", answer.json()["error"]["message"]), answer.text
    assert requests.post(world.system.gateway + TOKEN, timeout=10, json={
        "username": ADMIN[0], "password": ADMIN[1]}).status_code == 200
