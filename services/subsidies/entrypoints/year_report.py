"""The year-end report (决算), subsidies' part: a year's decisions and money by county
and tier, each fund's opening budget, adjustments and balance, the ledger's folds, and
whether every total reconciles with the ledger.

Two kinds of check, both listed: each fund's own reconciliation (reconcile_fund, reused:
its figures against its ledger and its decisions), and the report's own totals (what
its decisions say was granted and paid, the funds' stored figures, each county's part)
against the folds of the ledger entries they should equal. The report repairs nothing.
Everything is read in one session, then folded by the pure functions below.
"""
from sqlalchemy import func, select

from services.common.money import average_fen, to_yuan
from services.common.schema import load
from services.subsidies import contract
from services.subsidies.entrypoints import rpc
from services.subsidies.entrypoints.funds import FundEntrypoints
from services.subsidies.models import CITY_WIDE, Fund, FundAllocation, LedgerEntry, Subsidy

PART_OUT = contract.SubsidyYearPart()
GRANTED_OR_PAID = ("granted", "paid")


class YearReportEntrypoints:
    @rpc
    def year_report(self, payload):
        data = load(contract.YearReportIn(), payload)
        year, county = data["year"], data["county"]
        with self.db.session() as session:
            decisions = session.execute(_decisions(year, county)).all()
            funds = session.scalars(_funds(year, county)).all()
            ids = [fund.id for fund in funds]
            ledger = session.execute(
                select(LedgerEntry.fund_id, LedgerEntry.county, LedgerEntry.kind, func.count(),
                       func.sum(LedgerEntry.amount_fen))
                .where(LedgerEntry.fund_id.in_(ids))
                .group_by(LedgerEntry.fund_id, LedgerEntry.county, LedgerEntry.kind)).all()
            allocations = {(row.fund_id, row.county): row.budget_fen for row in session.scalars(
                select(FundAllocation).where(FundAllocation.fund_id.in_(ids)))}
            verdicts = {fund.id: FundEntrypoints._reconcile(session, fund) for fund in funds}
        answer = year_part(year, county, decisions, funds, ledger, allocations, verdicts)
        return PART_OUT.dump(answer)


def _decisions(year, county):
    query = (select(Subsidy.subject, Subsidy.county, Subsidy.tier, Subsidy.status,
                    Subsidy.reason, func.count(), func.sum(Subsidy.amount_fen))
             .where(Subsidy.year == year)
             .group_by(Subsidy.subject, Subsidy.county, Subsidy.tier, Subsidy.status,
                       Subsidy.reason))
    return query if county is None else query.where(Subsidy.county == county)


def _funds(year, county):
    """The year's funds; a county's report: its own funds and the city-wide ones."""
    query = select(Fund).where(Fund.year == year).order_by(Fund.id)
    return query if county is None else query.where(Fund.scope.in_((county, CITY_WIDE)))


# folding (pure) ----------------------------------------------------------------------------
class Tally:
    """Decisions by status, fen."""

    def __init__(self):
        self.decisions = self.subsidised = self.paid_count = self.declined = 0
        self.reversed = self.granted = self.paid = 0

    def add(self, status, count, amount):
        self.decisions += count
        if status in GRANTED_OR_PAID:
            self.subsidised += count
            self.granted += amount
            if status == "paid":
                self.paid_count += count
                self.paid += amount
        elif status == "reversed":
            self.reversed += count
        else:
            self.declined += count

    def view(self, **extra):
        return dict(extra, decisions=self.decisions, subsidised=self.subsidised,
                    paid_count=self.paid_count, declined=self.declined, reversed=self.reversed,
                    granted=self.granted, paid=self.paid,
                    average=average_fen(self.granted, self.subsidised))



class Folds:
    """Ledger entries summed by kind (counts and fen)."""

    def __init__(self):
        self.count = {}
        self.amount = {}

    def add(self, kind, count, amount):
        self.count[kind] = self.count.get(kind, 0) + count
        self.amount[kind] = self.amount.get(kind, 0) + amount

    def get(self, kind):
        return self.amount.get(kind, 0)

    @property
    def granted(self):
        return self.get("reserve") - self.get("release")

    @property
    def paid(self):
        return self.get("pay") - self.get("return") - self.get("refund")

    def view(self):
        return {"entries": sum(self.count.values()), "reserved": self.get("reserve"),
                "released": self.get("release"), "paid_out": self.get("pay"),
                "returned": self.get("return"), "returned_count": self.count.get("return", 0),
                "refunded": self.get("refund"), "refunded_count": self.count.get("refund", 0),
                "adjustments": self.count.get("adjust", 0), "adjusted": self.get("adjust"),
                "granted": self.granted, "paid": self.paid}


def year_part(year, county, decisions, funds, ledger, allocations, verdicts):
    """The part's answer (fen). decisions: (subject, county, tier, status, reason, count,
    amount) rows; ledger: (fund_id, county, kind, count, amount) rows; allocations:
    {(fund_id, county): budget}; verdicts: {fund_id: reconcile_fund's answer}."""
    activity, venue = Tally(), Tally()
    by_county, by_tier, declined = {}, {}, {}
    money_by_county = {}  # every subject: what the ledger's county entries must fold to
    for subject, place, tier, status, reason, count, amount in decisions:
        amount = amount or 0
        money_by_county.setdefault(place, Tally()).add(status, count, amount)
        if status == "declined":
            declined[reason] = declined.get(reason, 0) + count
        if subject == "venue":
            venue.add(status, count, amount)
            continue
        activity.add(status, count, amount)
        by_county.setdefault(place, Tally()).add(status, count, amount)
        by_tier.setdefault(tier, Tally()).add(status, count, amount)
    whole, per_fund, per_county = Folds(), {}, {}
    for fund_id, place, kind, count, amount in ledger:
        per_fund.setdefault(fund_id, Folds()).add(kind, count, amount or 0)
        if county is None or place == county:
            whole.add(kind, count, amount or 0)
            per_county.setdefault((fund_id, place), Folds()).add(kind, count, amount or 0)
    rows = [_fund_row(f, per_fund.get(f.id, Folds()), county, allocations,
                      per_county.get((f.id, county), Folds()), verdicts[f.id]) for f in funds]
    tiers = {t: i for i, t in enumerate(contract.TIERS)}
    return {
        "year": year, "county": county,
        "activities": activity.view(), "venues": venue.view(),
        "by_county": [t.view(county=c) for c, t in sorted(by_county.items())],
        "by_tier": [t.view(tier=k, tier_name=contract.TIER_NAMES.get(k, k))
                    for k, t in sorted(by_tier.items(), key=lambda kv: tiers.get(kv[0], 9))],
        "declined_by_reason": [{"reason": r, "count": n}
                               for r, n in sorted(declined.items(), key=lambda kv: str(kv[0]))],
        "ledger": whole.view(), "funds": rows,
        "reconciliation": reconciliation(county, activity, venue, money_by_county, whole,
                                         funds, per_county, rows)}


def _fund_row(fund, folds, county, allocations, county_folds, verdict):
    share = None
    if county is not None:
        share = {"county": county, "allocation": allocations.get((fund.id, county)),
                 "granted": county_folds.granted, "paid": county_folds.paid}
    return {"id": fund.id, "name": fund.name, "policy": fund.policy,
            "county": None if fund.scope == CITY_WIDE else fund.scope, "status": fund.status,
            "opening_budget": fund.opening_budget_fen, "adjustments": folds.count.get("adjust", 0),
            "adjusted": folds.get("adjust"), "budget": fund.budget_fen,
            "granted": fund.granted_fen, "paid": fund.paid_fen,
            "remaining": fund.budget_fen - fund.granted_fen, "returned": folds.get("return"),
            "reversed": folds.get("refund"), "share": share,
            "consistent": verdict["consistent"], "problems": list(verdict["problems"])}


def reconciliation(county, activity, venue, money_by_county, whole, funds, per_county,
                   rows):
    """The report's totals against the ledger's folds, and each fund's own verdict."""
    checks = []

    def check(code, label, report, ledger):
        checks.append({"check": code, "label": label, "report": report, "ledger": ledger,
                       "agrees": report == ledger})

    scope = county or "全市"
    check("granted", "%s核定补助：决定合计与流水（预留 − 释放）" % scope,
          activity.granted + venue.granted, whole.granted)
    check("paid", "%s已拨付：决定合计与流水（拨付 − 退回 − 追回）" % scope,
          activity.paid + venue.paid, whole.paid)
    if county is None:
        stored = {key: sum(getattr(f, key) for f in funds)
                  for key in ("granted_fen", "paid_fen", "budget_fen", "opening_budget_fen")}
        check("funds_granted", "各资金账面核定合计与流水", stored["granted_fen"], whole.granted)
        check("funds_paid", "各资金账面拨付合计与流水", stored["paid_fen"], whole.paid)
        check("funds_budget", "各资金预算合计与期初预算加调整",
              stored["budget_fen"], stored["opening_budget_fen"] + whole.get("adjust"))
        by_place = {}
        for (_, place), folds in per_county.items():
            by_place.setdefault(place, Folds())
            for kind, amount in folds.amount.items():
                by_place[place].add(kind, folds.count[kind], amount)
        for place in sorted(set(money_by_county) | {p for p in by_place if p is not None}):
            tally, folds = money_by_county.get(place, Tally()), by_place.get(place, Folds())
            check("county_granted:%s" % place, "%s核定补助：决定合计与该县区流水" % place,
                  tally.granted, folds.granted)
            check("county_paid:%s" % place, "%s已拨付：决定合计与该县区流水" % place,
                  tally.paid, folds.paid)
    problems = ["%s不符：报表 %s 元，流水 %s 元" % (c["label"], to_yuan(c["report"]),
                                          to_yuan(c["ledger"]))
                for c in checks if not c["agrees"]]
    for row in rows:
        problems += ["资金「%s」（%d）自身核对不符：%s" % (row["name"], row["id"], problem)
                     for problem in row["problems"]]
    return {"consistent": not problems, "checks": checks, "problems": problems}
