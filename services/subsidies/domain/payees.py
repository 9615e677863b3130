"""Payees and payee lines: where a decision's money goes, and a batch's transfers.

A union is paid for its activities; a venue is paid itself (culture palaces have no host
union). A payee's bank details are validated here: 户名 (account_name) and 开户行 (bank,
its branch included) are non-empty and at most 100 characters once stripped; the account
number is 8 to 30 digits (spaces are allowed in the input and removed; leading zeros are
kept, so it is text). Decisions are grouped into one line per payee; decisions whose payee
has no bank details are held out, never batched. Pure: no nameko, no SQLAlchemy.
"""
import re
import unicodedata
from dataclasses import dataclass, field

NAME_MAX = 100
NUMBER_MIN, NUMBER_MAX = 8, 30
_DIGITS = re.compile(r"[0-9]+")  # ASCII digits only: str.isdigit() takes "²" and "٣"

UNION, VENUE = "union", "venue"
KIND_ORDER = {UNION: 0, VENUE: 1}


def clean_bank_details(account_name, bank, account_number):
    """(cleaned {account_name, bank, account_number}, errors {field: [message]})."""
    cleaned, errors = {}, {}
    for name, value in (("account_name", account_name), ("bank", bank)):
        text = (value or "").strip()
        if not text:
            errors[name] = ["must not be blank"]
        elif len(text) > NAME_MAX:
            errors[name] = ["at most %d characters" % NAME_MAX]
        elif _has_control_characters(text):
            errors[name] = ["must not contain control characters (tabs, line breaks)"]
        cleaned[name] = text
    number = (account_number or "").replace(" ", "")
    if not _DIGITS.fullmatch(number):
        errors["account_number"] = ["digits only (spaces are allowed and removed)"]
    elif not NUMBER_MIN <= len(number) <= NUMBER_MAX:
        errors["account_number"] = ["from %d to %d digits" % (NUMBER_MIN, NUMBER_MAX)]
    cleaned["account_number"] = number
    return cleaned, errors


def _has_control_characters(text):
    return any(unicodedata.category(char) == "Cc" for char in text)


def payee_of(subject, union_id, venue_id):
    """(payee_kind, payee_id) a decision pays: an activity's union, or the venue itself."""
    if subject == "venue":
        return (VENUE, venue_id)
    return (UNION, union_id)


def union_told(payee_kind, payee_id, host_union_id):
    """The union told of a returned payment: the union paid, or the venue's host union (a
    culture palace has none: None)."""
    return payee_id if payee_kind == UNION else host_union_id


@dataclass(frozen=True)
class Decision:
    """What grouping needs of a granted decision: its id, amount (fen), payee and the
    name the decision knows its payee by (the union's, or the venue's)."""
    id: int
    amount: int
    payee: tuple
    payee_name: str


@dataclass
class Line:
    """A payee's decisions summed: one transfer. bank: {account_name, bank,
    account_number}, or None for a payee held out (no bank details)."""
    payee: tuple
    payee_name: str
    bank: dict | None
    number: int = 0
    subsidy_ids: list = field(default_factory=list)
    total: int = 0

    @property
    def count(self):
        return len(self.subsidy_ids)

    def view(self):
        kind, payee_id = self.payee
        answer = {"payee_kind": kind, "payee_id": payee_id, "payee_name": self.payee_name,
                  "count": self.count, "total": self.total,
                  "subsidy_ids": list(self.subsidy_ids)}
        if self.bank is not None:
            answer.update(self.bank, number=self.number)
        return answer


@dataclass
class Grouping:
    lines: list
    held_out: list

    @property
    def count(self):
        return sum(line.count for line in self.lines)

    @property
    def total(self):
        return sum(line.total for line in self.lines)


def group(decisions, payees):
    """Decisions into payee lines (numbered 1, 2, ... unions first, then venues, by id)
    and the payees held out for want of bank details.

    payees: {(kind, id): {"name", "account_name", "bank", "account_number"}}; a payee's
    own name (kept with its bank details) is the line's name, else the decision's."""
    by_payee = {}
    for decision in sorted(decisions, key=lambda d: d.id):
        line = by_payee.get(decision.payee)
        if line is None:
            known = payees.get(decision.payee)
            bank = None if known is None else {key: known[key] for key in (
                "account_name", "bank", "account_number")}
            name = (known or {}).get("name") or decision.payee_name
            line = by_payee[decision.payee] = Line(decision.payee, name, bank)
        line.subsidy_ids.append(decision.id)
        line.total += decision.amount
    ordered = sorted(by_payee.values(),
                     key=lambda line: (KIND_ORDER.get(line.payee[0], 9), line.payee[1]))
    lines = [line for line in ordered if line.bank is not None]
    for number, line in enumerate(lines, start=1):
        line.number = number
    return Grouping(lines, [line for line in ordered if line.bank is None])


def fallback_name(kind, payee_id):
    """A payee's name when nothing else knows it (a decision without a union name)."""
    return "%s %s" % ("工会" if kind == UNION else "阵地", payee_id)
