"""The kernel's unit of work against a real SQLite database (a service's own, migrated):
it commits on a clean exit, rolls back on a raise, publishes only what committed, and in
an event worker claims the inbox once."""
import pytest
from sqlalchemy import text

from services.activities import events as activity_events
from services.common.unit_of_work import AlreadyProcessed
from tests.support.service_tier import ServiceDatabase

VENUE = {"venue_id": 7, "name": "甘州区职工书屋", "kind": "book_house", "county": "甘州区",
         "host_union_id": None}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("library", tmp_path)
    yield tier
    tier.close()


def test_a_clean_exit_commits_the_state_and_its_outbox_row(tier):
    with tier.access().unit_of_work() as uow:
        uow.session.execute(text("INSERT INTO inbox VALUES ('probe', 'e-1', '2026-01-01')"))
        uow.emit("venue_registered", VENUE)
    assert tier.count("inbox", "consumer = 'probe'") == 1
    (envelope,) = tier.outbox("venue_registered")
    assert envelope["data"] == VENUE and envelope["producer"] == "library"
    assert envelope["correlation_id"] == "test-correlation"


def test_a_raise_rolls_back_the_state_and_the_outbox_row(tier):
    with pytest.raises(RuntimeError):
        with tier.access().unit_of_work() as uow:
            uow.session.execute(text("INSERT INTO inbox VALUES ('probe', 'e-2', '2026-01-01')"))
            uow.emit("venue_registered", VENUE)
            raise RuntimeError("the domain said no")
    assert tier.count("inbox") == 0 and tier.outbox() == []


def test_published_only_after_commit(tier):
    woken = []
    access = tier.access()
    access._wake = lambda: woken.append(tier.count("outbox"))
    with access.unit_of_work() as uow:
        uow.emit("venue_registered", VENUE)
        assert woken == []
    assert woken == [1]  # the relay is woken once the row is there for it


def test_an_event_workers_first_unit_claims_the_inbox_once(tier):
    envelope = tier.event(activity_events.APPROVED, _approved_facts())
    inbox = ("library.activity_approved", envelope["event_id"])
    access = tier.access(inbox)
    with access.unit_of_work():
        pass
    with access.unit_of_work():  # the same worker's second unit claims nothing
        pass
    assert tier.count("inbox", "consumer = 'library.activity_approved'") == 1
    with pytest.raises(AlreadyProcessed):
        with tier.access(inbox).unit_of_work() as uow:
            uow.emit("venue_registered", VENUE)
    assert tier.outbox() == []  # the duplicate changed nothing


def _approved_facts():
    return {"activity_id": 1, "title": "读书分享会", "union_id": 3, "union_name": "甘州区某工会",
            "county": "甘州区", "tier": "grassroots", "category": "reading", "season": "spring",
            "held_on": "2026-04-23", "participants": 30, "expenses": "600.00", "venue_id": 7,
            "lecturer_id": None, "actor": "reviewer", "status": "approved"}
