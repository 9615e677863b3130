"""gateway.decoding: what a body, a query or a path may hold before any schema sees it."""
import pytest

from gateway import decoding
from gateway.errors import ApiError
from services.common.web import request_id_of


def refused(raw):
    with pytest.raises(ApiError) as caught:
        decoding.json_document(raw)
    return caught.value


@pytest.mark.parametrize("raw", [
    b"[" * 10_000 + b"]" * 10_000,
    b'{"a": ' + b"[" * 32 + b"]" * 32 + b"}",
    b'{"a": "\\ud800"}', b'{"\\udc00": 1}', b'["ok", ["\\udbff"]]',
    b'{"a": NaN}', b'{"a": -Infinity}', b"\xff\xfe", b"{not json",
])
def test_bodies_no_one_can_use_are_malformed(raw):
    error = refused(raw)
    assert (error.status, error.code) == (400, "MALFORMED_JSON")


def test_what_may_be_decoded_is():
    assert decoding.json_document(b"") == {}
    assert decoding.json_document(b'{"a": ' + b"[" * 31 + b"]" * 31 + b"}")["a"]
    assert decoding.json_document('{"a": "\\ud83d\\ude00 工会"}'.encode()) == {"a": "😀 工会"}


def test_what_no_database_stores_names_its_field():
    errors = decoding.storable_errors({"a": "x\x00", "b": [1, 2 ** 63], "c": {"d": -2 ** 63 - 1},
                                       "ok": [2 ** 63 - 1, -2 ** 63, True, "text"]})
    assert errors == {"a": ["must not contain NUL characters"], "b.1": ["out of range"],
                      "c.d": ["out of range"]}
    with pytest.raises(ApiError) as caught:
        decoding.check_storable({"offset": 10 ** 20})
    assert caught.value.status == 422 and caught.value.details == {"offset": ["out of range"]}


def test_ids_beyond_64_bits_name_nothing():
    decoding.path_values_exist({"activity_id": 2 ** 63 - 1})
    with pytest.raises(ApiError) as caught:
        decoding.path_values_exist({"activity_id": 2 ** 63})
    assert caught.value.status == 404


def test_headers_are_checked():
    decoding.check_header("Idempotency-Key", "k-1", 200)
    for bad in ("x" * 201, "a\x00b", "a\nb"):
        with pytest.raises(ApiError):
            decoding.check_header("Idempotency-Key", bad, 200)


def test_request_ids_are_kept_only_when_sane():
    assert request_id_of({"X-Request-ID": "trace-1.2:3_4"}) == "trace-1.2:3_4"
    for bad in (None, "", "x" * 129, "a b", "<x>", "é"):
        made = request_id_of({"X-Request-ID": bad} if bad is not None else {})
        assert made != bad and len(made) == 36
