"""Money is integer fen inside, a decimal string in yuan with two places outside."""
import re

# a yuan amount on the wire: the one definition (contracts document it as their pattern)
YUAN_PATTERN = r"^(0|[1-9]\d{0,11})(\.\d{1,2})?$"
_YUAN = re.compile(YUAN_PATTERN)


class BadAmount(ValueError):
    pass


def to_fen(text):
    """'290.00' -> 29000. Rejects negatives, exponents, more than two places."""
    if not isinstance(text, str) or not _YUAN.match(text):
        raise BadAmount("not a yuan amount with at most two decimals: %r" % (text,))
    whole, _, cents = text.partition(".")
    return int(whole) * 100 + int((cents + "00")[:2])


def to_yuan(fen):
    """29000 -> '290.00'."""
    sign = "-" if fen < 0 else ""
    fen = abs(int(fen))
    return "%s%d.%02d" % (sign, fen // 100, fen % 100)


def average_fen(total, count):
    """total / count fen, rounded half up to the fen (110000 / 3 -> 36667, not 36666); 0
    for no count. Integers only: no float ever touches money."""
    if not count:
        return 0
    quotient, remainder = divmod(total, count)
    return quotient + (1 if 2 * remainder >= count else 0)
