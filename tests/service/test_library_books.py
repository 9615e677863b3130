"""The catalogue and holdings entrypoints in-process: books by ISBN, copies at venues,
moves between venues (answers and rows; a refusal writes nothing)."""
import pytest

from services.common.errors import Conflict, Invalid, NotFound
from services.library.service import Service
from tests.support.service_tier import ServiceDatabase

VENUE = {"name": "甘州区职工书屋", "kind": "book_house", "county": "甘州区"}
HONGLOUMENG = "978-7-02-000220-7"


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


def test_a_book_is_catalogued_once_by_its_isbn13(tier, library):
    book = library.add_book({"isbn": "0-306-40615-2", "title": "Data Structures"})
    assert book["isbn"] == "9780306406157" and book["author"] is None
    with pytest.raises(Conflict):
        library.add_book({"isbn": "9780306406157", "title": "again"})
    for isbn in ("0-306-40615-3", "978\t7020002207", "12345"):
        with pytest.raises(Invalid) as refused:
            library.add_book({"isbn": isbn, "title": "bad"})
        assert "isbn" in refused.value.details
    assert tier.count("books") == 1
    assert library.get_book(book["id"]) == dict(book, copies=0, available=0)
    with pytest.raises(NotFound):
        library.get_book(999)


def test_holdings_catalogue_a_new_title_and_number_the_copies(tier, library, venue):
    with pytest.raises(Invalid) as refused:
        library.add_holdings(venue["id"], {"isbn": HONGLOUMENG, "copies": 2}, "staff")
    assert "title" in refused.value.details
    assert tier.count("books") == 0 and tier.count("copies") == 0
    added = library.add_holdings(venue["id"], {"isbn": HONGLOUMENG, "title": "红楼梦",
                                               "copies": 2}, "staff")
    assert added["book"]["isbn"] == "9787020002207" and added["venue_id"] == venue["id"]
    assert [c["barcode"] for c in added["copies"]] == [
        "CM%08d" % c["id"] for c in added["copies"]]
    assert {c["status"] for c in added["copies"]} == {"available"}
    more = library.add_holdings(venue["id"], {"isbn": "9787020002207", "copies": 1,
                                              "barcodes": ["A-1"]}, "staff")
    assert more["book"]["id"] == added["book"]["id"] and more["copies"][0]["barcode"] == "A-1"
    assert library.get_book(added["book"]["id"])["copies"] == 3
    held = library.venue_holdings(venue["id"])
    assert held["total"] == 1 and held["items"][0]["available"] == 3
    assert library.list_books({"title": "红楼"})["items"][0]["copies"] == 3
    assert library.list_copies({"isbn": HONGLOUMENG})["total"] == 3
    assert library.list_copies({"barcode": "A-1"})["items"][0]["title"] == "红楼梦"


def test_refused_holdings_leave_no_copies(tier, library, venue):
    library.add_holdings(venue["id"], {"isbn": HONGLOUMENG, "title": "红楼梦",
                                       "barcodes": ["A-1"]}, "staff")
    refusals = [({"isbn": HONGLOUMENG, "copies": 2, "barcodes": ["B-1"]}, Invalid),
                ({"isbn": HONGLOUMENG, "copies": 2, "barcodes": ["B-1", "B-1"]}, Invalid),
                ({"isbn": HONGLOUMENG, "copies": 2, "barcodes": ["B-1", "A-1"]}, Conflict),
                ({"isbn": HONGLOUMENG, "copies": 0}, Invalid)]
    for payload, error in refusals:
        with pytest.raises(error):
            library.add_holdings(venue["id"], payload, "staff")
    library.close_venue(venue["id"], "装修", "city")
    with pytest.raises(Conflict):
        library.add_holdings(venue["id"], {"isbn": HONGLOUMENG}, "staff")
    assert tier.count("copies") == 1


def test_a_copy_moves_between_open_venues_and_keeps_its_moves(tier, library, venue):
    other = library.register_venue(dict(VENUE, name="临泽县职工书屋", county="临泽县"), "city")
    (copy,) = library.add_holdings(venue["id"], {"isbn": HONGLOUMENG, "title": "红楼梦"},
                                   "staff")["copies"]
    with pytest.raises(Conflict):  # where it is already: its state, not the request
        library.move_copy(copy["id"], {"venue_id": venue["id"]}, "staff")
    with pytest.raises(Invalid):
        library.move_copy(copy["id"], {"venue_id": 999}, "staff")
    moved = library.move_copy(copy["id"], {"venue_id": other["id"], "reason": "调剂"}, "staff")
    assert moved["venue_id"] == other["id"] and moved["loans"] == 0
    assert [(m["from_venue_id"], m["to_venue_id"], m["reason"]) for m in moved["moves"]] == [
        (venue["id"], other["id"], "调剂")]
    library.close_venue(venue["id"], "装修", "city")
    with pytest.raises(Conflict):
        library.move_copy(copy["id"], {"venue_id": venue["id"]}, "staff")
    assert tier.count("copy_moves") == 1 and tier.count("copies", "venue_id = :v",
                                                         v=other["id"]) == 1
