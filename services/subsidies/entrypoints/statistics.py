"""Statistics: a year's subsidies, granted and paid, by county and tier; venues; funds; a
union's year against its yearly cap."""
from sqlalchemy import func, select

from services.common.clock import local_today
from services.common.errors import Conflict
from services.common.money import average_fen, to_fen
from services.common.schema import load
from services.subsidies import contract
from services.subsidies.entrypoints import rpc
from services.subsidies.entrypoints.policies import rules_in_force
from services.subsidies.models import CITY_WIDE, Fund, Subsidy
from services.subsidies.repository import GRANTED_OR_PAID

CAP_RULE = "cap_per_union_year"


class StatisticsEntrypoints:
    @rpc
    def stats(self, payload):
        """A year's activity subsidies: granted and paid, by county and by tier. With a
        county, its decisions only and its own funds (a city-wide fund is the city's)."""
        data = load(contract.StatsIn(), payload)
        year, county = data["year"], data["county"]
        with self.db.session() as session:
            query = (select(Subsidy.subject, Subsidy.county, Subsidy.tier, Subsidy.status,
                            func.count(), func.sum(Subsidy.amount_fen))
                     .where(Subsidy.year == year)
                     .group_by(Subsidy.subject, Subsidy.county, Subsidy.tier, Subsidy.status))
            funds = select(Fund).where(Fund.year == year).order_by(Fund.id)
            if county:
                query = query.where(Subsidy.county == county)
                funds = funds.where(Fund.scope == county)
            rows = session.execute(query).all()
            funds = session.scalars(funds).all()
        activity, venue = _Tally(), _Tally()
        by_county, by_tier = {}, {}
        for subject, where, tier, status, count, amount in rows:
            if subject == "venue":
                venue.add(status, count, amount or 0)
                continue
            activity.add(status, count, amount or 0)
            by_county.setdefault(where, _Tally()).add(status, count, amount or 0)
            by_tier.setdefault(tier, _Tally()).add(status, count, amount or 0)
        tier_order = {t: i for i, t in enumerate(contract.TIERS)}
        answer = dict(year=year, county=county, **activity.view())
        answer["by_county"] = [dict(county=c, **t.view()) for c, t in sorted(by_county.items())]
        answer["by_tier"] = [
            dict(tier=k, tier_name=contract.TIER_NAMES.get(k, k), **t.view())
            for k, t in sorted(by_tier.items(), key=lambda kv: tier_order.get(kv[0], 9))]
        answer["venues"] = venue.view(noun="venues", single="venue")
        answer["funds"] = [{"id": f.id, "name": f.name, "policy": f.policy,
                            "county": None if f.scope == CITY_WIDE else f.scope,
                            "status": f.status, "budget": f.budget_fen,
                            "granted": f.granted_fen, "paid": f.paid_fen,
                            "remaining": f.budget_fen - f.granted_fen} for f in funds]
        return contract.StatsOut().dump(answer)

    @rpc
    def union_year(self, payload):
        """A union's activity subsidies of a year: granted (paid or not), paid, pending,
        declined; the yearly cap of the activity policy in force today and the room left
        under it. tier: the union's level, for a cap by tier (the gateway knows it)."""
        data = load(contract.UnionYearIn(), payload)
        with self.db.session() as session:
            rows = session.execute(
                select(Subsidy.status, Subsidy.tier, func.count(), func.sum(Subsidy.amount_fen))
                .where(Subsidy.union_id == data["union_id"], Subsidy.year == data["year"],
                       Subsidy.subject == "activity")
                .group_by(Subsidy.status, Subsidy.tier)).all()
            try:
                rules = rules_in_force(session, "activity", local_today())
            except Conflict:  # no published activity policy: no cap to speak of
                rules = None
        tally = _Tally()
        tiers = set()
        decisions = 0
        for status, tier, count, amount in rows:
            tally.add(status, count, amount or 0)
            tiers.add(tier)
            decisions += count
        tier = data["tier"] or (tiers.pop() if len(tiers) == 1 else None)
        cap = yearly_cap(rules.document, tier) if rules is not None else None
        return contract.UnionYearOut().dump({
            "union_id": data["union_id"], "year": data["year"], "tier": tier,
            "granted": tally.granted, "paid": tally.paid,
            "pending": tally.granted - tally.paid, "decisions": decisions,
            "subsidised": tally.count, "declined": tally.declined, "cap": cap,
            "room": None if cap is None else max(cap - tally.granted, 0),
            "policy_version": rules.version if rules is not None else None})


def yearly_cap(document, tier):
    """Fen of the policy's yearly cap per union (its cap_per_union_year rule) for a union
    of the tier; None when the policy has no such rule, or caps by a tier not known."""
    for rule in document.get("rules", ()):
        if rule.get("type") != CAP_RULE:
            continue
        if "amount" in rule:
            return to_fen(rule["amount"])
        amount = rule.get("by_tier", {}).get(tier)
        return None if amount is None else to_fen(amount)
    return None



class _Tally:
    """Counts and fen of decisions: granted (paid included), paid, declined (a reversed
    decision is neither: its money went back)."""

    def __init__(self):
        self.granted = self.paid = self.count = self.declined = 0

    def add(self, status, count, amount):
        if status in GRANTED_OR_PAID:
            self.granted += amount
            self.count += count
            if status == "paid":
                self.paid += amount
        elif status == "declined":
            self.declined += count

    def view(self, noun="activities", single="activity"):
        return {"granted": self.granted, "paid": self.paid,
                "%s_subsidised" % noun: self.count, "declined": self.declined,
                "average_per_%s" % single: average_fen(self.granted, self.count)}
