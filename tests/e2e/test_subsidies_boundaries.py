"""Issue 16, subsidies: fund figures are not on /metrics for anyone who reaches the port.

A running subsidies service exports counts and unitless shares (the remaining share of an
open fund, decisions by outcome), never a fund's or a subsidy's yuan; the amounts are still
on the authenticated API.
"""
import re

import requests

from services.common.events import make_envelope
from tests.support.events import publish
from tests.support.system import parse_metric
from tests.support.waiting import wait_for

YEAR = 2039
PROCESSES = ("gateway", "activities", "subsidies", "library", "notify")


def approval(union, activity_id):
    data = {"activity_id": activity_id, "title": "测试活动", "union_id": union["id"],
            "union_name": union["name"], "county": union["county"], "tier": "grassroots",
            "category": "reading", "season": "autumn", "held_on": "%d-10-15" % YEAR,
            "participants": 40, "expenses": "1500.00", "actor": "rev_ganzhou"}
    return make_envelope("activity_approved", data, "activities", "test-subsidies-boundaries")


def business_lines(scraped):
    """The sample lines of subsidies' own business families."""
    return [line for line in scraped.splitlines() if re.match(r"cm_(fund|funds|subsid)", line)]


def test_metrics_of_a_running_subsidies_show_shares_and_counts_and_no_yuan(world):
    admin = world.system.client()
    created = admin.post("/api/v1/funds", {"name": "%d年度职工文体活动补助资金" % YEAR,
                                           "year": YEAR, "policy": "activity",
                                           "budget": "2000.00"})
    assert created.status_code == 201, created.text
    fund = created.json()
    union = world.unions["power"]
    publish(world.system, approval(union, 9_160_001))  # grassroots reading: 350.00 granted
    wait_for(lambda: admin.get("/api/v1/funds/%d" % fund["id"]).json()["granted"] == "350.00",
             30, "the grant")

    def scraped_ratio():
        text = requests.get(world.system.url_of("subsidies") + "/metrics", timeout=5).text
        value = parse_metric(text, "cm_fund_remaining_ratio", {"fund_id": str(fund["id"])})
        return text if abs(value - 0.825) < 1e-9 else None
    scraped = wait_for(scraped_ratio, 20, "the fund's remaining share on /metrics")

    # What ops need: the share left (1650.00 of 2000.00), open funds, decisions counted.
    labels = {"fund_id": str(fund["id"]), "year": str(YEAR), "policy": "activity",
              "county": "city"}
    assert parse_metric(scraped, "cm_fund_remaining_ratio", labels) == 0.825
    assert parse_metric(scraped, "cm_funds_open", {}) >= 1
    assert parse_metric(scraped, "cm_subsidy_decisions_total",
                        {"outcome": "granted", "county": union["county"]}) >= 1
    # No yuan figure of a fund: no *_yuan family, and no business sample that is an amount.
    for name in ("cm_fund_budget_yuan", "cm_fund_remaining_yuan",
                 "cm_subsidies_granted_yuan", "cm_subsidies_paid_yuan"):
        assert name not in scraped, name
    for line in business_lines(scraped):
        assert float(line.rsplit(" ", 1)[1]) not in (2000.0, 1650.0, 350.0, 200000.0,
                                                     165000.0, 35000.0), line
    for name in PROCESSES:
        text = requests.get(world.system.url_of(name) + "/metrics", timeout=5).text
        assert "yuan" not in text, name

    # The finance figures stay on the authenticated API.
    figures = admin.get("/api/v1/funds/%d" % fund["id"]).json()
    assert (figures["budget"], figures["granted"], figures["remaining"]) == (
        "2000.00", "350.00", "1650.00")
    anonymous = requests.get(world.system.gateway + "/api/v1/funds/%d" % fund["id"], timeout=5)
    assert anonymous.status_code == 401
