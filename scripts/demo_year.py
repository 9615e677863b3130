"""The demo year: a year of the federation's work driven through the system as the
federation does it, then its published figures as the system computes them.

    .venv/bin/python scripts/demo_year.py                  # this year, January to today
    .venv/bin/python scripts/demo_year.py --months 9-11    # one season (autumn)
    .venv/bin/python scripts/demo_year.py --year 2025      # last year, all of it late-entered
    .venv/bin/python scripts/demo_year.py --scale 0.1      # a tenth of the activities

Through the gateway, by the people who do each thing (reports with photos, reviews,
surveys, evaluations, payments by a second person); subsidies follow by events, nothing
here computes an amount; past the reporting window the city enters reports late (补录).
What it does and why: docs/subsidies.md, "The demo year".
"""
import argparse
import calendar
import hashlib
import io
import os
import random
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import requests
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import demo  # noqa: E402  the demo data set (scripts/demo.py), loaded when missing

LOCAL = ZoneInfo("Asia/Shanghai")
PASSWORD = "Heihe-oasis-demo-year"  # of the users this script makes
BUDGET, VENUE_BUDGET = "232500.00", "800000.00"
FULL_YEAR = {"activities": 830, "lectures": 86, "workers": 10}  # grassroots; per union
THEME = {"spring": "women", "summer": "sports", "autumn": "reading", "winter": "culture"}
SEASON_OF = {m: s for s, ms in {"winter": (12, 1, 2), "spring": (3, 4, 5), "summer": (6, 7, 8),
                               "autumn": (9, 10, 11)}.items() for m in ms}
TITLES = {"culture": "职工文艺汇演", "sports": "职工趣味运动会", "reading": "职工读书分享会",
          "lecture": "金张掖职工大思政课", "exhibition": "职工书画摄影展", "women": "女职工风采展示"}
SCORES = ((5, 0.76), (4, 0.21), (3, 0.03))  # what workers answer a lecture's survey


def Options(year, months, scale=1.0, clients=8, pay=True, window_days=90):  # noqa: N802
    """What to run: months of a year, a share of the activities, clients at once, whether to
    pay, the system's reporting window (reporting_window_days); workers: per grassroots
    union, each answering a lecture's survey once."""
    return SimpleNamespace(year=year, months=sorted(months), scale=scale, clients=clients,
                           pay=pay, window_days=window_days,
                           workers=max(2, round(FULL_YEAR["workers"] * min(1.0, scale * 4))))


@dataclass
class Planned:
    key: str
    union: dict
    held_on: date
    category: str
    participants: int
    expenses: int  # yuan
    late: bool = False
    lecturer_id: int = None
    venue_id: int = None
    review: str = "approve"  # approve | return (rework, then approve) | reject
    scores: list = field(default_factory=list)


class Gateway:
    """The gateway for many users: a token per user (signed in once, shared by the
    threads) and a requests.Session per thread and user."""

    def __init__(self, base, admin, admin_password):
        self.base, self.admin = base.rstrip("/"), admin
        self.passwords = {admin: admin_password}
        self.tokens, self.locks, self._lock = {}, {}, threading.Lock()
        self._local = threading.local()

    def token(self, username, renew=False):
        with self._lock:  # one sign-in per user at a time; users sign in at the same time
            lock = self.locks.setdefault(username, threading.Lock())
        with lock:
            if renew or username not in self.tokens:
                answer = requests.post(self.base + "/api/v1/auth/token", timeout=60, json={
                    "username": username, "password": self.passwords.get(username, PASSWORD)})
                if answer.status_code != 200:
                    raise SystemExit("demo_year: cannot sign in as %s: %s" % (username,
                                                                              answer.text))
                self.tokens[username] = answer.json()["access_token"]
            return self.tokens[username]

    def call(self, username, method, path, ok=(200, 201), tolerate=(), headers=None,
             **kwargs):
        """The answer (a 429 waits its Retry-After, a 503 a moment); None when tolerated."""
        sessions = self._local.__dict__.setdefault("sessions", {})
        session = sessions.get(username) or sessions.setdefault(username, requests.Session())
        renewed = False
        for _ in range(30):
            sent = dict(headers or {}, Authorization="Bearer " + self.token(username))
            answer = session.request(method, self.base + path, timeout=120, headers=sent,
                                     **kwargs)
            if answer.status_code == 401 and not renewed:  # a token that expired
                self.token(username, renew=True)
                renewed = True
            elif answer.status_code in (429, 503):  # the rate limit, a service restarting
                time.sleep(float(answer.headers.get("Retry-After", 1)))  # a bounded back-off
            else:
                break
        if answer.status_code in tolerate:
            return None
        if answer.status_code not in ok:
            raise SystemExit("demo_year: %s %s as %s -> %s %s" % (method, path, username,
                                                                 answer.status_code, answer.text))
        return answer

    def json(self, username, method, path, **kwargs):
        answer = self.call(username, method, path, **kwargs)
        return None if answer is None else answer.json()

    def pages(self, username, path, **params):
        items, offset = [], 0
        while True:
            page = self.json(username, "GET", path, params=dict(params, limit=500, offset=offset))
            items += page["items"]
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                return items


# the federation as it stands ---------------------------------------------------------------
def directory(gateway, year):
    admin = gateway.admin
    if not any(u["level"] == "grassroots" for u in gateway.pages(admin, "/api/v1/unions")):
        print("demo_year: loading the demo data set first (scripts/demo.py)", flush=True)
        demo.load(SimpleNamespace(  # scripts/demo.py's client, as the city admin
            get=lambda path, **params: gateway.json(admin, "GET", path, params=params),
            put=lambda path, body: gateway.json(admin, "PUT", path, json=body),
            post=lambda path, body, ok=(200, 201), tolerate=(): gateway.json(
                admin, "POST", path, json=body, ok=ok, tolerate=tolerate)))
    unions = gateway.pages(admin, "/api/v1/unions")
    by_level = {level: sorted((u for u in unions if u["level"] == level), key=lambda u: u["id"])
                for level in ("city", "county", "grassroots")}
    lecturers = gateway.pages(admin, "/api/v1/lecturers", active="true")
    venues = gateway.pages(admin, "/api/v1/venues", status="open")
    lectures = gateway.pages(admin, "/api/v1/activities", year=year, category="lecture",
                             status="approved")
    return by_level, lecturers, venues, lectures


def people(union, gateway):
    """(reporter, reviewer) of a union's activities: its admin (the city's, the city) and
    its county's reviewer (for county and city activities, the city)."""
    return (gateway.admin if union["level"] == "city" else "year_u%d" % union["id"],
            "year_rev_%s" % demo.REVIEWER_NAMES.get(union["county"], union["county"])
            if union["level"] == "grassroots" else gateway.admin)


def ensure_users(gateway, by_level, workers, clients):
    """The script's users (409: there already) and their tokens: union admins, county
    reviewers, two finance users, `workers` workers of each grassroots union."""
    wanted = [(people(u, gateway)[0], "union_admin", None, u["id"])
              for u in by_level["county"] + by_level["grassroots"]]
    wanted += [(people(u, gateway)[1], "county_reviewer", u["county"], None)
               for u in {u["county"]: u for u in by_level["grassroots"]}.values()]
    wanted += [("year_finance", "finance", None, None), ("year_finance2", "finance", None, None)]
    wanted += [("year_w%d_%d" % (u["id"], k), "worker", None, u["id"])
               for u in by_level["grassroots"] for k in range(workers)]

    def make(user):
        username, role, county, union_id = user
        gateway.call(gateway.admin, "POST", "/api/v1/users", tolerate=(409,), json={
            "username": username, "password": PASSWORD, "role": role, "county": county,
            "union_id": union_id})
        gateway.token(username)
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(make, wanted))


def ensure_payees(gateway, by_level, venues, clients):
    """The bank details finance keeps for every union (an activity's payee) and venue (a
    venue subsidy's): a batch holds out payees without them. A 404: a system before payees."""
    payees = [("union", u) for level in by_level.values() for u in level] + [
        ("venue", v) for v in venues]
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(lambda payee: gateway.call(
            "year_finance", "PUT", "/api/v1/payees/%s/%d" % (payee[0], payee[1]["id"]),
            tolerate=(404,), json={"account_name": payee[1]["name"], "bank": "中国工商银行张掖分行",
                                   "account_number": "6222%015d" % payee[1]["id"]}), payees))


def ensure_fund(gateway, year, policy, name, budget):
    """The year's open city-wide fund of the policy (opened with `budget` if none is)."""
    gateway.call(gateway.admin, "POST", "/api/v1/funds", ok=(201,), tolerate=(409,),
                 json={"name": name % year, "year": year, "policy": policy, "budget": budget})
    return next(f for f in gateway.pages(gateway.admin, "/api/v1/funds", year=year,
                                         policy=policy, status="open") if f["county"] is None)


# the plan ----------------------------------------------------------------------------------
def plan(options, by_level, lecturers, venues, lectures_held, today):
    """Grassroots activities in every county every month (among them the lectures the
    programme still needs, by the pool's lecturers in turn), a speciality activity per
    county, a city demonstration per season; from a seed: the same options, the same plan."""
    rng = random.Random(options.year)
    months = sorted(options.months)
    share = len(months) / 12 * options.scale
    run_key = "demo-year-%d-m%s-s%g" % (options.year, "-".join(map(str, months)), options.scale)
    counties = sorted({u["county"] for u in by_level["grassroots"]})
    cells = [(county, month) for month in months for county in counties]
    total = max(len(cells), round(FULL_YEAR["activities"] * share))
    # the programme's sessions already held in these months by others than this script
    # (whose lectures carry its title), so that a second run plans the same year
    held = sum(1 for a in lectures_held if int(a["held_on"][5:7]) in months
               and not a["title"].startswith(TITLES["lecture"]))
    wanted = max(1, round(FULL_YEAR["lectures"] * share) - held) if lecturers else 0
    lectures = [0] * len(cells)
    for n in range(wanted):
        lectures[n * len(cells) // wanted] += 1
    hosts, taught, planned = {}, {lecturer["id"]: 0 for lecturer in lecturers}, []
    for venue in venues:
        hosts.setdefault(venue.get("host_union_id"), []).append(venue["id"])

    def add(union, month, category, participants, expenses, **extra):
        last = min(date(options.year, month, calendar.monthrange(options.year, month)[1]), today)
        held_on = date(options.year, month, rng.randint(1, last.day))
        review = rng.choices(("approve", "return", "reject"), (97, 2, 1))[0]
        planned.append(Planned(
            "%s-%04d" % (run_key, len(planned) + 1), union, held_on, category, participants,
            expenses, held_on < today - timedelta(days=options.window_days - 2),
            review="approve" if review == "reject" and category == "lecture" else review,
            **extra))

    def lecturer_for(county):
        local = [l for l in lecturers if l["county"] == county and not taught[l["id"]]]
        pool = local or [l for l in lecturers if not taught[l["id"]]] or lecturers
        chosen = min(pool, key=lambda l: (taught[l["id"]], l["county"] != county, l["id"]))
        taught[chosen["id"]] += 1
        return chosen["id"]

    for index, (county, month) in enumerate(cells):
        mine = [u for u in by_level["grassroots"] if u["county"] == county]
        for n in range(max(lectures[index], total // len(cells) + (index < total % len(cells)))):
            union = mine[(n + month) % len(mine)]
            if n < lectures[index]:
                add(union, month, "lecture", rng.randint(15, 40), rng.randint(600, 1600),
                    lecturer_id=lecturer_for(county), scores=[
                        rng.choices(*zip(*SCORES))[0] for _ in range(rng.randint(
                            max(1, options.workers - 3), options.workers))])
                continue
            category = THEME[SEASON_OF[month]] if rng.random() < 0.45 else rng.choice(
                ("culture", "sports", "reading", "exhibition", "women"))
            at = hosts.get(union["id"]) if category == "reading" and rng.random() < 0.5 else None
            add(union, month, category, rng.randint(6, 32), rng.randint(800, 2400),
                venue_id=rng.choice(at) if at else None)
    for index, union in enumerate(by_level["county"]):  # a speciality activity each
        month = months[index % len(months)]
        add(union, month, THEME[SEASON_OF[month]], rng.randint(60, 120), rng.randint(4000, 8000))
    for season in dict.fromkeys(SEASON_OF[m] for m in months):  # the city's, per season
        month = next(m for m in months if SEASON_OF[m] == season)
        for union in by_level["city"][:1]:
            add(union, month, THEME[season], rng.randint(100, 200), rng.randint(8000, 15000))
    return sorted(planned, key=lambda p: (p.held_on, p.key))


def photo(item):
    """A small JPEG of its own (one file per activity), taken on the day it was held."""
    seed = sum(item.key.encode()) + int(item.key[-4:])
    image = Image.new("RGB", (96, 72), (seed % 256, seed * 7 % 256, 180))
    image.putpixel((seed % 96, seed % 72), (255, 255, 255))
    exif, out = Image.Exif(), io.BytesIO()
    exif.get_ifd(0x8769)[0x9003] = item.held_on.strftime("%Y:%m:%d 10:00:00")  # taken
    image.save(out, "JPEG", quality=80, exif=exif.tobytes())
    return out.getvalue()


# one activity's life, and the year's end ---------------------------------------------------
def live(gateway, item):
    """Upload, report (or enter late), review, rework, approve, survey: what became of it."""
    reporter, reviewer = people(item.union, gateway)
    reporter = gateway.admin if item.late else reporter
    jpeg = photo(item)
    uploaded = gateway.json(reporter, "POST", "/api/v1/evidence", ok=(201,), headers={
        "Idempotency-Key": "%s-%s" % (item.key, hashlib.sha256(jpeg).hexdigest()[:16])},
        files={"file": ("%s.jpg" % item.key, jpeg, "image/jpeg")})
    name = TITLES[item.category]
    body = {"union_id": item.union["id"], "title": "%s（%s）" % (name, item.union["name"]),
            "category": item.category, "held_on": item.held_on.isoformat(),
            "participants": item.participants, "expenses": "%d.00" % item.expenses,
            "lecturer_id": item.lecturer_id, "venue_id": item.venue_id,
            "description": "%s组织职工开展%s。" % (item.union["name"], name),
            "evidence": [{"kind": "photo", "evidence_id": uploaded["id"]}]}
    if item.late:
        body["late_entry_reason"] = "基层工会报送的纸质材料，年度决算前由市总工会补录"
    answer = gateway.call(reporter, "POST", "/api/v1/activities", ok=(201, 422), json=body,
                          headers={"Idempotency-Key": item.key})
    if answer.status_code == 422:
        if "Idempotency-Key" not in answer.json()["error"]["details"]:
            raise SystemExit("demo_year: report %s refused: %s" % (item.key, answer.text))
        return "skipped"  # the key was used for another plan (on another day): left be
    path = "/api/v1/activities/%d" % answer.json()["id"]
    first = {"reject": ("/reject", {"reason": "缺少签到表，材料不全"}),
             "return": ("/return", {"reason": "请核实参与人数"}),
             "approve": ("/approve", {"comment": "材料齐全，同意"})}[item.review]
    reviewed = gateway.call(reviewer, "POST", path + first[0], ok=(200, 409), json=first[1])
    if reviewed.status_code == 409:  # reviewed by an earlier run of the same plan
        return reviewed.json()["error"]["details"].get("status")
    if item.review == "reject":
        return "rejected"
    if item.review == "return":
        rework = {k: v for k, v in body.items() if k not in ("union_id", "late_entry_reason")}
        gateway.call(reporter, "PUT", path, json=dict(rework, participants=max(
            1, item.participants - 1)))
        gateway.call(reporter, "POST", path + "/submit", json={})
        gateway.call(reviewer, "POST", path + "/approve", json={"comment": "材料齐全，同意"})
    for number, score in enumerate(item.scores):
        gateway.call("year_w%d_%d" % (item.union["id"], number), "POST", path + "/feedback",
                     json={"score": score})
    return "approved"


def evaluate(gateway, venue, year):
    """The year's four-goods evaluation of a venue, by its county's reviewer."""
    rng = random.Random(year * 100000 + venue["id"])  # the most the evaluator may give each:
    scores = {k: most - rng.randint(0, most // 4) for k, most in {
        "site": 20, "management": 20, "activities": 10, "service": 20, "e_reading": 10,
        "reading_activities": 10}.items()}
    gateway.call(people(dict(venue, level="grassroots"), gateway)[1], "POST",
                 "/api/v1/venues/%d/evaluations" % venue["id"], ok=(201,), tolerate=(409,),
                 json={"period": str(year), "scores": scores})


def pay(gateway, fund, year):
    """One finance user makes the batch, another pays it (a second person on every payment)."""
    batch = gateway.call("year_finance", "POST", "/api/v1/disbursements", ok=(201,),
                         tolerate=(409,), json={"fund_id": fund["id"]})
    return batch and gateway.json("year_finance2", "POST", "/api/v1/disbursements/%d/pay" % (
        batch.json()["id"]), json={"reference": "DEMO-%d-%d" % (year, batch.json()["id"])})


def run(gateway, options, out=print):
    """Drive the months of options through the system; the year-end report after."""
    today = datetime.now(LOCAL).date()
    if (options.year, max(options.months)) > (today.year, today.month):
        raise SystemExit("demo_year: %d-%02d has not come" % (options.year, max(options.months)))
    by_level, lecturers, venues, lectures = directory(gateway, options.year)
    ensure_users(gateway, by_level, options.workers, options.clients)
    ensure_payees(gateway, by_level, venues, options.clients)
    funds = [ensure_fund(gateway, options.year, "activity", "%d年度职工文体活动补助资金", BUDGET),
             ensure_fund(gateway, options.year, "venue", "%d年度宣教阵地建设补助资金", VENUE_BUDGET)]
    planned = plan(options, by_level, lecturers, venues, lectures, today)
    out("demo_year: %d activities planned for %d, months %s (%d entered late by the city)" % (
        len(planned), options.year, ",".join(map(str, options.months)),
        sum(p.late for p in planned)))
    started = time.monotonic()
    with ThreadPoolExecutor(options.clients) as pool:
        for month in sorted(options.months):
            mine = [p for p in planned if p.held_on.month == month]
            outcomes = list(pool.map(lambda item: live(gateway, item), mine))
            out("demo_year: %d-%02d: %d activities (%d approved) after %.0f s" % (
                options.year, month, len(mine), outcomes.count("approved"),
                time.monotonic() - started))
        chosen = venues if options.scale >= 1 else venues[:max(6, round(len(venues)
                                                                      * options.scale))]
        list(pool.map(lambda venue: evaluate(gateway, venue, options.year), chosen))
    settled(gateway, options.year)
    for fund in funds if options.pay else ():
        paid = pay(gateway, fund, options.year)
        if paid:
            out("demo_year: batch %d of fund %d (%d subsidies, %s yuan) made by %s, paid by %s"
                % (paid["id"], fund["id"], paid["count"], paid["total"], paid["created_by"],
                   paid["paid_by"]))
    report = settled(gateway, options.year)
    out(figures(report, sorted(options.months), funds[0]["id"]))
    return report


def settled(gateway, year, deadline_seconds=600):
    """The year-end report once every service has heard of every approval and evaluation
    (decisions and venue activities follow them by events)."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        report = gateway.json(gateway.admin, "GET", "/api/v1/reports/year",
                              params={"year": year})
        evaluated = report["reading_network"]["evaluations"]["venues_evaluated"]
        if (all(a["agrees"] for a in report["agreement"])
                and report["subsidies"]["venues"]["decisions"] >= evaluated) \
                or time.monotonic() > deadline:
            return report
        time.sleep(1)  # a progress poll of a bounded wait


def figures(report, months, fund_id):
    """The federation's published figures, as the system computes them."""
    published, money, activities = (report["activities"]["published"], report["subsidies"],
                                    report["subsidies"]["activities"])
    network, programme = report["reading_network"], report["lectures"]["programme"]
    fund = next(f for f in money["funds"] if f["id"] == fund_id)
    gaps = ["%s %d月" % (g["county"], g["month"]) for g in report["coverage"]["gaps"]
            if g["month"] in months]
    return "\n".join([
        "", "%d年度职工文化服务矩阵（系统计算）" % report["year"],
        "  活动：审核通过 %d 场（上报 %d 场），参与职工 %d 人次" % (
            published["activities_approved"], report["activities"]["reported"],
            published["participants"]),
        "  补助：核定 %s 元，补助活动 %d 场（场均 %s 元），已拨付 %s 元；预算 %s 元，结余 %s 元，"
        "预算用尽未补助 %d 场" % (activities["granted"], activities["subsidised"],
                           activities["average"], activities["paid"], fund["budget"],
                           fund["remaining"], sum(d["count"] for d in money["declined_by_reason"]
                                                  if d["reason"] == "budget_exhausted")),
        "  大思政课：宣讲人 %d 人（库中 %d 人），审核通过 %d 场，满意度 %s（目标 %s）" % (
            programme["lecturers"], report["activities_extra"]["lecturer_pool"],
            published["lecture_sessions"], programme["satisfaction"], programme["target"]),
        "  阵地：县区工人文化宫 %d 个、职工俱乐部 %d 个（共 %d 平方米），驿站读书角 %d 个，"
        "四好评估 %d 次" % (network["culture_palaces"], network["worker_clubs"],
                        network["palace_and_club_area_m2"], network["rest_station_corners"],
                        network["evaluations"]["evaluations"]),
        "  月月有活动：%s" % ("、".join(gaps) + " 无活动" if gaps else "所运行的月份每个县区都有"),
        "  核对：%s" % ("各服务口径一致，金额与流水全部核平" if report["consistent"]
                     else "；".join(report["findings"]))])


def main(argv=None):
    today = datetime.now(LOCAL).date()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=today.year)
    parser.add_argument("--months", help="e.g. 9-11 (default: January to this month)")
    parser.add_argument("--scale", type=float, default=1.0, help="a share of the activities")
    parser.add_argument("--clients", type=int, default=8, help="clients at once")
    parser.add_argument("--window-days", type=int, default=90, help="reporting_window_days")
    parser.add_argument("--no-pay", action="store_true", help="leave the grants unpaid")
    args = parser.parse_args(argv)
    first, _, last = (args.months or "1-%d" % (
        today.month if args.year == today.year else 12)).partition("-")
    stored = Path(os.environ.get("CM_DATA_DIR", "./var")) / "admin-password"
    password = os.environ.get("CM_ADMIN_PASSWORD") or (stored.exists() and stored.read_text())
    if not password:
        raise SystemExit("demo_year: set CM_ADMIN_PASSWORD (the start command printed it)")
    gateway = Gateway("http://127.0.0.1:%s" % os.environ.get("CM_GATEWAY_PORT", "8000"),
                      os.environ.get("CM_ADMIN_USERNAME", "admin"), password.strip())
    run(gateway, Options(args.year, list(range(int(first), int(last or first) + 1)),
                         args.scale, args.clients, not args.no_pay, args.window_days))


if __name__ == "__main__":
    main()
