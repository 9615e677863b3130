"""A whole period under one policy version (draft or published): every activity decision
of the period decided again from its stored inputs, touching nothing.

The decisions run in the order they were made. Each union's yearly total is accumulated
again under the version (so that its caps work as they would have), starting from what
the union had really been granted before its first decision of the period (the stored
`union_granted_before`). Two tracks run side by side:

- policy: what the version grants, the fund ignored (what the rules alone would cost);
- allowed: what the fund would have allowed, honouring its budget (and county
  allocations) in the same order, and the version's `when_budget_short`.

Pure: facts in, figures (integer fen) out. No nameko, no SQLAlchemy.
"""
import heapq
from dataclasses import dataclass, field

from services.common.money import to_fen
from services.subsidies.contract import CATEGORIES, TIERS
from services.subsidies.domain.calculation import calculate
from services.subsidies.domain.money import allocation_room

SEASONS = ("spring", "summer", "autumn", "winter")
LARGEST = 10  # how many of the largest changes the answer lists
GRANTED_OR_PAID = ("granted", "paid")


@dataclass(frozen=True)
class Case:
    """One activity decision as it stands. amount: what it grants now (fen)."""
    subsidy_id: int
    activity_id: int | None
    title: str
    union_id: int | None
    county: str
    tier: str
    year: int
    fund_id: int | None
    status: str
    reason: str | None
    amount: int
    inputs: dict

    @property
    def left_out(self):
        """A grant withdrawn after its decision (cancelled, or paid and reversed): its money
        went back, so it is no cost of the year whatever the version."""
        return self.status == "reversed" or self.reason == "cancelled"


@dataclass
class FundRoom:
    """A fund as the simulation starts it: its budget now, what it had granted before the
    period (granted), and its county allocations {county: [budget, granted]}."""
    budget: int
    granted: int = 0
    allocations: dict = field(default_factory=dict)

    def room(self, county):
        left = self.budget - self.granted
        part = allocation_room(self.budget, self.granted,
                               {c: tuple(a) for c, a in self.allocations.items()}, county)
        return left if part is None else min(left, part[1])

    def take(self, county, amount):
        self.granted += amount
        if county in self.allocations:
            self.allocations[county][1] += amount


def simulate(document, cases, funds, decisions_before=None):
    """The figures of `cases` (in the order they were decided) under `document`.

    funds: {fund_id: FundRoom} (changed as the run takes money); decisions_before:
    {union_id: count} of each union's activity decisions before the first case, for a
    rule that needs the union's history when a stored decision does not carry it.
    """
    run = _Run(document, funds, dict(decisions_before or {}))
    for case in cases:
        run.decide(case)
    return run.figures()


class _Run:
    def __init__(self, document, funds, decisions_before):
        self.document = document
        self.partial = document.get("when_budget_short", "none") == "partial"
        self.funds = funds
        self.decisions_seen = decisions_before
        self.used = {"policy": {}, "allowed": {}}  # (union, year) -> fen under the version
        self.totals = _Figures()
        self.groups = {name: {} for name in ("county", "tier", "category", "season")}
        self.changes = []
        self.left_out = 0

    def decide(self, case):
        facts = self._facts(case)
        if case.left_out:
            self.left_out += 1
            return
        key = (case.union_id, case.year)
        seed = _fen(case.inputs.get("union_granted_before"))
        policy_used = self.used["policy"].get(key, seed)
        allowed_used = self.used["allowed"].get(key, seed)
        policy = self._calculate(facts, policy_used)
        calc = policy if allowed_used == policy_used else self._calculate(facts, allowed_used)
        wanted = calc.amount if calc.reason is None else 0
        allowed, reason = self._fund(case, wanted, calc.reason)
        policy_amount = policy.amount if policy.reason is None else 0
        self.used["policy"][key] = policy_used + policy_amount
        self.used["allowed"][key] = allowed_used + allowed
        self._count(case, facts, policy_amount, allowed)
        if allowed != case.amount:
            self.changes.append((case, wanted, allowed, reason, calc.explanation))

    def _facts(self, case):
        """The stored inputs, with the union's earlier decisions counted when the stored
        decision does not say (every decision counts, a withdrawn one too)."""
        seen = self.decisions_seen.get(case.union_id, 0)
        self.decisions_seen[case.union_id] = seen + 1
        if "union_decisions_before" in case.inputs:
            return case.inputs
        return dict(case.inputs, union_decisions_before=seen)

    def _calculate(self, facts, used):
        return calculate(self.document, dict(facts, union_granted_fen=used))

    def _fund(self, case, wanted, reason):
        """(what the fund allows, why not all of it or None)."""
        if reason is not None:
            return 0, reason
        if wanted <= 0:
            return 0, "not_eligible"
        fund = self.funds.get(case.fund_id)
        if fund is None:
            return 0, "no_fund"
        room = fund.room(case.county)
        if wanted <= room:
            fund.take(case.county, wanted)
            return wanted, None
        if self.partial and room > 0:
            fund.take(case.county, room)
            return room, "partial"
        return 0, "budget_exhausted"

    def _count(self, case, facts, policy_amount, allowed):
        keys = {"county": case.county, "tier": facts.get("tier") or case.tier,
                "category": facts.get("category"), "season": facts.get("season")}
        for name, key in keys.items():
            group = self.groups[name].get(key)
            if group is None:
                group = self.groups[name][key] = _Figures()
            group.add(case.amount, policy_amount, allowed)
        self.totals.add(case.amount, policy_amount, allowed)

    def figures(self):
        increases = [c for c in self.changes if c[2] > c[0].amount]
        decreases = [c for c in self.changes if c[2] < c[0].amount]
        largest = heapq.nlargest(LARGEST, self.changes,
                                 key=lambda c: (abs(c[2] - c[0].amount), -c[0].subsidy_id))
        return dict(
            self.totals.view(), left_out=self.left_out,
            by_county=_rows(self.groups["county"], sorted(self.groups["county"])),
            by_tier=_rows(self.groups["tier"], TIERS),
            by_category=_rows(self.groups["category"], CATEGORIES),
            by_season=_rows(self.groups["season"], SEASONS),
            changes={"count": len(self.changes),
                     "increased": len(increases),
                     "increase": sum(c[2] - c[0].amount for c in increases),
                     "decreased": len(decreases),
                     "decrease": sum(c[0].amount - c[2] for c in decreases)},
            largest_changes=[_change(*c) for c in largest])


class _Figures:
    """Decisions counted, and what they grant: actually, under the policy, as allowed."""

    def __init__(self):
        self.count = self.actual = self.policy = self.allowed = 0
        self.granted_actual = self.granted_allowed = 0

    def add(self, actual, policy, allowed):
        self.count += 1
        self.actual += actual
        self.policy += policy
        self.allowed += allowed
        self.granted_actual += actual > 0
        self.granted_allowed += allowed > 0

    def view(self):
        return {"decisions": self.count, "actual": self.actual, "policy": self.policy,
                "allowed": self.allowed, "granted_actual": self.granted_actual,
                "granted_allowed": self.granted_allowed,
                "difference": self.allowed - self.actual}


def _rows(groups, order):
    """{key, figures...} per key, in the word list's order (keys it does not know after)."""
    known = [key for key in order if key in groups]
    rest = sorted((key for key in groups if key not in known), key=str)
    return [dict(groups[key].view(), key=key) for key in known + rest]


def _change(case, wanted, allowed, reason, explanation):
    return {"subsidy_id": case.subsidy_id, "activity_id": case.activity_id,
            "title": case.title, "union_id": case.union_id, "county": case.county,
            "tier": case.inputs.get("tier") or case.tier,
            "category": case.inputs.get("category"), "season": case.inputs.get("season"),
            "actual": case.amount, "policy": wanted, "allowed": allowed,
            "change": allowed - case.amount, "reason": reason, "explanation": explanation}


def _fen(yuan):
    return to_fen(yuan) if isinstance(yuan, str) else 0
