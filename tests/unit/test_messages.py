"""Every error message has its Chinese: the gateway's, the services' and marshmallow's.

The source of gateway/ and services/ is scanned for the message literals passed to the
errors that reach a client (ApiError and its helpers, the services' Invalid, Conflict,
NotFound, Forbidden, marshmallow's ValidationError and `error=` of validators, and
`default_error_messages`), and marshmallow's own default messages are read from its
classes. Each must have a translation in gateway.messages_zh, exactly or by its shape.
Run it as a script to list what is missing.
"""
import ast
import inspect
import sys
from pathlib import Path

import marshmallow
from marshmallow import fields as mm_fields, validate as mm_validate

from gateway import i18n
from gateway.messages_zh import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
ERRORS = {"ApiError", "invalid", "forbidden", "unauthenticated", "unavailable", "malformed",
          "Invalid", "Conflict", "NotFound", "Forbidden", "ServiceError", "ValidationError",
          "error_response", "make_error_message",
          # the domain's refusals, whose text the services pass on as the message
          "TransitionRefused", "LoanRefused", "BadIsbn", "BadPeriod", "BadAmount",
          # a refused RPC (the gateway maps it to 403)
          "CallRefused", "SignatureError"}
CODE_LIKE = "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"


def _name(func):
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


CONSTANTS = {}  # NAME -> text of the source's module-level string constants (filled by a scan)


def _strings(node):
    """The message texts an expression can produce (values of dicts, not their keys)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, (ast.Name, ast.Attribute)) and _name(node) in CONSTANTS:
        yield CONSTANTS[_name(node)]  # raise ApiError(429, ..., THROTTLED)
    elif isinstance(node, ast.JoinedStr):  # an f-string: its shape, values as {}
        yield "".join(part.value if isinstance(part, ast.Constant) else "{}"
                      for part in node.values)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        yield from _strings(node.left)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = list(_strings(node.left)), list(_strings(node.right))
        for a in left or ["{}"]:
            for b in right or ["{}"]:
                if left or right:
                    yield a + b
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        for element in node.elts:
            yield from _strings(element)
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from _strings(value)
    elif isinstance(node, ast.Call) and _name(node.func) == "format" and isinstance(
            node.func, ast.Attribute):
        yield from _strings(node.func.value)


def _is_message(text):
    stripped = text.strip()
    return " " in stripped and not all(c in CODE_LIKE for c in stripped)


def source_messages(roots=("gateway", "services")):
    """{message: first place} for every message literal in the source."""
    found = {}
    paths = [path for root in roots for path in sorted((ROOT / root).rglob("*.py"))
             if "migrations" not in path.parts and path.name not in ("messages_zh.py", "messages_zh_files.py")]
    trees = {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in paths}
    for tree in trees.values():  # module-level message constants, e.g. TOO_SHORT = "..."
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                    and isinstance(node.value.value, str):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id.isupper():
                        CONSTANTS[target.id] = node.value.value
    for path, tree in trees.items():
        if True:
            for node in ast.walk(tree):
                texts = []
                if isinstance(node, ast.Call):
                    if _name(node.func) in ERRORS:
                        for arg in node.args:
                            texts += _strings(arg)
                        for keyword in node.keywords:
                            if keyword.arg in ("message", "details", "error", None):
                                texts += _strings(keyword.value)
                    elif _name(node.func) == "append" and "error" in ast.unparse(node.func.value):
                        for arg in node.args:  # errors.setdefault(field, []).append("...")
                            texts += _strings(arg)
                    else:
                        for keyword in node.keywords:
                            if keyword.arg in ("error", "error_messages"):
                                texts += _strings(keyword.value)
                if isinstance(node, ast.FunctionDef) and node.name in ERRORS:
                    for default in node.args.defaults + node.args.kw_defaults:
                        if default is not None:
                            texts += _strings(default)  # def forbidden(message="...")
                if isinstance(node, ast.Dict) and node.values and all(
                        isinstance(value, ast.List) for value in node.values):
                    texts += _strings(node)  # {"field": ["message"]}: details of a rule
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.List) and any(
                        isinstance(t, ast.Subscript) for t in node.targets):
                    texts += _strings(node.value)  # errors["field"] = ["..."]
                if isinstance(node, ast.Assign) and any(
                        isinstance(t, ast.Name) and t.id in (
                            "default_error_messages", "error_messages", "default_message")
                        for t in node.targets):
                    texts += _strings(node.value)
                for text in texts:
                    if _is_message(text):
                        found.setdefault(text, "%s:%d" % (path.relative_to(ROOT), node.lineno))
    return found


def marshmallow_messages():
    """marshmallow's own messages, as it formats them (Range's and Length's included)."""
    found = set(marshmallow.Schema._default_error_messages.values())
    for module in (mm_fields, mm_validate):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            for klass in cls.__mro__:
                found.update(getattr(klass, "default_error_messages", {}).values())
                message = klass.__dict__.get("default_message")
                if isinstance(message, str):
                    found.add(message)
    for min_inclusive in (True, False):
        for max_inclusive in (True, False):
            rng = mm_validate.Range(0, 1, min_inclusive=min_inclusive,
                                    max_inclusive=max_inclusive)
            found.update((rng.message_min, rng.message_max, rng.message_all))
    length = mm_validate.Length
    found.update((length.message_min, length.message_max, length.message_all,
                  length.message_equal))
    for obj_type in ("datetime", "date", "time"):
        found.add("Not a valid %s." % obj_type)
    found.discard("{input!r} cannot be formatted as a timedelta.")  # serialising only
    return {message: "marshmallow" for message in found if _is_message(message)}


def untranslated(messages):
    return {message: place for message, place in messages.items()
            if message not in MESSAGES and not _translated_by_shape(message)}


def _translated_by_shape(message):
    """A shaped msgid in the source is the catalogue's own key; a literal may match one."""
    if message in MESSAGES:
        return True
    # the source's own placeholders ("no union %d", "{}") are filled with a sample value
    sample = i18n.PLACEHOLDER.sub("7", message).replace("{}", "7")
    return i18n.find(sample) is not None


def test_every_message_in_the_source_has_its_chinese():
    missing = untranslated(source_messages())
    assert not missing, "no Chinese for %d messages:\n%s" % (len(missing), "\n".join(
        "%s  %r" % (place, message) for message, place in sorted(missing.items(),
                                                                 key=lambda i: i[1])))


def test_every_marshmallow_message_has_its_chinese():
    missing = untranslated(marshmallow_messages())
    assert not missing, sorted(missing)


def test_the_scan_sees_the_known_errors():
    """The scanner is not vacuous: it finds messages we know are raised."""
    messages = source_messages()
    assert "a valid bearer token is required" in messages
    assert "must not contain NUL characters" in messages
    assert "Missing data for required field." in marshmallow_messages()
    assert "only an approved activity takes feedback" in messages  # a Conflict of a rule
    assert "this lecturer has left the pool" in messages  # {"field": [message]} of a rule
    assert "older than the %d-day reporting window" in messages  # errors[field] = [...]
    assert "give either by_tier or amount" in messages  # errors.setdefault(...).append
    assert "too many failed sign-ins for this account; retry later" in messages  # a constant
    assert len(messages) > 50


def test_every_translation_is_chinese_and_keeps_the_values():
    for msgid, zh in MESSAGES.items():
        words = any(char.isalpha() for char in i18n.PLACEHOLDER.sub("", msgid))
        assert not words or any("\u4e00" <= char <= "\u9fff" for char in zh), (msgid, zh)
        assert sorted(i18n.PLACEHOLDER.findall(msgid)) == sorted(
            i18n.PLACEHOLDER.findall(zh)), (msgid, zh)


def test_messages_follow_the_language_and_carry_their_values():
    assert i18n.language(None) == "zh-CN"
    assert i18n.language("en-US,en;q=0.9") == "en"
    assert i18n.language("fr, en;q=0.5, zh;q=0.8") == "zh-CN"
    assert i18n.language("de") == "zh-CN"
    assert i18n.translate("Missing data for required field.", "en") == \
        "Missing data for required field."
    assert i18n.translate("Missing data for required field.", "zh-CN") == "缺少必填字段。"
    one_of = i18n.translate("Must be one of: culture, sports.", "zh-CN")
    assert "culture, sports" in one_of and one_of != "Must be one of: culture, sports."
    between = i18n.translate("Length must be between 1 and 200.", "zh-CN")
    assert "1" in between and "200" in between and "Length" not in between
    nested = i18n.translate_details(
        {"evidence": {"0": {"url": ["Not a valid URL."]}}, "x": ["Unknown field."]}, "zh-CN")
    assert nested == {"evidence": {"0": {"url": ["不是有效的网址。"]}}, "x": ["未知字段。"]}


if __name__ == "__main__":
    everything = dict(marshmallow_messages(), **source_messages())
    for message, place in sorted(untranslated(everything).items(), key=lambda i: i[1]):
        print("%s\t%r" % (place, message), file=sys.stdout)
