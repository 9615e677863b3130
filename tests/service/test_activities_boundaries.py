"""Issue 16, the activities service's part, in-process: a lecture without a lecturer is a
lecture; an Idempotency-Key belongs to its caller (and covers the body); feedback is for
approved activities, from workers of the union that held them, one score each."""
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import make_url

import services.activities as activities_package
from services.activities.service import Service
from services.common.clock import local_today
from services.common.database import make_engine
from services.common.errors import Conflict, Forbidden, Invalid
from services.common.migrations import alembic_config
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("activities", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def service(tier):
    return tier.worker(Service)


@pytest.fixture
def unions(service):
    city = service.create_union({"name": "市总工会", "level": "city", "county": "张掖市",
                                 "members": 10})
    county = service.create_union({"name": "甘州区总工会", "level": "county", "county": "甘州区",
                                   "parent_id": city["id"], "members": 100})
    shop = service.create_union({"name": "某厂工会", "level": "grassroots", "county": "甘州区",
                                 "parent_id": county["id"], "members": 80})
    school = service.create_union({"name": "某校工会", "level": "grassroots",
                                   "county": "甘州区", "parent_id": county["id"],
                                   "members": 80})
    return {"shop": shop, "school": school}


def body(union_id, **changes):
    """A report exactly as API.md writes its body (no lecturer_id, venue or description)."""
    report = {"union_id": union_id, "title": "职工篮球赛", "category": "sports",
              "held_on": (local_today() - timedelta(days=1)).isoformat(), "participants": 40,
              "expenses": "1500.00",
              "evidence": [{"kind": "photo", "url": "https://photos.example.org/1.jpg"}]}
    report.update(changes)
    return report


# a lecture without a lecturer ------------------------------------------------------------
def test_a_lecture_without_a_lecturer_is_a_lecture_for_no_lecturers_figures(tier, service,
                                                                              unions):
    shop = unions["shop"]["id"]
    anonymous = service.report_activity(body(shop, title="大思政课：工匠精神",
                                             category="lecture"), "shop_admin")
    assert anonymous["category"] == "lecture" and anonymous["lecturer_id"] is None
    lecturer = service.create_lecturer({"name": "李老师", "topics": ["劳模精神"],
                                        "county": "甘州区"})
    named = service.report_activity(body(shop, title="大思政课：劳模精神", category="lecture",
                                         lecturer_id=lecturer["id"]), "shop_admin")
    for activity in (anonymous, named):
        service.transition(activity["id"], "approve", "reviewer")
    service.give_feedback(anonymous["id"], 7, "worker7", {"score": 2}, shop)
    service.give_feedback(named["id"], 7, "worker7", {"score": 5}, shop)

    report = service.lecture_report(anonymous["year"])
    assert report["programme"]["sessions"] == 2 and report["programme"]["responses"] == 2
    assert report["programme"]["lecturers"] == 1
    (figures,) = report["lecturers"]  # the anonymous lecture is in no lecturer's row
    assert figures["lecturer_id"] == lecturer["id"] and figures["sessions"] == 1
    assert figures["responses"] == 1 and figures["satisfaction"] == "1.0000"
    stats = service.statistics(anonymous["year"])
    assert stats["published"]["lecture_sessions"] == 2
    assert service.lecture_report(anonymous["year"], lecturer_id=lecturer["id"])[
        "programme"]["sessions"] == 1

    # every other lecture rule holds
    service.update_lecturer(lecturer["id"], {"active": False})
    for changes in ({"category": "lecture", "lecturer_id": lecturer["id"]},  # left the pool
                    {"category": "lecture", "lecturer_id": 999},             # no such one
                    {"category": "culture", "lecturer_id": lecturer["id"]}):  # not a lecture
        with pytest.raises(Invalid) as bad:
            service.report_activity(body(shop, **changes), "shop_admin")
        assert set(bad.value.details) == {"lecturer_id"}, changes
    assert tier.count("activities") == 2


# Idempotency-Key -------------------------------------------------------------------------
def test_an_idempotency_key_belongs_to_its_caller(tier, service, unions):
    shop = unions["shop"]["id"]
    first = service.report_activity(body(shop), "shop_admin", "key-1")
    # another user's report with the same key is a report of its own
    other = service.report_activity(body(shop, title="职工书画展", category="exhibition"),
                                    "city_admin", "key-1")
    assert other["id"] != first["id"] and other["title"] == "职工书画展"
    assert other["reported_by"] == "city_admin"
    # ... with the same body too
    third = service.report_activity(body(shop), "another_admin", "key-1")
    assert third["id"] not in (first["id"], other["id"])
    assert tier.count("activities") == 3 and len(tier.outbox("activity_reported")) == 3

    # the same user's retry with the same body gets its first report back
    assert service.report_activity(body(shop), "shop_admin", "key-1") == first
    assert service.report_activity(body(shop, title="职工书画展", category="exhibition"),
                                   "city_admin", "key-1") == other
    # the same user's key with another body is refused, and nothing is stored
    with pytest.raises(Invalid) as reused:
        service.report_activity(body(shop, participants=41), "shop_admin", "key-1")
    assert "Idempotency-Key" in reused.value.details
    assert reused.value.message == "Idempotency-Key reused with a different request"
    with pytest.raises(Invalid):  # also for another union of the same caller
        service.report_activity(body(unions["school"]["id"]), "shop_admin", "key-1")
    assert tier.count("activities") == 3 and len(tier.outbox("activity_reported")) == 3
    assert tier.count("activities", "request_fingerprint IS NOT NULL") == 3
    # without a key, every report is its own
    service.report_activity(body(shop), "shop_admin")
    service.report_activity(body(shop), "shop_admin")
    assert tier.count("activities") == 5


def test_the_migration_scopes_existing_keys_by_reporter(tmp_path):
    """0007 over a database at 0006: one reporter's rows sharing a key (for two unions)
    keep it on the oldest only; other reporters' rows keep theirs."""
    url = make_url("sqlite:///%s" % (tmp_path / "activities.db"))
    config = alembic_config(Path(activities_package.__file__).parent, url)
    command.upgrade(config, "0006")
    engine = make_engine(url, pool_size=1)
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO unions (id, name, level, county, members, contacts, created_at) "
            "VALUES (1, 'a', 'grassroots', 'x', 10, '[]', '2026-01-01'), "
            "(2, 'b', 'grassroots', 'x', 10, '[]', '2026-01-01')"))
        rows = ((1, 1, "city", "k"), (2, 2, "city", "k"),     # one reporter, two unions
                (3, 1, "shop", "j"), (4, 2, "school", "j"))   # two reporters
        for row in rows:
            _insert_activity(conn, *row)
    engine.dispose()
    command.upgrade(config, "head")
    engine = make_engine(url, pool_size=1)
    with engine.begin() as conn:
        assert _keys(conn) == {1: "k", 2: None, 3: "j", 4: "j"}
        indexes = {row[1]: row[2] for row in conn.execute(text(
            "PRAGMA index_list('activities')"))}
        assert indexes.get("uq_activities_reporter_request_key") == 1
        assert "uq_activities_request_key" not in indexes
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info('activities')"))]
        assert "request_fingerprint" in columns
        _insert_activity(conn, 5, 1, "shop", "k")  # another reporter's "k" for union 1
    engine.dispose()
    command.downgrade(config, "0006")  # and back: union 1's "k" stays on the oldest
    engine = make_engine(url, pool_size=1)
    with engine.connect() as conn:
        assert _keys(conn) == {1: "k", 2: None, 3: "j", 4: "j", 5: None}
    engine.dispose()


def _insert_activity(conn, activity_id, union_id, reporter, key):
    conn.execute(text(
        "INSERT INTO activities (id, union_id, county, tier, title, category, held_on, "
        "year, season, participants, expenses_fen, evidence, status, reported_by, "
        "request_key, created_at, updated_at) VALUES (:id, :union, 'x', 'grassroots', 't', "
        "'sports', '2026-11-01', 2026, 'autumn', 1, 0, '[]', 'submitted', :reporter, :key, "
        "'2026-11-01', '2026-11-01')"),
        {"id": activity_id, "union": union_id, "reporter": reporter, "key": key})


def _keys(conn):
    return dict(conn.execute(text("SELECT id, request_key FROM activities ORDER BY id")).all())


# feedback --------------------------------------------------------------------------------
def test_feedback_is_for_approved_activities_from_workers_of_their_union(tier, service,
                                                                       unions):
    shop, school = unions["shop"]["id"], unions["school"]["id"]
    activity = service.report_activity(body(shop), "shop_admin")
    # not yet reviewed: no score, whoever sends it
    with pytest.raises(Conflict) as early:
        service.give_feedback(activity["id"], 7, "worker7", {"score": 5}, shop)
    assert early.value.details == {"status": "submitted"}
    service.transition(activity["id"], "return", "reviewer", "缺签到表")
    with pytest.raises(Conflict):
        service.give_feedback(activity["id"], 7, "worker7", {"score": 5}, shop)
    service.transition(activity["id"], "resubmit", "shop_admin")
    service.transition(activity["id"], "approve", "reviewer")
    # a worker of another union, or of none, may not score it
    for union_id in (school, None):
        with pytest.raises(Forbidden):
            service.give_feedback(activity["id"], 8, "worker8", {"score": 1}, union_id)
    with pytest.raises(Forbidden):  # nor without saying whose worker it is
        service.give_feedback(activity["id"], 8, "worker8", {"score": 1})
    assert tier.count("feedback") == 0

    given = service.give_feedback(activity["id"], 7, "worker7", {"score": 3}, shop)
    assert given["created"] is True
    again = service.give_feedback(activity["id"], 7, "worker7", {"score": 5}, shop)
    assert again["created"] is False and again["feedback"]["id"] == given["feedback"]["id"]
    assert tier.count("feedback") == 1  # once each: the second score replaced the first
    assert service.feedback_summary(activity["id"])["responses"] == 1

    rejected = service.report_activity(body(shop, title="被驳回"), "shop_admin")
    service.transition(rejected["id"], "reject", "reviewer", "无照片")
    with pytest.raises(Conflict):
        service.give_feedback(rejected["id"], 7, "worker7", {"score": 5}, shop)
    assert tier.count("feedback") == 1
