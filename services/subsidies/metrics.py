"""Business metrics of the subsidies service (Prometheus).

Gauges are set from the database just before each scrape (Service.refresh_gauges), so
every replica reports the same fund figures; counters count what this process did, and
Prometheus sums them over replicas.
"""
from prometheus_client import Counter, Gauge

FUND_LABELS = ["fund_id", "year", "policy", "county"]

FUND_BUDGET = Gauge("cm_fund_budget_yuan", "A fund's budget in yuan", FUND_LABELS)
FUND_REMAINING = Gauge("cm_fund_remaining_yuan",
                       "A fund's budget not yet granted, in yuan", FUND_LABELS)
GRANTED = Counter("cm_subsidies_granted_yuan", "Subsidies granted, in yuan",
                  ["county", "tier"])
PAID = Counter("cm_subsidies_paid_yuan", "Subsidies paid, in yuan", ["county", "tier"])


def fund_labels(fund):
    return {"fund_id": str(fund.id), "year": str(fund.year), "policy": fund.policy,
            "county": "city" if fund.scope == "*" else fund.scope}


def observe_funds(funds):
    """Set the fund gauges; funds no longer there (a test's other database) are dropped."""
    FUND_BUDGET.clear()
    FUND_REMAINING.clear()
    for fund in funds:
        labels = fund_labels(fund)
        FUND_BUDGET.labels(**labels).set(fund.budget_fen / 100)
        FUND_REMAINING.labels(**labels).set((fund.budget_fen - fund.granted_fen) / 100)


def count_granted(county, tier, fen):
    if fen > 0:
        GRANTED.labels(county, tier).inc(fen / 100)


def count_paid(county, tier, fen):
    if fen > 0:
        PAID.labels(county, tier).inc(fen / 100)
