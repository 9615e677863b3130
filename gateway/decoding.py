"""Where every request's input is decoded, once, before any route's schema sees it.

A body is UTF-8 JSON of at most MAX_DEPTH nested arrays and objects, with no lone
surrogate in a key or a value and no NaN or Infinity: anything else is a 400
MALFORMED_JSON. What no database can store is a 422 naming the field: NUL characters in
text (PostgreSQL) and integers beyond 64 bits (SQLite), anywhere in a body, a query
(checked again once the schema has turned its strings into numbers) or a path.
"""
import json
import re

from gateway.errors import ApiError, invalid

MAX_DEPTH = 32
INT64 = (-2 ** 63, 2 ** 63 - 1)
SURROGATE = re.compile("[\ud800-\udfff]")
CONTROL = re.compile("[\x00-\x1f\x7f]")


def malformed(message):
    return ApiError(400, "MALFORMED_JSON", message)


def _no_constants(name):
    raise ValueError("%s is not a JSON number" % name)


def json_document(raw):
    """The JSON document of a body's bytes (an empty body is an empty object)."""
    if not raw.strip():
        return {}
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise malformed("the body is not valid UTF-8") from None
    try:
        document = json.loads(text, parse_constant=_no_constants)
    except RecursionError:
        raise malformed("the body is nested deeper than %d levels" % MAX_DEPTH) from None
    except ValueError as exc:
        raise malformed("the body is not valid JSON: %s" % exc) from None
    _check_shape(document)
    return document


def _check_shape(document):
    """Depth and lone surrogates, without recursion (a deep body must not recurse)."""
    stack = [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if SURROGATE.search(value):
                raise malformed("the body has a lone surrogate in a string")
        elif isinstance(value, (dict, list)):
            if depth > MAX_DEPTH:
                raise malformed("the body is nested deeper than %d levels" % MAX_DEPTH)
            if isinstance(value, dict):
                for key, item in value.items():
                    if SURROGATE.search(key):
                        raise malformed("the body has a lone surrogate in a key")
                    stack.append((item, depth + 1))
            else:
                stack.extend((item, depth + 1) for item in value)


def storable_errors(document):
    """{field path: [message]} for what no database can store."""
    errors = {}
    stack = [(document, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                errors[path or "_schema"] = ["must not contain NUL characters"]
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not INT64[0] <= value <= INT64[1]:
                errors[path or "_schema"] = ["out of range"]
        elif isinstance(value, dict):
            stack.extend((item, "%s.%s" % (path, key) if path else str(key))
                         for key, item in value.items())
        elif isinstance(value, (list, tuple)):
            stack.extend((item, "%s.%d" % (path, index) if path else str(index))
                         for index, item in enumerate(value))
    return errors


def check_storable(document):
    errors = storable_errors(document)
    if errors:
        raise invalid(errors)


def path_values_exist(values):
    """An id beyond 64 bits names nothing that can exist: 404, as any unknown id."""
    if any(isinstance(value, int) and not INT64[0] <= value <= INT64[1]
           for value in values.values()):
        raise ApiError(404, "NOT_FOUND", "no object has such an id")


def check_header(name, value, longest):
    if len(value) > longest:
        raise invalid({name: ["at most %d characters" % longest]})
    if CONTROL.search(value):
        raise invalid({name: ["must not contain control characters"]})
