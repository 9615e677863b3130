"""Benchmark of a year under a draft: POST /api/v1/policies/activity/2/simulate over a year
of --activities decisions (10,000 by default), through the gateway.

    .venv/bin/python bench/policy_simulation.py [--activities 10000] [--runs 5]
                                                [--backend sqlite|postgres]

Starts a system, opens the year's fund (232,500.00), and writes the year's decisions into
the subsidies database by SQL, as the service would have made them under version 1 (each
one's stored inputs: the approved event's facts, its union's year before it, its day),
with the amounts version 1 and the fund give in that order. Then times the simulation of
version 2 (the draft with the differentiated extras) through the gateway, --runs times,
and the pure core (domain.simulation) on the same decisions in this process. Prints the
figures and a SUMMARY line; the target is under 10 s for 10,000.
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.common.money import to_fen, to_yuan  # noqa: E402
from services.subsidies import domain  # noqa: E402
from services.subsidies.domain import simulation  # noqa: E402
from services.subsidies.models import Subsidy  # noqa: E402
from tests.support.system import System  # noqa: E402

QUIET = {"CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}
YEAR = 2025
BUDGET = "232500.00"
COUNTIES = ["甘州区", "临泽县", "高台县", "山丹县", "民乐县", "肃南裕固族自治县"]
CATEGORIES = ["culture", "sports", "reading", "lecture", "exhibition", "women"]
THEME = {"spring": "women", "summer": "sports", "autumn": "reading", "winter": "culture"}
SEASON = {1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring", 6: "summer",
          7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn", 12: "winter"}


def year_of_decisions(count, fund_id, seed=19):
    """(rows for the subsidies table, cases for the pure core): a year decided in order
    under version 1 against the fund, as the service would have."""
    rng = random.Random(seed)
    unions = [(1000 + n, COUNTIES[n % 6], "county" if n % 60 == 0 else "grassroots")
              for n in range(400)]
    used, remaining = {}, to_fen(BUDGET)
    rows, cases = [], []
    start = datetime(YEAR, 1, 1, 2, tzinfo=timezone.utc)
    for number in range(1, count + 1):
        union_id, county, tier = rng.choice(unions)
        held_on = date(YEAR, 1, 1) + timedelta(days=int(number * 364 / (count + 1)))
        category = rng.choice(CATEGORIES)
        season = SEASON[held_on.month]
        facts = {"activity_id": number, "title": "活动 %d" % number, "union_id": union_id,
                 "union_name": "工会 %d" % union_id, "county": county, "tier": tier,
                 "category": category, "season": season, "held_on": held_on.isoformat(),
                 "year": YEAR, "participants": rng.randint(3, 200),
                 "expenses": "%d.00" % rng.randint(200, 6000), "venue_id": None,
                 "lecturer_id": None, "actor": "bench", "comment": None, "status": "approved",
                 "season_theme": None, "season_theme_match": THEME[season] == category,
                 "lecturer_name": None, "union_level": tier,
                 "lecturer_satisfaction": (rng.choice(["0.9000", "0.9600", "1.0000"])
                                           if category == "lecture" else None)}
        before = used.get(union_id, 0)
        approved_on = held_on + timedelta(days=3)
        inputs = dict(facts, union_granted_before=to_yuan(before),
                      approved_on=approved_on.isoformat())
        calc = domain.calculate(domain.DEFAULT_ACTIVITY_POLICY,
                                dict(inputs, union_granted_fen=before))
        decision = domain.decide(calc, remaining)
        if decision.status == "granted":
            used[union_id] = before + decision.amount
            remaining -= decision.amount
        rows.append({
            "subject": "activity", "activity_id": number, "activity_title": facts["title"],
            "union_id": union_id, "union_name": facts["union_name"], "county": county,
            "tier": tier, "year": YEAR, "fund_id": fund_id, "status": decision.status,
            "amount_fen": decision.amount, "reason": decision.reason, "policy_version": 1,
            "inputs": inputs, "explanation": decision.explanation,
            "event_id": str(uuid.uuid4()), "approved_on": approved_on,
            "decided_at": start + timedelta(minutes=number)})
        cases.append(simulation.Case(number, number, facts["title"], union_id, county, tier,
                                     YEAR, fund_id, decision.status, decision.reason,
                                     decision.amount, inputs))
    return rows, cases


def fill(system, rows):
    """The decisions by SQL into the subsidies database (only a benchmark reaches in)."""
    engine = create_engine(system.database_url("subsidies"))
    with engine.begin() as conn:
        for start in range(0, len(rows), 1000):
            conn.execute(insert(Subsidy.__table__), rows[start:start + 1000])
    engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgres"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch), args.backend, QUIET).start()
        try:
            admin = system.client()
            fund = admin.post("/api/v1/funds", {"name": "%d年度职工文体活动补助资金" % YEAR,
                                                "year": YEAR, "policy": "activity",
                                                "budget": BUDGET})
            assert fund.status_code == 201, fund.text
            rows, cases = year_of_decisions(args.activities, fund.json()["id"])
            fill(system, rows)
            seconds, answer = [], None
            for _ in range(args.runs):
                started = time.perf_counter()
                reply = admin.session.post(
                    system.gateway + "/api/v1/policies/activity/2/simulate",
                    json={"year": YEAR}, timeout=120)
                seconds.append(time.perf_counter() - started)
                assert reply.status_code == 200, reply.text
                answer = reply.json()
            assert answer["decisions"] == args.activities, answer["decisions"]
        finally:
            system.stop()
    started = time.perf_counter()
    simulation.simulate(domain.DIFFERENTIATED_ACTIVITY_POLICY, cases,
                        {rows[0]["fund_id"]: simulation.FundRoom(to_fen(BUDGET))})
    core = time.perf_counter() - started
    figures = {key: answer[key] for key in ("decisions", "actual", "policy", "allowed",
                                            "granted_actual", "granted_allowed")}
    figures["changes"] = answer["changes"]
    print(json.dumps(figures, ensure_ascii=False))
    print("SUMMARY " + json.dumps({
        "backend": args.backend, "activities": args.activities, "runs": args.runs,
        "http_median_s": round(statistics.median(seconds), 2),
        "http_max_s": round(max(seconds), 2), "pure_core_s": round(core, 2)}))


if __name__ == "__main__":
    main()
