"""Loans in-process: lend, return (at any open venue), renew, under the loan rules this
process is configured with (Settings.library_*)."""
from datetime import timedelta

import pytest

from services.common.clock import local_today
from services.common.errors import Conflict, Invalid, NotFound
from services.library.service import Service
from tests.support.service_tier import ServiceDatabase

VENUE = {"name": "甘州区职工书屋", "kind": "book_house", "county": "甘州区", "host_union_id": 3}
READER = {"user_id": 41, "username": "reader"}


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("library", tmp_path, library_loan_days=14, library_renewal_days=7,
                           library_max_renewals=1, library_max_open_loans=2)
    yield tier
    tier.close()


@pytest.fixture
def library(tier):
    return tier.worker(Service)


@pytest.fixture
def shelf(library):
    venue = library.register_venue(VENUE, "city")
    copies = library.add_holdings(venue["id"], {"isbn": "9787020002207", "title": "红楼梦",
                                                "copies": 3}, "staff")["copies"]
    return venue, copies


def test_a_loan_follows_the_configured_rules(tier, library, shelf):
    venue, copies = shelf
    loan = library.lend({"barcode": copies[0]["barcode"], "venue_id": venue["id"]}, READER,
                        "staff")
    assert loan["status"] == "open" and loan["days_overdue"] == 0 and loan["renewals"] == 0
    assert loan["due_on"] == (local_today() + timedelta(days=14)).isoformat()
    assert (loan["borrower_id"], loan["borrower_username"], loan["lent_by"]) == (
        41, "reader", "staff")
    assert (loan["venue_name"], loan["county"], loan["host_union_id"]) == ("甘州区职工书屋",
                                                                           "甘州区", 3)
    assert tier.count("copies", "status = 'on_loan'") == 1
    assert library.get_loan(loan["id"]) == loan
    library.lend({"copy_id": copies[1]["id"]}, READER, "staff")
    with pytest.raises(Conflict) as refused:  # at most two books out at once
        library.lend({"copy_id": copies[2]["id"]}, READER, "staff")
    assert refused.value.details == {"open_loans": 2}
    assert tier.count("loans") == 2 and tier.count("copies", "status = 'available'") == 1


def test_a_copy_is_never_lent_twice_and_bad_requests_write_nothing(tier, library, shelf):
    venue, copies = shelf
    library.lend({"copy_id": copies[0]["id"]}, READER, "staff")
    with pytest.raises(Conflict):
        library.lend({"copy_id": copies[0]["id"]}, {"user_id": 42, "username": "b"}, "staff")
    refusals = [{"copy_id": copies[1]["id"], "barcode": copies[1]["barcode"]}, {},
                {"copy_id": 999}, {"barcode": "nope"},
                {"copy_id": copies[1]["id"], "venue_id": venue["id"] + 1},
                {"copy_id": "1"}]
    for payload in refusals:
        with pytest.raises(Invalid):
            library.lend(payload, READER, "staff")
    library.close_venue(venue["id"], "装修", "city")
    with pytest.raises(Conflict):
        library.lend({"copy_id": copies[1]["id"]}, READER, "staff")
    assert tier.count("loans") == 1


def test_a_return_at_another_venue_moves_the_copy_there(tier, library, shelf):
    venue, copies = shelf
    other = library.register_venue(dict(VENUE, name="临泽县职工书屋", county="临泽县"), "city")
    loan = library.lend({"copy_id": copies[0]["id"]}, READER, "staff")
    returned = library.return_loan(loan["id"], {"venue_id": other["id"]}, "staff2")
    assert returned["status"] == "returned" and returned["returned_venue_id"] == other["id"]
    assert returned["returned_by"] == "staff2" and returned["returned_at"].endswith("Z")
    copy = library.get_copy(copies[0]["id"])
    assert copy["venue_id"] == other["id"] and copy["status"] == "available"
    assert copy["loans"] == 1 and copy["moves"][0]["reason"] == "归还至临泽县职工书屋"
    with pytest.raises(Conflict):
        library.return_loan(loan["id"], {}, "staff")
    with pytest.raises(NotFound):
        library.return_loan(999, {}, "staff")


def test_a_return_refused_leaves_the_loan_open(tier, library, shelf):
    venue, copies = shelf
    loan = library.lend({"copy_id": copies[0]["id"]}, READER, "staff")
    with pytest.raises(Invalid):
        library.return_loan(loan["id"], {"venue_id": 999}, "staff")
    assert library.get_loan(loan["id"])["status"] == "open"
    assert tier.count("copy_moves") == 0 and tier.count("copies", "status = 'on_loan'") == 1


def test_a_renewal_moves_the_due_date_a_limited_number_of_times(tier, library, shelf):
    venue, copies = shelf
    loan = library.lend({"copy_id": copies[0]["id"]}, READER, "staff")
    renewed = library.renew_loan(loan["id"], "reader")
    assert renewed["renewals"] == 1
    assert renewed["due_on"] == (local_today() + timedelta(days=21)).isoformat()
    with pytest.raises(Conflict) as refused:
        library.renew_loan(loan["id"], "reader")
    assert refused.value.details["renewals"] == 1
    library.return_loan(loan["id"], {}, "staff")
    with pytest.raises(Conflict):
        library.renew_loan(loan["id"], "reader")
    assert tier.count("loans", "renewals = 1") == 1


def test_loans_are_listed_by_status_and_place(tier, library, shelf):
    venue, copies = shelf
    first = library.lend({"copy_id": copies[0]["id"]}, READER, "staff")
    second = library.lend({"copy_id": copies[1]["id"]}, {"user_id": 42, "username": "b"}, "s")
    library.return_loan(first["id"], {}, "staff")
    assert [l["id"] for l in library.list_loans()["items"]] == [second["id"], first["id"]]
    assert [l["id"] for l in library.list_loans({"status": "open"})["items"]] == [second["id"]]
    assert library.list_loans({"status": "returned", "borrower_id": 41})["total"] == 1
    assert library.list_loans({"status": "overdue"})["total"] == 0
    assert library.list_loans({"county": "甘州区", "host_union_id": 3})["total"] == 2
    with pytest.raises(Invalid):
        library.list_loans({"status": "lost"})
