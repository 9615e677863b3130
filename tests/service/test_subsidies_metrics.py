"""What subsidies puts on /metrics (services/subsidies/metrics.py): counts and unitless
shares that ops need, never a fund's or a subsidy's yuan. The scrape is rendered the way
OpsEndpoints.metrics does it: refresh_gauges, then prometheus_client's text format."""
import re

import pytest
from prometheus_client import generate_latest
from sqlalchemy import text

from services.activities import events as activity_events
from services.subsidies.service import Service
from tests.support.service_tier import ServiceDatabase
from tests.support.system import parse_metric

YEAR = 2031


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


def approved(activity_id, union_id=3, county="甘州区"):
    return {"activity_id": activity_id, "title": "读书分享会 %d" % activity_id,
            "union_id": union_id, "union_name": "甘州区某工会", "county": county,
            "tier": "grassroots", "category": "reading", "season": "spring",
            "held_on": "%d-04-23" % YEAR, "participants": 40, "expenses": "1500.00",
            "venue_id": None, "lecturer_id": None, "actor": "reviewer", "status": "approved"}


def approve(tier, activity_id, **facts):
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(activity_id, **facts)))


def scrape(tier):
    tier.worker(Service).refresh_gauges()
    return generate_latest().decode("utf-8")


def subsidies_series(scraped):
    """Every sample line of a subsidies business metric (not the shared pipeline ones)."""
    return [line for line in scraped.splitlines()
            if re.match(r"cm_(fund|funds|subsid)", line)]


def open_fund(tier, budget, year=YEAR):
    return tier.worker(Service).create_fund(
        {"name": "%d 年补助资金" % year, "year": year, "policy": "activity", "budget": budget})


def test_metrics_show_the_remaining_share_and_no_yuan_of_a_fund(tier):
    fund = open_fund(tier, "1000.00")
    approve(tier, 1)  # 350.00 granted: 650.00 of 1000.00 remain
    scraped = scrape(tier)
    labels = {"fund_id": str(fund["id"]), "year": str(YEAR), "policy": "activity",
              "county": "city"}
    # No per-fund money: no *_yuan family at all, and none of the fund's figures.
    assert "yuan" not in scraped
    assert parse_metric(scraped, "cm_fund_remaining_ratio", labels) == pytest.approx(0.65)
    assert parse_metric(scraped, "cm_funds_open", {}) == 1
    assert "# TYPE cm_fund_remaining_ratio gauge" in scraped
    for line in subsidies_series(scraped):
        value = float(line.rsplit(" ", 1)[1])
        assert value not in (1000.0, 650.0, 350.0, 100000.0, 65000.0, 35000.0), line


def test_decisions_are_counted_by_outcome_not_amount(tier):
    before = scrape(tier)

    def delta(scraped, outcome):
        labels = {"outcome": outcome, "county": "甘州区"}
        return (parse_metric(scraped, "cm_subsidy_decisions_total", labels)
                - parse_metric(before, "cm_subsidy_decisions_total", labels))

    open_fund(tier, "500.00")
    approve(tier, 1)        # granted 350.00
    approve(tier, 2)        # 150.00 left: declined, budget exhausted
    service = tier.worker(Service)
    (granted,) = service.list_subsidies({"activity_id": 1})["items"]
    service.put_payee("union", 3, {"account_name": "甘州区某工会", "bank": "工行甘州支行",
                                   "account_number": "6222000011112222"}, "甘州区某工会", "finance1")
    batch = service.create_batch({"fund_id": granted["fund_id"]}, "finance1")
    service.pay_batch(batch["id"], {"reference": "BANK-1"}, "finance2")
    after = scrape(tier)
    assert (delta(after, "granted"), delta(after, "declined"), delta(after, "paid")) == (1, 1, 1)
    assert "cm_subsidies_granted_yuan" not in after and "cm_subsidies_paid_yuan" not in after


def test_a_cancelled_decision_is_counted(tier):
    before = scrape(tier)
    open_fund(tier, "1000.00")
    approve(tier, 1)
    service = tier.worker(Service)
    (granted,) = service.list_subsidies({"activity_id": 1})["items"]
    service.cancel_subsidy(granted["id"], {"reason": "重复申报"}, "finance1")
    labels = {"outcome": "cancelled", "county": "甘州区"}
    assert (parse_metric(scrape(tier), "cm_subsidy_decisions_total", labels)
            - parse_metric(before, "cm_subsidy_decisions_total", labels)) == 1


def test_only_open_funds_are_exported(tier):
    spent = open_fund(tier, "1000.00", year=YEAR - 1)
    current = open_fund(tier, "2000.00")
    with tier.engine.begin() as conn:
        conn.execute(text("UPDATE funds SET status = 'closed' WHERE id = :id"), {"id": spent["id"]})
    scraped = scrape(tier)
    assert parse_metric(scraped, "cm_funds_open", {}) == 1
    assert parse_metric(scraped, "cm_fund_remaining_ratio", {"fund_id": str(current["id"])}) == 1.0
    assert 'fund_id="%d"' % spent["id"] not in scraped
