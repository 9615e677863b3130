"""The year-end report (决算) over HTTP: a small year (grants, a lecture with its survey,
an activity at a venue, a venue evaluation, a batch paid by a second finance user), the
report's figures checked against the ledger and the services' own answers, the roles
that may read it, the workbook, and a drift in the stored figures that it lists."""
import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import create_engine, text

from gateway.openapi import XLSX
from services.common.clock import local_today
from services.common.money import to_fen, to_yuan
from tests.support.waiting import wait_for
from tests.support.world import PASSWORD, activity_body

YEAR = local_today().year
HELD_ON = max(date(YEAR, 1, 1), local_today() - timedelta(days=1)).isoformat()
GOOD = {"site": 20, "management": 19, "activities": 10, "service": 19, "e_reading": 10,
        "reading_activities": 10}
REPORT = "/api/v1/reports/year"


def report_as(world, username=None, **query):
    client = world.system.client() if username is None else world.as_user(username)
    return client.get(REPORT, year=YEAR, **query)


def decision(admin, activity_id):
    answer = admin.get("/api/v1/subsidies", activity_id=activity_id)
    assert answer.status_code == 200, answer.text
    return answer.json()[0] if answer.json() else None


def ledger_folds(admin, fund_id):
    """(granted, paid, budget change) fen: the fund's ledger, folded by the test itself."""
    entries, offset = [], 0
    while True:
        page = admin.get("/api/v1/funds/%d/ledger" % fund_id, limit=500, offset=offset).json()
        entries += page["items"]
        offset += len(page["items"])
        if not page["items"] or offset >= page["total"]:
            break
    total = {}
    for entry in entries:
        amount = -to_fen(entry["amount"][1:]) if entry["amount"].startswith("-") \
            else to_fen(entry["amount"])
        total[entry["kind"]] = total.get(entry["kind"], 0) + amount
    return (total.get("reserve", 0) - total.get("release", 0),
            total.get("pay", 0) - total.get("return", 0) - total.get("refund", 0),
            total.get("adjust", 0))


@pytest.fixture(scope="module")
def year(world):
    """The small year: 甘州区 five activities (one rejected, one a lecture, one at a
    venue), 临泽县 two; a survey; a venue fund and an evaluation; a paid batch."""
    admin = world.system.client()
    power, school = world.unions["power"]["id"], world.unions["school"]["id"]
    lecturer = admin.post("/api/v1/lecturers", {"name": "=HYPERLINK(\"x\")", "county": "甘州区",
                                                "topics": ["劳模精神"]})
    assert lecturer.status_code == 201, lecturer.text
    venue = admin.post("/api/v1/venues", {
        "name": "甘州区驿站读书角（测试）", "kind": "rest_station_corner", "county": "甘州区",
        "host_union_id": power, "floor_area_m2": 25, "seats": 8, "e_reading_devices": 1})
    assert venue.status_code == 201, venue.text
    venue = venue.json()
    worker = admin.post("/api/v1/users", {"username": "power_worker", "password": PASSWORD,
                                          "role": "worker", "union_id": power})
    assert worker.status_code == 201, worker.text

    def report(username, union, **overrides):
        answer = world.as_user(username).post("/api/v1/activities", activity_body(
            union, held_on=HELD_ON, **overrides))
        assert answer.status_code == 201, answer.text
        return answer.json()
    gz = [report("ua_power", power, participants=20 + 5 * n) for n in range(3)]
    lecture = report("ua_power", power, category="lecture", title="大思政课",
                     lecturer_id=lecturer.json()["id"])
    at_venue = report("ua_power", power, title="驿站读书会", venue_id=venue["id"])
    rejected = report("ua_power", power, title="材料不全")
    lz = [report("ua_school", school, participants=30 + n) for n in range(2)]
    for activity in gz + [lecture, at_venue]:
        assert world.as_user("rev_ganzhou").post(
            "/api/v1/activities/%d/approve" % activity["id"]).status_code == 200
    for activity in lz:
        assert world.as_user("rev_linze").post(
            "/api/v1/activities/%d/approve" % activity["id"]).status_code == 200
    assert world.as_user("rev_ganzhou").post("/api/v1/activities/%d/reject" % rejected["id"],
                                             {"reason": "无签到表"}).status_code == 200
    survey = world.as_user("power_worker").post(
        "/api/v1/activities/%d/feedback" % lecture["id"], {"score": 5})
    assert survey.status_code == 201, survey.text

    approved = gz + [lecture, at_venue] + lz
    decisions = wait_for(lambda: all(decision(admin, a["id"]) for a in approved)
                         and [decision(admin, a["id"]) for a in approved], 30, "decisions")
    assert all(d["status"] == "granted" for d in decisions)

    venue_fund = admin.post("/api/v1/funds", {"name": "=1+2 阵地补助资金", "year": YEAR,
                                              "policy": "venue", "budget": "50000.00"})
    assert venue_fund.status_code == 201, venue_fund.text
    evaluation = world.as_user("rev_ganzhou").post(
        "/api/v1/venues/%d/evaluations" % venue["id"], {"period": str(YEAR), "scores": GOOD})
    assert evaluation.status_code == 201, evaluation.text
    venue_decision = wait_for(lambda: admin.get("/api/v1/subsidies", venue_id=venue["id"])
                              .json(), 30, "the venue decision")

    finance = world.as_user("finance")
    for union in (power, school):  # the payees' bank details (a 404: before payees)
        answer = finance.put("/api/v1/payees/union/%d" % union, {
            "account_name": "工会", "bank": "中国工商银行张掖分行",
            "account_number": "6222%015d" % union})
        assert answer.status_code in (200, 201, 404), answer.text
    batch = finance.post("/api/v1/disbursements", {"fund_id": world.fund["id"]})
    assert batch.status_code == 201, batch.text
    paid = world.as_user("finance2").post("/api/v1/disbursements/%d/pay" % batch.json()["id"],
                                          {"reference": "YEAR-END-1"})
    assert paid.status_code == 200, paid.text
    return {"decisions": decisions, "batch": paid.json(), "venue": venue,
            "venue_fund": venue_fund.json(), "venue_decision": venue_decision,
            "evaluation": evaluation.json()}


def test_the_city_report_reconciles_with_the_ledger_and_the_services(world, year):
    admin = world.system.client()
    answer = report_as(world)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["consistent"] is True and report["findings"] == []
    assert (report["year"], report["county"]) == (YEAR, None)

    published = report["activities"]["published"]
    assert published["activities_approved"] == 7 and report["activities"]["reported"] == 8
    assert report["activities"]["by_county"]["甘州区"] == {
        "total": 6, "approved": 5, "participants": 20 + 25 + 30 + 40 + 40}
    assert report["activities"]["by_category"]["lecture"]["approved"] == 1
    assert report["coverage"]["year"] == YEAR

    part = report["subsidies"]
    granted = sum(to_fen(d["amount"]) for d in year["decisions"])
    assert part["activities"]["decisions"] == 7 and part["activities"]["subsidised"] == 7
    assert to_fen(part["activities"]["granted"]) == granted
    assert part["activities"]["paid"] == year["batch"]["total"] == to_yuan(granted)
    assert part["activities"]["average"] == to_yuan((granted * 2 + 7) // 14)  # half up
    assert {row["county"]: row["decisions"] for row in part["by_county"]} == {
        "甘州区": 5, "临泽县": 2}
    venue_amount = to_fen(year["venue_decision"][0]["amount"])
    assert to_fen(part["venues"]["granted"]) == venue_amount and part["venues"]["paid"] == "0.00"

    funds = {f["id"]: f for f in part["funds"]}
    activity_fund = funds[world.fund["id"]]
    stored = admin.get("/api/v1/funds/%d" % world.fund["id"]).json()
    folded = ledger_folds(admin, world.fund["id"])
    assert (to_fen(activity_fund["granted"]), to_fen(activity_fund["paid"])) == folded[:2]
    assert (activity_fund["budget"], activity_fund["granted"], activity_fund["paid"],
            activity_fund["remaining"]) == (stored["budget"], stored["granted"],
                                            stored["paid"], stored["remaining"])
    assert activity_fund["opening_budget"] == "232500.00"
    assert to_fen(activity_fund["budget"]) == 23250000 + folded[2]
    assert activity_fund["adjustments"] == 0 and activity_fund["adjusted"] == "0.00"
    assert activity_fund["consistent"] and activity_fund["problems"] == []
    assert funds[year["venue_fund"]["id"]]["granted"] == to_yuan(venue_amount)

    ledger = part["ledger"]
    assert to_fen(ledger["granted"]) == granted + venue_amount
    assert ledger["paid"] == ledger["paid_out"] == to_yuan(granted)
    assert ledger["entries"] == 7 + 7 + 1  # reserve each grant, pay each paid, the venue's
    assert ledger["returned"] == ledger["refunded"] == "0.00"
    checks = {c["check"]: c for c in part["reconciliation"]["checks"]}
    assert {"granted", "paid", "funds_granted", "funds_paid", "funds_budget",
            "county_granted:甘州区", "county_paid:临泽县"} <= set(checks)
    assert all(c["agrees"] for c in checks.values())
    assert checks["granted"]["ledger"] == to_yuan(granted + venue_amount)

    lectures = report["lectures"]["programme"]
    assert (lectures["sessions_approved"], lectures["responses"], lectures["lecturers"]) == (
        1, 1, 1)
    assert report["activities_extra"]["lecturer_pool"] == 1
    network = report["reading_network"]
    assert network["rest_station_corners"] == 1 and network["evaluations"]["evaluations"] == 1
    assert network["evaluations"]["average_total"] == "%d.00" % year["evaluation"]["total"]
    agreement = {a["check"]: a for a in report["agreement"]}
    assert agreement["approved_decided"]["figures"] == {"activities": 7, "subsidies": 7}
    assert agreement["held_at_venues"]["figures"] == {"activities": 1, "library": 1}
    assert all(a["agrees"] for a in agreement.values())


def test_a_county_reviewer_reads_its_county_only(world, year):
    mine = report_as(world, "rev_linze")
    assert mine.status_code == 200, mine.text
    report = mine.json()
    assert report["county"] == "临泽县" and report["consistent"] is True
    assert report["activities"]["published"]["activities_approved"] == 2
    assert report["subsidies"]["activities"]["decisions"] == 2
    assert [row["county"] for row in report["subsidies"]["by_county"]] == ["临泽县"]
    share = {f["id"]: f for f in report["subsidies"]["funds"]}[world.fund["id"]]["share"]
    school = sum(to_fen(d["amount"]) for d in year["decisions"]
                 if d["union_id"] == world.unions["school"]["id"])
    assert share == {"county": "临泽县", "allocation": None, "granted": to_yuan(school),
                     "paid": to_yuan(school)}
    assert report["reading_network"]["venues"] == 0  # the corner is 甘州区's
    assert report_as(world, "rev_linze", county="临泽县").status_code == 200
    other = report_as(world, "rev_linze", county="甘州区")
    assert other.status_code == 403 and other.json()["error"]["code"] == "FORBIDDEN"
    assert "县区审核员" in other.json()["error"]["message"]
    finance = report_as(world, "finance", county="甘州区")
    assert finance.status_code == 200 and finance.json()["county"] == "甘州区"
    for username in ("ua_power", "worker", "ops"):
        assert report_as(world, username).status_code == 403, username
    assert world.system.client().get(REPORT).status_code == 422  # the year is required


def test_several_readers_at_once_get_the_same_report(world, year):
    def read(username):
        answer = report_as(world, username)
        assert answer.status_code == 200, answer.text
        return dict(answer.json(), generated_at=None)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(read, [None, "finance", "finance2", None]))
    assert all(answer == answers[0] for answer in answers)


def test_the_workbook_has_a_sheet_per_part_money_as_numbers_and_no_formulas(world, year):
    answer = report_as(world, "finance", format="xlsx")
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith(XLSX)
    assert "attachment" in answer.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    assert book.sheetnames == ["概览", "活动", "覆盖", "补助决定", "资金", "大思政课", "阅读阵地",
                               "核对"]
    funds = book["资金"]
    headers = [cell.value for cell in funds[2]]
    assert headers[:6] == ["编号", "名称", "类型", "县区", "状态", "期初预算"]
    rows = {row[0].value: row for row in funds.iter_rows(min_row=3) if row[0].value}
    activity_fund = rows[world.fund["id"]]
    budget = activity_fund[headers.index("期初预算")]
    assert budget.value == 232500 and budget.number_format == "0.00"
    assert isinstance(activity_fund[headers.index("核定")].value, (int, float))
    venue_fund = rows[year["venue_fund"]["id"]]
    assert venue_fund[1].value == "'=1+2 阵地补助资金" and venue_fund[1].data_type == "s"
    lecturers = [row[0].value for row in book["大思政课"].iter_rows() if row[0].value]
    assert "'=HYPERLINK(\"x\")" in lecturers
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
    overview = [row[0].value for row in book["概览"].iter_rows() if row[0].value]
    assert "%d年度职工文化服务决算（全市）" % YEAR in overview


def test_a_drift_in_the_stored_figures_is_listed(world, year):
    engine = create_engine(world.system.database_url("subsidies"))
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE funds SET granted_fen = granted_fen + 100 WHERE id = :f"),
                         {"f": world.fund["id"]})
        report = report_as(world).json()
        assert report["consistent"] is False
        checks = {c["check"]: c for c in report["subsidies"]["reconciliation"]["checks"]}
        assert checks["funds_granted"]["agrees"] is False
        assert checks["granted"]["agrees"] is True  # the decisions still fold to the ledger
        assert any("各资金账面核定合计与流水不符" in line for line in report["findings"])
        assert any("自身核对不符" in line for line in report["findings"])
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE funds SET granted_fen = granted_fen - 100 WHERE id = :f"),
                         {"f": world.fund["id"]})
        engine.dispose()
    assert report_as(world).json()["consistent"] is True
