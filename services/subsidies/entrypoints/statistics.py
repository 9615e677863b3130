"""Statistics: a year's subsidies, granted and paid, by county and tier; venues; funds."""
from sqlalchemy import func, select

from services.common.schema import load
from services.subsidies import contract
from services.subsidies.entrypoints import rpc
from services.subsidies.models import CITY_WIDE, Fund, Subsidy
from services.subsidies.repository import GRANTED_OR_PAID


class StatisticsEntrypoints:
    @rpc
    def stats(self, payload):
        """A year's activity subsidies: granted and paid, by county and by tier."""
        data = load(contract.StatsIn(), payload)
        year = data["year"]
        with self.db.session() as session:
            query = (select(Subsidy.subject, Subsidy.county, Subsidy.tier, Subsidy.status,
                            func.count(), func.sum(Subsidy.amount_fen))
                     .where(Subsidy.year == year)
                     .group_by(Subsidy.subject, Subsidy.county, Subsidy.tier, Subsidy.status))
            if data["county"]:
                query = query.where(Subsidy.county == data["county"])
            rows = session.execute(query).all()
            funds = session.scalars(select(Fund).where(Fund.year == year)
                                    .order_by(Fund.id)).all()
        activity, venue = _Tally(), _Tally()
        by_county, by_tier = {}, {}
        for subject, county, tier, status, count, amount in rows:
            if subject == "venue":
                venue.add(status, count, amount or 0)
                continue
            activity.add(status, count, amount or 0)
            by_county.setdefault(county, _Tally()).add(status, count, amount or 0)
            by_tier.setdefault(tier, _Tally()).add(status, count, amount or 0)
        tier_order = {t: i for i, t in enumerate(contract.TIERS)}
        answer = dict(year=year, county=data["county"], **activity.view())
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


class _Tally:
    """Counts and fen of decisions: granted (paid included), paid, declined."""

    def __init__(self):
        self.granted = self.paid = self.count = self.declined = 0

    def add(self, status, count, amount):
        if status in GRANTED_OR_PAID:
            self.granted += amount
            self.count += count
            if status == "paid":
                self.paid += amount
        else:
            self.declined += count

    def view(self, noun="activities", single="activity"):
        average = self.granted // self.count if self.count else 0
        return {"granted": self.granted, "paid": self.paid,
                "%s_subsidised" % noun: self.count, "declined": self.declined,
                "average_per_%s" % single: average}
