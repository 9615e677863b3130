"""Money in one place: a fund, its county allocations and the unions' years, and the
ledger entries every movement writes.

Every path that moves money goes through FundMoney: reserve (a grant), release (a
cancelled grant), pay (a disbursement batch), return (the bank sent a payment back: it is
granted again, to be paid again), refund (a paid grant reversed: return and release), and
adjust (the budget raised or lowered, with its reason). Each movement checks the invariant
before it changes anything and records its ledger entries, so the figures (the budget
too, from the opening budget) are always the fold of the ledger. Reconciliation replays
the ledger and checks the invariant; it repairs nothing. Amounts are integer fen; no nameko, no SQLAlchemy here.
"""
from dataclasses import dataclass

from services.common.money import to_yuan

THRESHOLDS = (80, 100)


class MoneyError(ValueError):
    """A movement the invariant forbids (overspending, releasing or paying what is not
    there); nothing was changed."""


@dataclass
class Account:
    """Figures of a fund, of a county's allocation, or of a union's year (budget None: the
    union's cap is the policy's, checked by the calculation)."""
    budget: int | None
    granted: int = 0
    paid: int = 0

    @property
    def remaining(self):
        return None if self.budget is None else self.budget - self.granted


@dataclass(frozen=True)
class Entry:
    """One ledger line: reserve | release | pay | return | refund (positive amounts), or
    adjust (signed: the budget's change)."""
    kind: str
    amount: int
    subsidy_id: int | None
    county: str | None
    batch_id: int | None = None
    note: str | None = None
    actor: str | None = None


class FundMoney:
    """A fund's money. allocations: {county: Account}; entries: the ledger lines this
    unit's movements wrote, oldest first (the repository appends them)."""

    def __init__(self, budget, granted=0, paid=0, announced_percent=0, allocations=None):
        self.fund = Account(budget, granted, paid)
        self.allocations = dict(allocations or {})
        self.announced_percent = announced_percent
        self.entries = []

    @property
    def remaining(self):
        return self.fund.remaining

    def room(self, county):
        """(label, remaining fen) a grant for county must also fit in, or None."""
        return allocation_room(self.fund.budget, self.fund.granted,
                               {c: (a.budget, a.granted) for c, a in self.allocations.items()},
                               county)

    # movements -------------------------------------------------------------------------
    def reserve(self, subsidy_id, county, amount, union_year=None):
        """A grant: the money is reserved from the fund (and the county's allocation or the
        pool) and counted in the union's year. Returns the usage thresholds (percent) this
        grant crossed and nobody announced yet; they count as announced now."""
        _positive(amount)
        if amount > self.fund.remaining:
            raise MoneyError("reserving %s exceeds the fund's remaining %s" % (
                to_yuan(amount), to_yuan(self.fund.remaining)))
        room = self.room(county)
        if room is not None and amount > room[1]:
            raise MoneyError("reserving %s exceeds the %s of %s" % (
                to_yuan(amount), room[0], to_yuan(room[1])))
        before = self.fund.granted
        self._move("granted", county, amount, union_year)
        self.entries.append(Entry("reserve", amount, subsidy_id, county))
        crossed = thresholds_crossed(self.fund.budget, before, self.fund.granted,
                                     self.announced_percent)
        if crossed:
            self.announced_percent = crossed[-1]
        return crossed

    def release(self, subsidy_id, county, amount, union_year=None, note=None):
        """A cancelled grant: its reserved, unpaid money goes back to the fund."""
        _positive(amount)
        unpaid = self.fund.granted - self.fund.paid
        allocation = self.allocations.get(county)
        if amount > unpaid or (allocation is not None
                               and amount > allocation.granted - allocation.paid):
            raise MoneyError("releasing %s exceeds what is granted and unpaid" % to_yuan(amount))
        if union_year is not None and amount > union_year.granted:
            raise MoneyError("releasing %s exceeds the union's year" % to_yuan(amount))
        self._move("granted", county, -amount, union_year)
        self.entries.append(Entry("release", amount, subsidy_id, county, note=note))

    def pay(self, subsidy_id, county, amount, batch_id, note=None, actor=None):
        """A granted decision paid in a disbursement batch."""
        _positive(amount)
        allocation = self.allocations.get(county)
        if amount > self.fund.granted - self.fund.paid or (
                allocation is not None and amount > allocation.granted - allocation.paid):
            raise MoneyError("paying %s exceeds what is granted and unpaid" % to_yuan(amount))
        self._move("paid", county, amount)
        self.entries.append(Entry("pay", amount, subsidy_id, county, batch_id, note, actor))

    def return_payment(self, subsidy_id, county, amount, batch_id, note=None, actor=None):
        """The bank sent a paid decision's money back: it is granted and unpaid again (the
        money stays reserved for it, to go into another batch)."""
        self._check_unpay(county, amount)
        self._move("paid", county, -amount)
        self.entries.append(Entry("return", amount, subsidy_id, county, batch_id, note, actor))

    def refund(self, subsidy_id, county, amount, union_year=None, batch_id=None, note=None,
               actor=None):
        """A paid decision reversed (the union paid the money back): the payment and then
        the grant are undone, two entries; the money is the fund's again."""
        self._check_unpay(county, amount)
        if union_year is not None and amount > union_year.granted:
            raise MoneyError("refunding %s exceeds the union's year" % to_yuan(amount))
        self._move("paid", county, -amount)
        self.entries.append(Entry("refund", amount, subsidy_id, county, batch_id, note, actor))
        self._move("granted", county, -amount, union_year)
        self.entries.append(Entry("release", amount, subsidy_id, county, batch_id, note, actor))

    def adjust(self, amount, note, actor=None):
        """The budget raised (amount > 0) or lowered (< 0), never below what is granted nor
        below the county allocations; one signed adjust entry."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise MoneyError("an adjustment is a non-zero number of fen, not %r" % (amount,))
        budget = self.fund.budget + amount
        if budget < self.fund.granted:
            raise MoneyError("the budget (%s) would fall below what is granted (%s)" % (
                to_yuan(budget), to_yuan(self.fund.granted)))
        allocated = sum(a.budget for a in self.allocations.values())
        if budget < allocated:
            raise MoneyError("the budget (%s) would fall below the county allocations (%s)" % (
                to_yuan(budget), to_yuan(allocated)))
        pool = budget - allocated
        pool_granted = self.fund.granted - sum(a.granted for a in self.allocations.values())
        if self.allocations and pool < pool_granted:
            raise MoneyError("the unallocated part (%s) would fall below what counties without "
                             "an allocation are granted (%s)" % (to_yuan(pool),
                                                                 to_yuan(pool_granted)))
        self.fund.budget = budget
        self.entries.append(Entry("adjust", amount, None, None, note=note, actor=actor))

    def _check_unpay(self, county, amount):
        _positive(amount)
        allocation = self.allocations.get(county)
        if amount > self.fund.paid or (allocation is not None and amount > allocation.paid):
            raise MoneyError("returning %s exceeds what is paid" % to_yuan(amount))

    def reallocate(self, split, by_county, counties):
        """Replace the county split ([{county, budget}]). by_county: {county: (granted,
        paid)} of the fund's decisions. Errors by field (nothing changed), or {}."""
        errors = validate_allocations(self.fund.budget, split,
                                      {c: g for c, (g, _) in by_county.items()}, counties)
        if not errors:
            self.allocations = {item["county"]: Account(item["budget"],
                                                        *by_county.get(item["county"], (0, 0)))
                                for item in split}
        return errors

    def _move(self, figure, county, amount, union_year=None):
        targets = [self.fund, self.allocations.get(county)]
        if figure == "granted":
            targets.append(union_year)
        for account in targets:
            if account is not None:
                setattr(account, figure, getattr(account, figure) + amount)

    # the invariant ---------------------------------------------------------------------
    def problems(self):
        """What breaks the invariant: granted within budget and paid within granted, for
        the fund and for each allocation; the allocations within the budget."""
        found = self.fund_problems()
        for county in sorted(self.allocations):
            found += self.allocation_problems(county)
        return found

    def fund_problems(self):
        found = []
        if self.fund.granted > self.fund.budget:
            found.append("granted exceeds the budget")
        if self.fund.paid > self.fund.granted:
            found.append("paid exceeds granted")
        if min(self.fund.granted, self.fund.paid) < 0:
            found.append("a figure is negative")
        if sum(a.budget for a in self.allocations.values()) > self.fund.budget:
            found.append("the allocations exceed the budget")
        return found

    def allocation_problems(self, county):
        allocation, found = self.allocations[county], []
        if allocation.granted > allocation.budget:
            found.append("%s: granted exceeds its allocation" % county)
        if allocation.paid > allocation.granted:
            found.append("%s: paid exceeds granted" % county)
        return found


def replay(budget, allocation_budgets, entries, opening_budget=None):
    """The FundMoney the ledger says: entries (kind, amount, county), folded as they are.
    opening_budget: the budget the fund opened with (its adjustments give the budget);
    None takes budget as it is."""
    if opening_budget is not None:
        budget = opening_budget + sum(a for kind, a, _ in entries if kind == "adjust")
    granted, paid = ledger_figures((kind, amount) for kind, amount, _ in entries)
    allocations = {}
    for county, allocation_budget in allocation_budgets.items():
        allocations[county] = Account(allocation_budget, *ledger_figures(
            (kind, amount) for kind, amount, c in entries if c == county))
    return FundMoney(budget, granted, paid, allocations=allocations)


def reconcile(stored, entries, decisions, opening_budget=None):
    """A fund's stored figures against its ledger and its decisions, and the invariant.

    stored: the FundMoney as stored; entries: its ledger (kind, amount, county);
    decisions: {county: (granted, paid)} of its granted and paid decisions; opening_budget:
    the fund's budget when it opened (its budget is that plus the adjustments). Fen inside.
    """
    ledger = replay(stored.fund.budget, {c: a.budget for c, a in stored.allocations.items()},
                    entries, opening_budget)
    decided_granted = sum(g for g, _ in decisions.values())
    decided_paid = sum(p for _, p in decisions.values())
    problems = []

    def compare(label, kept, recomputed):
        if kept != recomputed:
            problems.append("%s: stored %s, recomputed %s" % (
                label, to_yuan(kept), to_yuan(recomputed)))

    compare("budget (ledger)", stored.fund.budget, ledger.fund.budget)
    compare("granted (ledger)", stored.fund.granted, ledger.fund.granted)
    compare("paid (ledger)", stored.fund.paid, ledger.fund.paid)
    compare("granted (decisions)", stored.fund.granted, decided_granted)
    compare("paid (decisions)", stored.fund.paid, decided_paid)
    problems += stored.fund_problems()
    allocations = []
    for county, allocation in sorted(stored.allocations.items()):
        recomputed = ledger.allocations[county]
        compare("%s granted" % county, allocation.granted, recomputed.granted)
        compare("%s paid" % county, allocation.paid, recomputed.paid)
        problems += stored.allocation_problems(county)
        allocations.append({"county": county, "budget": allocation.budget,
                            "granted": allocation.granted, "paid": allocation.paid,
                            "ledger_granted": recomputed.granted,
                            "ledger_paid": recomputed.paid})
    return {"consistent": not problems, "problems": problems,
            "budget": stored.fund.budget, "granted": stored.fund.granted,
            "paid": stored.fund.paid, "remaining": stored.fund.remaining,
            "ledger": {"budget": ledger.fund.budget, "granted": ledger.fund.granted,
                       "paid": ledger.fund.paid, "entries": len(entries)},
            "decisions": {"granted": decided_granted, "paid": decided_paid},
            "allocations": allocations}


def _positive(amount):
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise MoneyError("an amount is a positive number of fen, not %r" % (amount,))


def thresholds_crossed(budget, granted_before, granted_after, announced):
    """Usage thresholds (percent) that this grant crossed and nobody announced yet."""
    if budget <= 0:
        return []
    return [t for t in THRESHOLDS
            if t > announced and granted_before * 100 < t * budget <= granted_after * 100]


def allocation_room(fund_budget, fund_granted, allocations, county):
    """(label, remaining fen) a grant for county must also fit in, or None.

    allocations: {county: (budget, granted)}. A county with an allocation draws on it;
    the others share the pool the allocations leave (budget - sum of allocations).
    """
    if not allocations:
        return None
    if county in allocations:
        budget, granted = allocations[county]
        return ("%s分配额度" % county, budget - granted)
    pool = fund_budget - sum(b for b, _ in allocations.values())
    pool_granted = fund_granted - sum(g for _, g in allocations.values())
    return ("未分配额度", pool - pool_granted)


def validate_allocations(budget, allocations, granted_by_county, counties):
    """Errors of a county split: known counties, once each, within the budget and
    never below what a county has been granted already."""
    errors = {}
    seen = set()
    total = 0
    for index, item in enumerate(allocations):
        county, amount = item["county"], item["budget"]
        if county not in counties:
            errors["allocations.%d.county" % index] = ["one of %s" % ", ".join(counties)]
        elif county in seen:
            errors["allocations.%d.county" % index] = ["given twice"]
        seen.add(county)
        total += amount
        if amount < granted_by_county.get(county, 0):
            errors["allocations.%d.budget" % index] = [
                "below what %s has been granted already (%s)" % (
                    county, to_yuan(granted_by_county[county]))]
    if total > budget:
        errors["allocations"] = ["the allocations (%s) exceed the budget (%s)" % (
            to_yuan(total), to_yuan(budget))]
    unallocated_granted = sum(g for c, g in granted_by_county.items() if c not in seen)
    if not errors and seen and budget - total < unallocated_granted:
        errors["allocations"] = ["the unallocated part (%s) is below what counties without an "
                                 "allocation have been granted (%s)" % (
                                     to_yuan(budget - total), to_yuan(unallocated_granted))]
    return errors


def ledger_figures(entries):
    """(granted, paid) fen from ledger entries (kind, amount); adjust moves the budget."""
    granted = paid = 0
    for kind, amount in entries:
        if kind == "reserve":
            granted += amount
        elif kind == "release":
            granted -= amount
        elif kind == "pay":
            paid += amount
        elif kind in ("return", "refund"):
            paid -= amount
    return granted, paid
