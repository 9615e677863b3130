"""The library's venue entrypoints in-process against a real SQLite database: answers,
rows and the outbox row each unit of work writes beside its state."""
import pytest

from services.common.errors import Conflict, Invalid, NotFound
from services.library import contract, metrics
from services.library.service import Service
from tests.support.service_tier import ServiceDatabase

BOOK_HOUSE = {"name": "甘州区职工书屋", "kind": "book_house", "county": "甘州区",
              "host_union_id": 3, "seats": 40, "floor_area_m2": 120, "e_reading_devices": 2}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("library", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def library(tier):
    return tier.worker(Service)


def test_registering_a_venue_writes_it_its_history_and_one_event(tier, library):
    venue = library.register_venue(BOOK_HOUSE, "city")
    assert venue["kind_name"] == "职工书屋" and venue["status"] == "open"
    assert venue["seats"] == 40 and venue["activities_held"] == 0
    assert venue["created_at"].endswith("Z") and venue["closed_at"] is None
    assert tier.count("venues") == 1
    assert tier.count("venue_changes", "action = 'register' AND actor = 'city'") == 1
    (envelope,) = tier.outbox(contract.VENUE_REGISTERED.event_type)
    assert envelope["producer"] == "library"
    assert envelope["data"] == {"venue_id": venue["id"], "name": "甘州区职工书屋",
                                "kind": "book_house", "county": "甘州区", "host_union_id": 3}


def test_a_refused_registration_writes_nothing(tier, library):
    with pytest.raises(Invalid) as refused:
        library.register_venue(dict(BOOK_HOUSE, county="兰州市"), "city")
    assert "county" in refused.value.details
    with pytest.raises(Invalid) as refused:
        library.register_venue(dict(BOOK_HOUSE, kind="library"), "city")
    assert "kind" in refused.value.details
    with pytest.raises(Invalid):
        library.register_venue(dict(BOOK_HOUSE, host_union_id=0), "city")  # ids are positive
    library.register_venue(BOOK_HOUSE, "city")
    with pytest.raises(Conflict):
        library.register_venue(BOOK_HOUSE, "city")
    assert tier.count("venues") == 1 and len(tier.outbox()) == 1


def test_a_change_records_what_changed_and_a_closed_venue_refuses_changes(tier, library):
    venue = library.register_venue(BOOK_HOUSE, "city")
    changed = library.update_venue(venue["id"], {"seats": 60, "name": BOOK_HOUSE["name"]}, "city")
    assert changed["seats"] == 60 and changed["updated_at"] is not None
    history = library.venue_history(venue["id"])
    assert [h["action"] for h in history] == ["register", "update"]
    assert history[1]["changes"] == {"seats": [40, 60]}
    with pytest.raises(Invalid):
        library.update_venue(venue["id"], {"seats": -1}, "city")
    closed = library.close_venue(venue["id"], "装修", "city")
    assert closed["status"] == "closed" and closed["closed_reason"] == "装修"
    with pytest.raises(Conflict):
        library.update_venue(venue["id"], {"seats": 70}, "city")
    with pytest.raises(Conflict):
        library.close_venue(venue["id"], "again", "city")
    reopened = library.reopen_venue(venue["id"], None, "city")
    assert reopened["status"] == "open" and reopened["closed_reason"] is None
    assert [h["action"] for h in library.venue_history(venue["id"])] == [
        "register", "update", "close", "reopen"]
    assert tier.count("venues", "seats = 60") == 1


def test_closing_needs_a_reason_and_reopening_a_closed_venue(tier, library):
    venue = library.register_venue(BOOK_HOUSE, "city")
    for reason in ("", "   ", None, "x" * 501):
        with pytest.raises(Invalid):
            library.close_venue(venue["id"], reason, "city")
    with pytest.raises(Conflict):
        library.reopen_venue(venue["id"], "not closed", "city")
    with pytest.raises(NotFound):
        library.close_venue(999, "gone", "city")
    assert tier.count("venue_changes") == 1  # the registration only


def test_lists_filters_and_the_network_summary(tier, library):
    first = library.register_venue(BOOK_HOUSE, "city")
    library.register_venue(dict(BOOK_HOUSE, name="临泽县劳模书架", kind="model_worker_bookshelf",
                                county="临泽县", host_union_id=None, seats=10), "city")
    closed = library.register_venue(dict(BOOK_HOUSE, name="高台县职工之家", kind="worker_home",
                                         county="高台县"), "city")
    library.close_venue(closed["id"], "合并", "city")
    assert library.list_venues({"name": "书屋"})["total"] == 1
    assert library.list_venues({"county": "临泽县"})["items"][0]["kind_name"] == "劳模书架"
    assert library.list_venues({"status": "closed"})["items"][0]["id"] == closed["id"]
    assert library.list_venues({}, 1, 1)["total"] == 3
    assert library.get_venue(first["id"]) == library.list_venues({"name": "甘州"})["items"][0]
    summary = library.network_summary()
    assert summary["status"] == "open" and summary["total"]["venues"] == 2
    assert summary["total"]["seats"] == 50
    assert {k["kind"]: k["kind_name"] for k in summary["by_kind"]} == {
        "book_house": "职工书屋", "model_worker_bookshelf": "劳模书架"}
    assert library.network_summary({"status": "closed"})["total"]["venues"] == 1
    with pytest.raises(Invalid):
        library.network_summary({"status": "gone"})


def test_the_venue_gauge_counts_by_kind_county_and_status(tier, library):
    library.register_venue(BOOK_HOUSE, "city")
    library.refresh_gauges()
    gauge = metrics.VENUES.labels("book_house", "甘州区", "open")
    assert gauge._value.get() == 1
