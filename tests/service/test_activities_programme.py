"""The activities service's lecture programme, four seasons and figures in-process: the
lecturer pool, workers' scores, the year's themes, coverage, statistics and the lecture
report, against its own migrated SQLite database."""
from datetime import timedelta

import pytest

from services.activities import contract
from services.activities.service import Service
from services.common.clock import local_today
from services.common.errors import Conflict, Invalid, NotFound
from tests.support.service_tier import ServiceDatabase

EVIDENCE = [{"kind": "sign_in_sheet", "url": "https://files.example.org/sheet.pdf"}]


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("activities", tmp_path, lecture_satisfaction_target=0.9,
                           counties=["甘州区", "临泽县"])
    yield tier
    tier.close()


@pytest.fixture
def service(tier):
    return tier.worker(Service)


@pytest.fixture
def shop(service):
    city = service.create_union({"name": "市总工会", "level": "city", "county": "张掖市",
                                 "members": 10})
    county = service.create_union({"name": "甘州区总工会", "level": "county", "county": "甘州区",
                                   "parent_id": city["id"], "members": 100})
    return service.create_union({"name": "某厂工会", "level": "grassroots", "county": "甘州区",
                                 "parent_id": county["id"], "members": 80})


def lecturer_body(**changes):
    return dict({"name": "李老师", "topics": ["劳模精神", "工匠精神"], "county": "甘州区"}, **changes)


def lecture(service, shop, lecturer_id, title="大思政课"):
    return service.report_activity({
        "union_id": shop["id"], "title": title, "category": "lecture",
        "held_on": (local_today() - timedelta(days=1)).isoformat(), "participants": 30,
        "expenses": "200.00", "evidence": EVIDENCE, "lecturer_id": lecturer_id}, "a")


def test_the_lecturer_pool(tier, service):
    first = service.create_lecturer(lecturer_body(email="li@example.org"))
    assert first["active"] is True and first["email"] == "li@example.org"
    with pytest.raises(Conflict):
        service.create_lecturer(lecturer_body())
    retired = service.update_lecturer(first["id"], {"active": False, "title": "教授"})
    assert retired["active"] is False and retired["title"] == "教授"
    assert service.get_lecturer(first["id"]) == retired
    service.create_lecturer(lecturer_body(name="张老师", topics=["安全生产"], county="临泽县"))
    assert service.list_lecturers({"topic": "工匠"})["items"] == [retired]
    page = service.list_lecturers({}, 1, 1)
    assert page["total"] == 2 and page["items"][0]["name"] == "张老师"
    assert service.list_lecturers({"active": True})["total"] == 1
    with pytest.raises(Invalid):
        service.create_lecturer(lecturer_body(topics=[]))
    with pytest.raises(NotFound):
        service.update_lecturer(999, {"active": True})
    assert tier.count("lecturers") == 2 and tier.outbox() == []


def test_a_lecture_carries_its_lecturer_in_its_event(tier, service, shop):
    lecturer = service.create_lecturer(lecturer_body())
    activity = lecture(service, shop, lecturer["id"])
    (envelope,) = tier.outbox("activity_reported")
    assert envelope["data"]["lecturer_id"] == lecturer["id"]
    assert envelope["data"]["lecturer_name"] == "李老师"
    assert envelope["data"]["lecturer_satisfaction"] is None  # no scores yet
    service.update_lecturer(lecturer["id"], {"active": False})
    with pytest.raises(Invalid) as bad:
        lecture(service, shop, lecturer["id"], "第二讲")
    assert "lecturer_id" in bad.value.details
    assert tier.count("activities") == 1 and activity["lecturer_id"] == lecturer["id"]


def test_feedback_is_one_score_per_worker_and_summed_up(tier, service, shop):
    lecturer = service.create_lecturer(lecturer_body())
    activity = lecture(service, shop, lecturer["id"])
    service.transition(activity["id"], "approve", "r")
    given = service.give_feedback(activity["id"], 7, "worker7", {"score": 3}, shop["id"])
    assert given["created"] is True and given["feedback"]["score"] == 3
    again = service.give_feedback(activity["id"], 7, "worker7", {"score": 5, "comment": "好"},
                                  shop["id"])
    assert again["created"] is False and again["feedback"]["id"] == given["feedback"]["id"]
    service.give_feedback(activity["id"], 8, "worker8", {"score": 4}, shop["id"])
    assert tier.count("feedback") == 2
    summary = service.feedback_summary(activity["id"])
    assert summary["responses"] == 2 and summary["satisfaction"] == "1.0000"
    assert summary["target"] == "0.9" and summary["meets_target"] is True
    assert summary["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}
    assert summary["lecturer_id"] == lecturer["id"]
    with pytest.raises(Invalid):
        service.give_feedback(activity["id"], 9, "worker9", {"score": 6}, shop["id"])
    rejected = lecture(service, shop, lecturer["id"], "第二讲")
    service.transition(rejected["id"], "reject", "r", "不符合")
    with pytest.raises(Conflict):
        service.give_feedback(rejected["id"], 9, "worker9", {"score": 5}, shop["id"])


def test_season_themes_default_and_configured(tier, service):
    year = local_today().year
    view = service.season_themes(year)
    assert [s["season"] for s in view["seasons"]] == list(contract.SEASONS)
    assert not any(s["configured"] for s in view["seasons"])
    assert view["seasons"][1]["launch_month"] == 5
    changed = service.set_season_theme(year, "autumn", {"theme": "书香季",
                                                        "categories": ["reading", "lecture"]},
                                       "city")
    autumn = changed["seasons"][2]
    assert autumn["configured"] is True and autumn["theme"] == "书香季"
    assert autumn["categories"] == ["lecture", "reading"] and autumn["updated_by"] == "city"
    service.set_season_theme(year, "autumn", {"theme": "读书季", "categories": ["reading"]}, "c")
    assert tier.count("season_themes") == 1
    with pytest.raises(NotFound):
        service.set_season_theme(year, "monsoon", {"theme": "雨", "categories": ["culture"]}, "c")
    with pytest.raises(Invalid):
        service.set_season_theme(year, "autumn", {"theme": "x", "categories": ["chess"]}, "c")


def test_coverage_statistics_and_the_lecture_report(service, shop):
    lecturer = service.create_lecturer(lecturer_body())
    held = lecture(service, shop, lecturer["id"])
    waiting = lecture(service, shop, lecturer["id"], "第二讲")
    service.transition(held["id"], "approve", "r")
    service.give_feedback(held["id"], 7, "w", {"score": 5}, shop["id"])
    year = held["year"]
    month = str(int(held["held_on"][5:7]))

    coverage = service.coverage(year)
    rows = {row["county"]: row for row in coverage["counties"]}
    assert list(rows) == ["甘州区", "临泽县"]  # the configured counties
    assert rows["甘州区"]["months"][month] == 1 and rows["临泽县"]["total"] == 0
    assert {"county": "临泽县", "month": int(month)} in coverage["gaps"]
    assert coverage["complete"] is False and coverage["city"] is not None
    assert service.coverage(year, "甘州区")["city"] is None

    stats = service.statistics(year)
    assert stats["reported"] == 2 and stats["by_status"]["approved"] == 1
    assert stats["expenses_total"] == "200.00" and stats["participants_total"] == 30
    assert stats["published"]["lecture_sessions"] == 1
    assert stats["published"]["lecture_satisfaction"] == "1.0000"
    assert stats["scope"] == {"county": None, "union_id": None}
    assert service.statistics(year, "临泽县")["reported"] == 0

    report = service.lecture_report(year)
    assert report["programme"]["sessions"] == 2 and report["programme"]["sessions_approved"] == 1
    (figures,) = report["lecturers"]
    assert figures["name"] == "李老师" and figures["sessions_with_feedback"] == 1
    (missing,) = report["without_feedback"]
    assert missing["activity_id"] == waiting["id"] and missing["held_on"] == waiting["held_on"]
    assert missing["lecturer_name"] == "李老师"
    assert service.lecture_report(year, lecturer_id=999)["programme"]["sessions"] == 0
