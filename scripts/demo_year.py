"""Load a subsidy year like the federation's own report: 232,500 yuan over 800+ activities.

Run on demand against a running system that has the demo data set (scripts/start):

    .venv/bin/python scripts/demo_year.py            # last year (Asia/Shanghai)
    .venv/bin/python scripts/demo_year.py --year 2025 --no-pay

What it does, and why this way:
- Through the gateway: opens the year's activity fund (232,500.00 yuan) and, at the end,
  creates and pays one disbursement batch and prints the year's statistics.
- Straight to the broker: one activity_approved envelope per activity, published to the
  subsidies service's own queue only. A past year cannot go through the gateway (an
  activity is reported within the reporting window of 90 days, and approving 800+ of them
  by hand would be most of an afternoon); publishing to the subsidies queue alone keeps
  the library and notify services from counting activities that the activities service
  never saw. The activity ids live in a range of their own (year x 100000 + n) and the
  event ids are derived from them, so running the script twice creates nothing twice.
- The amounts follow the policy version in force on each approval date (version 1 for a
  past year); the last activity takes exactly what is left, so the fund ends fully used.
"""
import argparse
import os
import random
import sys
import time
import uuid
from datetime import date, datetime, time as clock_time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from kombu import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import services.catalogue  # noqa: E402,F401  every event registered
from services.common.events import make_envelope, queue_name  # noqa: E402
from services.common.money import to_fen, to_yuan  # noqa: E402
from services.subsidies import domain  # noqa: E402

LOCAL = ZoneInfo("Asia/Shanghai")
BUDGET = "232500.00"
NAMESPACE = uuid.UUID("6f1c2a52-8d0e-4e61-9a43-52a1c6f0a001")
TITLES = {"culture": ["职工书画展", "职工合唱比赛", "迎新春文艺汇演", "非遗文化进企业"],
          "sports": ["职工趣味运动会", "职工篮球联赛", "健步走活动", "拔河比赛"],
          "reading": ["职工读书分享会", "劳模书架共读", "匠心书苑读书会", "驿站阅读角读书活动"],
          "lecture": ["金张掖职工大思政课", "劳模工匠宣讲", "安全生产专题讲座"],
          "exhibition": ["职工摄影展", "技能成果展"],
          "women": ["女职工风采展示", "巾帼建功交流会"]}
SEASON_OF_MONTH = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring",
                   5: "spring", 6: "summer", 7: "summer", 8: "summer", 9: "autumn",
                   10: "autumn", 11: "autumn"}
THEME = {"spring": "women", "summer": "sports", "autumn": "reading", "winter": "culture"}


class Gateway:
    def __init__(self, base):
        self.base = base
        self.session = requests.Session()

    def login(self, username, password):
        answer = self.session.post(self.base + "/api/v1/auth/token",
                                   json={"username": username, "password": password}, timeout=30)
        if answer.status_code != 200:
            raise SystemExit("demo_year: cannot sign in as %s: %s" % (username, answer.text))
        self.session.headers["Authorization"] = "Bearer " + answer.json()["access_token"]

    def call(self, method, path, ok=(200, 201), **kwargs):
        answer = self.session.request(method, self.base + path, timeout=60, **kwargs)
        if answer.status_code not in ok:
            raise SystemExit("demo_year: %s %s -> %s %s" % (method, path, answer.status_code,
                                                            answer.text))
        return answer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=datetime.now(LOCAL).year - 1)
    parser.add_argument("--no-pay", action="store_true", help="leave the grants unpaid")
    args = parser.parse_args(argv)
    port = int(os.environ.get("CM_GATEWAY_PORT", "8000"))
    gateway = Gateway("http://127.0.0.1:%d" % port)
    gateway.login(os.environ.get("CM_ADMIN_USERNAME", "admin"),
                  os.environ.get("CM_ADMIN_PASSWORD") or _stored_password())
    amqp_uri = os.environ.get("CM_AMQP_URI") or _tools_amqp_uri()

    unions = gateway.call("GET", "/api/v1/unions", params={"limit": 500}).json()["items"]
    by_level = {level: [u for u in unions if u["level"] == level]
                for level in ("city", "county", "grassroots")}
    if not by_level["grassroots"] or not by_level["county"] or not by_level["city"]:
        raise SystemExit("demo_year: load the demo data set first (scripts/start with CM_DEMO=1)")

    fund = _fund(gateway, args.year)
    policies = gateway.call("GET", "/api/v1/policies", params={"kind": "activity"}).json()
    documents = {p["version"]: p for p in policies["items"]}
    plan = _plan(args.year, by_level, documents, to_fen(fund["remaining"]))
    print("demo_year: %d approvals for %d, %s yuan to grant from fund %d (%s)" % (
        len(plan), args.year, fund["remaining"], fund["id"], fund["name"]))

    with Connection(amqp_uri, transport_options={"confirm_publish": True}) as connection:
        producer = connection.Producer()
        for envelope in plan:
            producer.publish(envelope, exchange="",
                             routing_key=queue_name("subsidies", "activity_approved"),
                             serializer="json", delivery_mode=2)
    _wait(gateway, args.year, len(plan))
    if not args.no_pay:
        batch = gateway.call("POST", "/api/v1/disbursements", ok=(201, 409),
                             json={"fund_id": fund["id"]})
        if batch.status_code == 201:
            gateway.call("POST", "/api/v1/disbursements/%d/pay" % batch.json()["id"],
                         json={"reference": "DEMO-%d" % args.year})
            print("demo_year: paid batch %d (%d subsidies, %s yuan)" % (
                batch.json()["id"], batch.json()["count"], batch.json()["total"]))
    _report(gateway.call("GET", "/api/v1/subsidies/stats", params={"year": args.year}).json())


def _tools_amqp_uri():
    """The tools' own broker user that scripts/start made (it may publish to the default
    exchange, which reaches the subsidies queue)."""
    stored = Path(os.environ.get("CM_DATA_DIR", "./var")) / "tools-amqp-uri"
    if stored.exists():
        return stored.read_text().strip()
    raise SystemExit("demo_year: set CM_AMQP_URI (a broker user that may publish to the "
                     "default exchange; scripts/start keeps one in $CM_DATA_DIR/tools-amqp-uri)")


def _stored_password():
    data_dir = Path(os.environ.get("CM_DATA_DIR", "./var"))
    stored = data_dir / "admin-password"
    if stored.exists():
        return stored.read_text().strip()
    raise SystemExit("demo_year: set CM_ADMIN_PASSWORD (the start command printed it)")


def _fund(gateway, year):
    created = gateway.call("POST", "/api/v1/funds", ok=(201, 409), json={
        "name": "%d年度职工文体活动补助资金" % year, "year": year, "policy": "activity",
        "budget": BUDGET})
    if created.status_code == 201:
        return created.json()
    found = gateway.call("GET", "/api/v1/funds", params={
        "year": year, "policy": "activity", "status": "open"}).json()["items"]
    city = [f for f in found if f["county"] is None]
    if not city:
        raise SystemExit("demo_year: no open city-wide activity fund for %d" % year)
    return city[0]


def _plan(year, by_level, documents, budget_fen):
    """Approvals whose grants add up to exactly the fund's remaining budget."""
    rng = random.Random(year)
    today = datetime.now(LOCAL).date()
    last_day = min(date(year, 12, 31), today - timedelta(days=10))
    first_day = date(year, 1, 1)
    if last_day <= first_day:
        raise SystemExit("demo_year: %d has not begun long enough ago" % year)
    span = (last_day - first_day).days
    envelopes, remaining, n = [], budget_fen, 0
    specials = [("county", union) for union in by_level["county"]] + \
               [("city", by_level["city"][0])]

    def add(tier, union, participants, expenses_fen):
        nonlocal remaining, n
        n += 1
        held_on = first_day + timedelta(days=rng.randrange(span))
        approved_on = min(held_on + timedelta(days=rng.randint(2, 9)), today - timedelta(days=1))
        season = SEASON_OF_MONTH[held_on.month]
        category = THEME[season] if rng.random() < 0.45 else rng.choice(list(TITLES))
        facts = {"tier": tier, "category": category, "county": union["county"],
                 "participants": participants, "expenses": to_yuan(expenses_fen),
                 "season_theme_match": category == THEME[season], "union_granted_fen": 0}
        version = domain.policy_in_force(
            [(v, date.fromisoformat(p["effective_from"]) if p["effective_from"] else None)
             for v, p in documents.items()], approved_on)
        amount = domain.calculate(documents[version]["document"], facts).amount
        if amount > remaining:
            n -= 1
            return 0
        remaining -= amount
        activity_id = year * 100000 + n
        envelope = make_envelope("activity_approved", {
            "activity_id": activity_id, "title": rng.choice(TITLES[category]),
            "union_id": union["id"], "union_name": union["name"], "county": union["county"],
            "tier": tier, "category": category, "season": season,
            "held_on": held_on.isoformat(), "participants": participants,
            "expenses": to_yuan(expenses_fen), "actor": "demo_year",
            "season_theme_match": facts["season_theme_match"]},
            "activities", "demo-year-%d" % year)
        envelope["event_id"] = str(uuid.uuid5(NAMESPACE, "approved-%d" % activity_id))
        envelope["occurred_at"] = datetime.combine(
            approved_on, clock_time(10, 30), LOCAL).astimezone(ZoneInfo("UTC")).isoformat(
            ).replace("+00:00", "Z")
        envelopes.append(envelope)
        return amount

    for tier, union in specials:   # a speciality activity per county, a city demonstration
        add(tier, union, rng.randint(50, 120), rng.randint(3000, 8000) * 100)
    while remaining > 80000:       # the bulk: grassroots activities of about 290 yuan
        union = rng.choice(by_level["grassroots"])
        participants = rng.randint(10, 41)
        expenses = rng.randint(400, 2000) * 100
        add("grassroots", union, participants, expenses)
    while remaining > 0:           # the last ones take exactly what is left
        union = rng.choice(by_level["grassroots"])
        take = min(remaining, 50000)
        if add("grassroots", union, 130, take * 2) == 0:
            raise SystemExit("demo_year: the policy in force cannot close the budget exactly")
    return envelopes


def _wait(gateway, year, expected, deadline_seconds=600):
    deadline = time.monotonic() + deadline_seconds
    while True:
        stats = gateway.call("GET", "/api/v1/subsidies/stats", params={"year": year}).json()
        decided = stats["activities_subsidised"] + stats["declined"]
        if decided >= expected:
            return
        if time.monotonic() > deadline:
            raise SystemExit("demo_year: only %d of %d decided after %ds" % (
                decided, expected, deadline_seconds))
        print("demo_year: %d of %d decided" % (decided, expected), flush=True)
        time.sleep(2)  # a progress poll of a bounded wait


def _report(stats):
    print("\n%d年度职工文体活动补助统计" % stats["year"])
    print("  核定补助 %s 元，已拨付 %s 元，补助活动 %d 场，场均 %s 元" % (
        stats["granted"], stats["paid"], stats["activities_subsidised"],
        stats["average_per_activity"]))
    for row in stats["by_county"]:
        print("  %-12s 核定 %10s 元  %4d 场  场均 %s 元" % (
            row["county"], row["granted"], row["activities_subsidised"],
            row["average_per_activity"]))
    for row in stats["by_tier"]:
        print("  %-6s 核定 %10s 元  %4d 场" % (row["tier_name"], row["granted"],
                                            row["activities_subsidised"]))


if __name__ == "__main__":
    main()
