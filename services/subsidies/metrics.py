"""Business metrics of the subsidies service (Prometheus): counts and shares, never money.

/metrics is read by whoever reaches the port or the Prometheus server, so no yuan figure
of a fund or a subsidy is exported here; amounts stay behind the API's finance and
city_admin roles (GET /api/v1/funds, /api/v1/subsidies/stats). What ops need is whether
the pipeline decides and pays, and when an open fund is about to run dry:

* cm_subsidy_decisions_total{outcome, county}: decisions this process made, by outcome
  (granted, declined, paid, cancelled); Prometheus sums them over replicas.
* cm_fund_remaining_ratio{fund_id, year, policy, county}: an open fund's budget not yet
  granted, as a share of its budget (0..1, unitless); closed funds are not exported.
* cm_funds_open: how many funds are open.

The gauges are set from the database just before each scrape (Service.refresh_gauges), so
every replica reports the same figures.
"""
from prometheus_client import Counter, Gauge

FUND_LABELS = ["fund_id", "year", "policy", "county"]
OUTCOMES = ("granted", "declined", "paid", "cancelled")

DECISIONS = Counter("cm_subsidy_decisions_total",
                    "Subsidy decisions made by this process, by outcome (a count, not money)",
                    ["outcome", "county"])
FUND_REMAINING_RATIO = Gauge("cm_fund_remaining_ratio",
                             "An open fund's budget not yet granted, as a share of its budget "
                             "(0..1)", FUND_LABELS)
FUNDS_OPEN = Gauge("cm_funds_open", "Funds that are open")


def fund_labels(fund):
    return {"fund_id": str(fund.id), "year": str(fund.year), "policy": fund.policy,
            "county": "city" if fund.scope == "*" else fund.scope}


def remaining_ratio(fund):
    """remaining / budget, clamped to 0..1; a fund without budget has nothing left."""
    if fund.budget_fen <= 0:
        return 0.0
    return min(1.0, max(0.0, (fund.budget_fen - fund.granted_fen) / fund.budget_fen))


def observe_funds(funds):
    """Set the fund gauges from the open funds; others (closed, or a test's other
    database) are dropped."""
    FUND_REMAINING_RATIO.clear()
    opened = [fund for fund in funds if fund.status == "open"]
    for fund in opened:
        FUND_REMAINING_RATIO.labels(**fund_labels(fund)).set(remaining_ratio(fund))
    FUNDS_OPEN.set(len(opened))


def count_decision(outcome, county):
    DECISIONS.labels(outcome, county or "").inc()
