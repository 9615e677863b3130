"""Policies in process (entrypoints/policies.py, simulation.py): versions, drafts,
publication in order and withdrawal, the version an approval gets, the dry run (by
activity: the decision's own facts), a period simulated, and a version's text."""
import copy
from datetime import timedelta

import pytest

from services.activities import events as activity_events
from services.common.clock import local_today
from services.common.errors import Conflict, Invalid, NotFound
from services.subsidies import domain
from services.subsidies.service import Service
from tests.service.test_subsidies_decisions import YEAR, approved
from tests.support.service_tier import ServiceDatabase

FACTS = {"tier": "grassroots", "category": "reading", "county": "甘州区", "participants": 40,
         "expenses": "1500.00"}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("subsidies", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def service(tier):
    return tier.worker(Service)


def test_the_shipped_versions(service):
    listed = service.list_policies()
    assert [(p["kind"], p["version"], p["status"], p["in_force"]) for p in listed["items"]] == [
        ("activity", 1, "published", True), ("activity", 2, "draft", False),
        ("venue", 1, "published", True)]
    assert service.list_policies("venue")["total"] == 1
    v2 = domain.DIFFERENTIATED_ACTIVITY_POLICY
    assert service.get_policy("activity", 2)["name"] == v2["name"]
    with pytest.raises(NotFound):
        service.get_policy("activity", 9)
    with pytest.raises(Invalid):
        service.list_policies("weather")


def test_upload_a_draft_then_publish_it(tier, service):
    document = copy.deepcopy(domain.DEFAULT_ACTIVITY_POLICY)
    draft = service.upload_policy({"kind": "activity", "document": document}, "finance1")
    assert (draft["version"], draft["status"], draft["created_by"]) == (3, "draft", "finance1")
    today = local_today().isoformat()
    published = service.publish_policy("activity", 3, {"effective_from": today}, "finance1")
    assert (published["status"], published["effective_from"], published["in_force"]) == (
        "published", today, True)
    with pytest.raises(Conflict):
        service.publish_policy("activity", 3, {"effective_from": today}, "finance1")
    assert tier.outbox() == []  # policies publish no event


def test_a_bad_document_or_date_is_refused_and_nothing_is_stored(tier, service):
    document = copy.deepcopy(domain.DIFFERENTIATED_ACTIVITY_POLICY)
    document["rules"][3]["factor"] = "1.234"
    with pytest.raises(Invalid) as refused:
        service.upload_policy({"kind": "activity", "document": document}, "finance1")
    assert "document.rules.3.factor" in refused.value.details
    yesterday = (local_today() - timedelta(days=1)).isoformat()
    with pytest.raises(Invalid) as refused:
        service.upload_policy({"kind": "activity", "effective_from": yesterday,
                               "document": domain.DEFAULT_ACTIVITY_POLICY}, "finance1")
    assert "effective_from" in refused.value.details
    assert tier.count("policies") == 3


def test_an_approval_gets_the_version_in_force_on_its_day(tier, service):
    service.publish_policy("activity", 2, {"effective_from": local_today().isoformat()}, "f")
    service.create_fund({"name": "fund", "year": 2026, "policy": "activity",
                         "budget": "10000.00"})
    tier.deliver(Service, "on_activity_approved",
                 tier.event(activity_events.APPROVED, approved()))
    (granted,) = tier.outbox("subsidy_granted")
    assert granted["data"]["policy_version"] == 2


def test_the_dry_run_grants_nothing(tier, service):
    answer = service.dry_run("activity", {"activity": FACTS})
    assert (answer["policy_version"], answer["amount"], answer["reason"]) == (1, "350.00", None)
    assert answer["approved_on"] == local_today().isoformat() and len(answer["explanation"]) == 4
    v2 = service.dry_run("activity", {"version": 2, "activity": dict(FACTS, participants=3)})
    assert (v2["amount"], v2["reason"]) == ("0.00", "not_eligible")
    venue = service.dry_run("venue", {"venue": {"kind": "book_house", "county": "甘州区",
                                                "rating": "good", "total": 85}})
    assert venue["amount"] == "20000.00" and venue["inputs"]["purpose"] == "construction"
    assert tier.count("subsidies") == 0 and tier.outbox() == []
    with pytest.raises(Invalid) as refused:
        service.dry_run("venue", {"activity": FACTS})
    assert "venue" in refused.value.details
    with pytest.raises(NotFound):
        service.dry_run("weather", {"activity": FACTS})
    with pytest.raises(Invalid):
        service.dry_run("activity", {"activity": dict(FACTS, participants=10**6 + 1)})


# versions in order, withdrawal ---------------------------------------------------------------
def days(n):
    return (local_today() + timedelta(days=n)).isoformat()


def draft(service, **changes):
    document = copy.deepcopy(domain.DIFFERENTIATED_ACTIVITY_POLICY)
    document.update(changes)
    return service.upload_policy({"kind": "activity", "document": document}, "f")["version"]


def test_a_lower_version_after_a_higher_ones_date_is_refused(tier, service):
    v3 = draft(service)
    service.publish_policy("activity", v3, {"effective_from": days(30)}, "f")
    with pytest.raises(Invalid) as refused:  # the case: accepted, never used
        service.publish_policy("activity", 2, {"effective_from": days(60)}, "f")
    assert refused.value.details["effective_from"] == [
        "before %s, the effective date of the later version 3" % days(30)]
    with pytest.raises(Invalid):  # one date, two versions
        service.publish_policy("activity", 2, {"effective_from": days(30)}, "f")
    assert service.get_policy("activity", 2)["status"] == "draft"
    between = service.publish_policy("activity", 2, {"effective_from": days(10)}, "f")
    assert between["status"] == "published"  # it applies from day 10 to day 29
    with pytest.raises(Invalid) as refused:
        service.upload_policy({"kind": "activity", "effective_from": days(30),
                               "document": domain.DEFAULT_ACTIVITY_POLICY}, "f")
    assert "after %s" % days(30) in refused.value.details["effective_from"][0]
    later = service.upload_policy({"kind": "activity", "effective_from": days(31),
                                   "document": domain.DEFAULT_ACTIVITY_POLICY}, "f")
    assert later["version"] == 4
    on = {n: service.dry_run("activity", {"approved_on": days(n), "activity": FACTS})
          ["policy_version"] for n in (0, 10, 29, 30, 31)}
    assert on == {0: 1, 10: 2, 29: 2, 30: 3, 31: 4}


def test_a_future_version_can_be_withdrawn_and_is_then_never_used(tier, service):
    v3 = draft(service)
    service.publish_policy("activity", v3, {"effective_from": days(5)}, "f")
    assert service.dry_run("activity", {"approved_on": days(5),
                                        "activity": FACTS})["policy_version"] == 3
    withdrawn = service.withdraw_policy("activity", v3)
    assert (withdrawn["status"], withdrawn["effective_from"], withdrawn["published_by"]) == (
        "draft", None, None)
    assert service.dry_run("activity", {"approved_on": days(5),
                                        "activity": FACTS})["policy_version"] == 1
    with pytest.raises(Conflict):  # a draft has nothing to withdraw
        service.withdraw_policy("activity", v3)
    with pytest.raises(Conflict) as in_force:  # version 1 is in force, and stays
        service.withdraw_policy("activity", 1)
    assert "effective_from" in in_force.value.details
    today = service.publish_policy("activity", v3, {"effective_from": days(0)}, "f")
    assert today["in_force"]
    with pytest.raises(Conflict):  # in force from today: approvals may have used it
        service.withdraw_policy("activity", v3)
    with pytest.raises(NotFound):
        service.withdraw_policy("activity", 99)
    assert tier.outbox() == []


# the dry run by activity: what its decision gives ------------------------------------------------
def decide(tier, **facts):
    tier.deliver(Service, "on_activity_approved", tier.event(activity_events.APPROVED,
                                                             approved(**facts)))
    (subsidy,) = tier.worker(Service).list_subsidies(
        {"activity_id": facts["activity_id"]})["items"]
    return subsidy


def approval(activity_id, **facts):
    """What activities' approval_facts answers for an activity not yet decided."""
    return dict(approved(activity_id=activity_id, **facts), current_status="submitted",
                year=YEAR, season_theme=None, season_theme_match=None, lecturer_name=None,
                lecturer_satisfaction=None, union_level="grassroots", comment=None)


def test_a_decided_activity_runs_on_its_decisions_own_inputs(tier, service):
    service.publish_policy("activity", 2, {"effective_from": days(0)}, "f")
    service.create_fund({"name": "fund", "year": YEAR, "policy": "activity",
                         "budget": "1000.00"})
    first = decide(tier, activity_id=1, participants=200, expenses="9000.00")
    second = decide(tier, activity_id=2, participants=200, expenses="9000.00")
    assert (first["amount"], second["status"], second["reason"]) == (
        "800.00", "declined", "budget_exhausted")
    for subsidy, before in ((first, "0.00"), (second, "800.00")):
        answer = service.dry_run("activity", {"activity_id": subsidy["activity_id"]})
        assert answer["basis"] == "decision" and answer["policy_version"] == 2
        assert answer["amount"] == "800.00"  # the policy's amount, the fund short or not
        assert answer["explanation"] == subsidy["explanation"][:-1]  # all but the fund's line
        assert answer["decision"]["amount"] == subsidy["amount"]
        assert answer["decision"]["reason"] == subsidy["reason"]
        assert answer["inputs"]["union_granted_before"] == before  # never its own grant
    by_v1 = service.dry_run("activity", {"activity_id": 1, "version": 1})
    assert (by_v1["policy_version"], by_v1["amount"]) == (1, "800.00")
    assert len(by_v1["explanation"]) == len(domain.DEFAULT_ACTIVITY_POLICY["rules"])
    assert tier.count("subsidies") == 2


def test_an_undecided_activity_runs_on_what_its_approval_will_carry(tier, service):
    service.create_fund({"name": "fund", "year": YEAR, "policy": "activity",
                         "budget": "10000.00"})
    decide(tier, activity_id=1)
    facts = approval(7, union_id=3, participants=60, expenses="2000.00")
    preview = service.dry_run("activity", {"activity_id": 7}, facts)
    assert preview["basis"] == "activity" and preview["decision"] is None
    assert preview["inputs"]["union_granted_before"] == "350.00"
    assert preview["inputs"]["union_decisions_before"] == 1
    subsidy = decide(tier, activity_id=7, union_id=3, participants=60, expenses="2000.00")
    assert subsidy["amount"] == preview["amount"] == "450.00"
    assert preview["explanation"] == subsidy["explanation"][:-1]
    with pytest.raises(Invalid) as refused:
        service.dry_run("activity", {"activity_id": 8}, approval(9))
    assert "activity_id" in refused.value.details
    with pytest.raises(Invalid):
        service.dry_run("activity", {"activity_id": 8})  # no decision and no facts
    with pytest.raises(Invalid) as refused:
        service.dry_run("venue", {"activity_id": 7})
    assert set(refused.value.details) == {"activity_id", "venue"}
    with pytest.raises(Invalid):
        service.dry_run("activity", {"activity_id": 7, "activity": FACTS})


def test_union_history_counts_the_earlier_activity_decisions(tier, service):
    from services.subsidies.entrypoints.policies import union_history
    decide(tier, activity_id=1, union_id=5)
    decide(tier, activity_id=2, union_id=5)
    decide(tier, activity_id=3, union_id=6)
    with tier.sessions() as session:
        assert union_history(session, 5) == {"union_decisions_before": 2}
        assert union_history(session, 6) == {"union_decisions_before": 1}
        assert union_history(session, 7) == {"union_decisions_before": 0}
    bonus = copy.deepcopy(domain.DEFAULT_ACTIVITY_POLICY)
    bonus["rules"].insert(2, {"type": "first_time_bonus", "amount": "100.00"})
    version = service.upload_policy({"kind": "activity", "document": bonus}, "f")["version"]
    assert service.dry_run("activity", {"version": version, "activity": dict(
        FACTS, union_id=7)})["amount"] == "450.00"
    assert service.dry_run("activity", {"version": version, "activity": dict(
        FACTS, union_id=5)})["amount"] == "350.00"


# a period under a version, and a version's text ---------------------------------------------
def test_a_year_simulated_under_the_draft_changes_nothing(tier, service):
    service.create_fund({"name": "fund", "year": YEAR, "policy": "activity",
                         "budget": "1500.00"})
    for number in range(1, 6):  # 350 each under version 1: four fit, the fifth does not
        decide(tier, activity_id=number, county="肃南裕固族自治县" if number == 1 else "甘州区")
    before = (tier.count("subsidies"), tier.count("ledger"), len(tier.outbox()))
    answer = service.simulate_policy("activity", 2, {"year": YEAR})
    assert (tier.count("subsidies"), tier.count("ledger"), len(tier.outbox())) == before
    assert (answer["status"], answer["decisions"], answer["fund"]) == ("draft", 5, "honoured")
    assert answer["actual"] == "1400.00"
    # version 2: 455.00 in the remote county, 350.00 elsewhere; the fund keeps 1,500.00
    assert answer["policy"] == "1855.00" and answer["allowed"] == "1155.00"
    assert answer["changes"]["count"] == 2  # the remote one up, the fourth one out
    assert {row["key"]: row["name"] for row in answer["by_season"]} == {"spring": "春"}
    same = service.simulate_policy("activity", 1, {"from": "2000-01-01",
                                                   "to": local_today().isoformat()})
    assert same["changes"]["count"] == 0 and same["allowed"] == same["actual"]
    empty = service.simulate_policy("activity", 2, {"year": YEAR + 1})
    assert empty["decisions"] == 0 and empty["largest_changes"] == []
    for wrong in ({}, {"year": YEAR, "from": "2026-01-01", "to": "2026-02-01"},
                  {"from": "2026-03-01", "to": "2026-02-01"}, {"from": "2026-03-01"}):
        with pytest.raises(Invalid):
            service.simulate_policy("activity", 2, wrong)
    with pytest.raises(Invalid):
        service.simulate_policy("venue", 1, {"year": YEAR})
    with pytest.raises(NotFound):
        service.simulate_policy("activity", 9, {"year": YEAR})


def test_a_versions_text_and_a_draft_hidden_from_readers(service):
    text = service.policy_text("activity", 2)
    assert (text["status"], text["version"], text["title"]) == (
        "draft", 2, domain.DIFFERENTIATED_ACTIVITY_POLICY["name"])
    assert text["articles"][0].startswith("第一条") and "table" in text
    with pytest.raises(NotFound):
        service.policy_text("activity", 2, True)
    assert service.policy_text("venue", 1, True)["status"] == "published"


def test_a_decision_knows_the_unions_history_for_a_first_time_bonus(tier, service):
    bonus = copy.deepcopy(domain.DEFAULT_ACTIVITY_POLICY)
    bonus["rules"].insert(2, {"type": "first_time_bonus", "amount": "100.00"})
    service.upload_policy({"kind": "activity", "effective_from": days(0),
                           "document": bonus}, "f")
    service.create_fund({"name": "fund", "year": YEAR, "policy": "activity",
                         "budget": "10000.00"})
    first = decide(tier, activity_id=1, union_id=11)
    again = decide(tier, activity_id=2, union_id=11)
    assert (first["amount"], again["amount"]) == ("450.00", "350.00")
    for subsidy in (first, again):
        dry = service.dry_run("activity", {"activity_id": subsidy["activity_id"]})
        assert dry["amount"] == subsidy["amount"]
