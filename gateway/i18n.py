"""The language of the error messages: Chinese (zh-CN, the default) or English (en).

Every message is raised in English (the gateway's, the services', marshmallow's) and is
its own msgid; gateway.messages_zh holds their Chinese. A message with values inside is
found by its shape: the msgid as the source writes it, with printf placeholders
(`"no union %d"`) or marshmallow's named ones (`"Must be one of: {choices}."`), and the
values are carried into the translation. `code` never changes, nor do the keys of
`details` (they name fields).
"""
import json
import re
from functools import lru_cache

from gateway.messages_zh import MESSAGES

DEFAULT = "zh-CN"
LANGUAGES = {"zh": "zh-CN", "en": "en"}
PLACEHOLDER = re.compile(r"%(?:\([a-z_]+\))?[-#0 +]?\d*(?:\.\d+)?[sdrfix]|\{[a-z_]*\}")


def language(accept_language):
    """The answer's language for an Accept-Language header (q-values honoured)."""
    choices = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        tag = tag.strip().lower()
        if tag and quality > 0:
            choices.append((-quality, position, tag))
    for _, _, tag in sorted(choices):
        if tag == "*":
            return DEFAULT
        primary = tag.split("-")[0]
        if primary in LANGUAGES:
            return LANGUAGES[primary]
    return DEFAULT


def _pattern(msgid):
    """A regex matching the messages a shaped msgid produces, a group per value."""
    pieces, last = [], 0
    for match in PLACEHOLDER.finditer(msgid):
        pieces.append(re.escape(msgid[last:match.start()]))
        pieces.append("(.+?)")
        last = match.end()
    pieces.append(re.escape(msgid[last:]))
    return re.compile("^%s$" % "".join(pieces), re.S)


@lru_cache(maxsize=1)
def _shaped():
    """(pattern, translation) for every msgid with values, longest literal text first."""
    shaped = [(msgid, zh) for msgid, zh in MESSAGES.items() if PLACEHOLDER.search(msgid)]
    shaped.sort(key=lambda item: -len(PLACEHOLDER.sub("", item[0])))
    return [(_pattern(msgid), PLACEHOLDER.findall(zh) and zh, msgid) for msgid, zh in shaped]


def _fill(msgid, zh, values):
    """The translation with the message's values in the places of the msgid's."""
    names = PLACEHOLDER.findall(msgid)
    values = [find(value) or value for value in values]  # "x is unavailable: not running"
    by_placeholder = dict(zip(names, values))
    positional = iter(values)

    def put(match):
        token = match.group(0)
        if token in by_placeholder and (token.startswith("{") or "(" in token):
            return by_placeholder[token]
        return next(positional, token)
    return PLACEHOLDER.sub(put, zh)


def find(message):
    """The Chinese of an English message, or None when the catalogue lacks it."""
    if message in MESSAGES:
        return MESSAGES[message]
    for pattern, zh, msgid in _shaped():
        match = pattern.match(message)
        if match:
            if not zh:  # the translation carries no values
                return MESSAGES[msgid]
            return _fill(msgid, zh, match.groups())
    return None


def translate(message, lang):
    if lang == "en" or not isinstance(message, str):
        return message
    found = find(message)
    return message if found is None else found


def translate_details(details, lang):
    """Every message in details (nested dicts and lists); keys name fields and stay."""
    if isinstance(details, dict):
        return {key: translate_details(value, lang) for key, value in details.items()}
    if isinstance(details, list):
        return [translate_details(value, lang) for value in details]
    return translate(details, lang)


def localise(request, response):
    """A JSON error answer with its messages in the request's language."""
    lang = language(request.headers.get("Accept-Language"))
    response.headers["Content-Language"] = lang
    response.vary.add("Accept-Language")
    if lang == "en":
        return response
    try:
        body = json.loads(response.get_data())
        error = body["error"]
    except (ValueError, TypeError, KeyError):
        return response
    if not isinstance(error, dict):
        return response
    error["message"] = translate(error.get("message"), lang)
    if "details" in error:
        error["details"] = translate_details(error["details"], lang)
    response.set_data(json.dumps(body, ensure_ascii=False))
    return response
