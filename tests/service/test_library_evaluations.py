"""Four-goods evaluations in-process: approved activities in (the event handler, inbox
claim and all), scores and the rating out, with the venue_evaluated outbox row."""
import copy

import pytest

from services.activities import events as activity_events
from services.common.clock import local_today
from services.common.errors import Conflict, Invalid
from services.common.unit_of_work import AlreadyProcessed
from services.library import contract, domain
from services.library.service import Service
from tests.support.service_tier import ServiceDatabase

YEAR = local_today().year - 1  # a period that has begun (and ended)
VENUE = {"name": "甘州区职工书屋", "kind": "book_house", "county": "甘州区", "host_union_id": 3,
         "e_reading_devices": 4, "seats": 30, "floor_area_m2": 90}
SCORES = {"site": 18, "management": 17, "activities": 8, "service": 18, "e_reading": 9,
          "reading_activities": 9}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("library", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def library(tier):
    return tier.worker(Service)


@pytest.fixture
def venue(library):
    return library.register_venue(VENUE, "city")


def approved(activity_id, venue_id, category="reading", held_on="%d-04-23" % YEAR):
    return {"activity_id": activity_id, "title": "读书分享会", "union_id": 3,
            "union_name": "甘州区某工会", "county": "甘州区", "tier": "grassroots",
            "category": category, "season": "spring", "held_on": held_on, "participants": 30,
            "expenses": "600.00", "venue_id": venue_id, "lecturer_id": None,
            "actor": "reviewer", "status": "approved"}


def test_an_approved_activity_at_a_venue_is_counted_once(tier, venue):
    envelope = tier.event(activity_events.APPROVED, approved(1, venue["id"]))
    tier.deliver(Service, "on_activity_approved", envelope)
    assert tier.count("venue_activities", "venue_id = :v AND category = 'reading'",
                      v=venue["id"]) == 1
    assert tier.count("inbox", "consumer = 'library.activity_approved'") == 1
    with pytest.raises(AlreadyProcessed):
        tier.deliver(Service, "on_activity_approved", envelope)
    assert tier.count("venue_activities") == 1 and tier.count("inbox") == 1
    # the same activity in another envelope (a re-approval) is not counted twice either
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(1, venue["id"])))
    assert tier.count("venue_activities") == 1 and tier.outbox("venue_evaluated") == []


def test_activities_elsewhere_or_at_unknown_venues_are_not_counted(tier, venue):
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(2, None)))
    assert tier.count("inbox") == 0  # returned before any unit of work: nothing claimed
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved(3, 999)))
    assert tier.count("venue_activities") == 0


def test_an_evaluation_scores_rates_and_tells_subsidies(tier, library, venue):
    for activity_id, category in ((1, "reading"), (2, "reading"), (3, "sports")):
        tier.deliver(Service, "on_activity_approved", tier.event(
            activity_events.APPROVED, approved(activity_id, venue["id"], category)))
    evaluation = library.evaluate_venue(venue["id"], {"period": "%d-Q2" % YEAR,
                                                      "scores": SCORES}, "reviewer")
    # 3 + 3 + 2 = 8 points of activity credit, on top of the evaluator's 8
    assert evaluation["activity_credit"] == 8 and evaluation["activities_counted"] == 3
    assert evaluation["total"] == 18 + 17 + 16 + 18 + 9 + 9 == 87
    assert (evaluation["rating"], evaluation["rating_name"]) == ("good", "良好")
    assert evaluation["period_start"] == "%d-04-01" % YEAR
    assert evaluation["venue_name"] == "甘州区职工书屋" and evaluation["max_total"] == 100
    (envelope,) = tier.outbox(contract.VENUE_EVALUATED.event_type)
    data = envelope["data"]
    assert contract.VenueEvaluated().validate(data) == {}
    assert data["venue_id"] == venue["id"] and data["evaluation_id"] == evaluation["id"]
    assert (data["kind_name"], data["rating_name"], data["year"]) == ("职工书屋", "良好", YEAR)
    assert (data["period_start"], data["period_end"]) == ("%d-04-01" % YEAR, "%d-06-30" % YEAR)
    assert data["scores"]["activities"] == 16 and data["activities_counted"] == 3
    assert (data["e_reading_devices"], data["seats"], data["floor_area_m2"]) == (4, 30, 90)
    assert (data["scheme_version"], data["evaluator"], data["total"]) == (1, "reviewer", 87)
    assert library.get_evaluation(evaluation["id"]) == evaluation


def test_refused_evaluations_write_nothing(tier, library, venue):
    library.evaluate_venue(venue["id"], {"period": str(YEAR), "scores": SCORES}, "reviewer")
    refusals = [({"period": str(YEAR), "scores": SCORES}, Conflict),
                ({"period": "%d-H1" % YEAR, "scores": dict(SCORES, activities=11)}, Invalid),
                ({"period": "%d-H1" % YEAR, "scores": dict(SCORES, site=True)}, Invalid),
                ({"period": "%d-13" % YEAR, "scores": SCORES}, Invalid),
                ({"period": "%d" % (YEAR + 2), "scores": SCORES}, Invalid),  # not begun
                ({"period": "%d-H1" % YEAR, "scores": dict(SCORES, charm=3)}, Invalid)]
    for payload, error in refusals:
        with pytest.raises(error):
            library.evaluate_venue(venue["id"], payload, "reviewer")
    library.close_venue(venue["id"], "装修", "city")
    with pytest.raises(Conflict):
        library.evaluate_venue(venue["id"], {"period": "%d-Q4" % YEAR, "scores": SCORES}, "r")
    assert tier.count("evaluations") == 1 and len(tier.outbox("venue_evaluated")) == 1


def test_a_new_scheme_applies_to_later_evaluations(tier, library, venue):
    assert library.evaluation_scheme()["version"] == 1
    scheme = copy.deepcopy(domain.DEFAULT_SCHEME)
    scheme["bands"][1]["min"] = 60 + 1
    scheme["bands"][2]["min"] = 60
    with pytest.raises(Invalid):
        library.set_evaluation_scheme(dict(scheme, bands=scheme["bands"][:3]), "city")
    with pytest.raises(Invalid):
        library.set_evaluation_scheme(dict(scheme, extra=1), "city")
    answer = library.set_evaluation_scheme(scheme, "city")
    assert answer["version"] == 2 and answer["created_by"] == "city"
    assert answer["evaluator_maxima"]["activities"] == 10 and answer["max_total"] == 100
    assert library.evaluation_scheme() == answer
    evaluation = library.evaluate_venue(venue["id"], {"period": str(YEAR),
                                                      "scores": dict(SCORES, site=0)}, "r")
    assert evaluation["total"] == 61 and evaluation["rating"] == "good"
    assert evaluation["scheme_version"] == 2


def test_evaluations_are_listed_by_place_and_rating(tier, library, venue):
    other = library.register_venue(dict(VENUE, name="临泽县劳模书架", county="临泽县",
                                        kind="model_worker_bookshelf", host_union_id=4), "c")
    library.evaluate_venue(venue["id"], {"period": str(YEAR), "scores": SCORES}, "r")
    library.evaluate_venue(other["id"], {"period": str(YEAR), "scores": dict(
        SCORES, site=0, management=0)}, "r")
    assert library.list_evaluations()["total"] == 2
    assert library.list_evaluations({"county": "临泽县"})["items"][0]["rating"] == "fail"
    assert library.list_evaluations({"kind": "book_house", "rating": "good"})["total"] == 1
    assert library.list_evaluations({"host_union_id": 4, "period": str(YEAR)})["total"] == 1
    with pytest.raises(Invalid):
        library.list_evaluations({"period": "last year"})
