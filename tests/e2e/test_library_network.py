"""The reading network through the gateway: venues, holdings, loans, scoping, bad input."""
import uuid

import pytest
from sqlalchemy import create_engine, text

from tests.support.events import count_rows, outbox_envelopes
from tests.support.world import PASSWORD

ISBN13 = "978-7-02-000220-7"      # 红楼梦
ISBN10 = "0-306-40615-2"          # -> 9780306406157


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:6])


def venue_body(**overrides):
    body = {"name": unique("甘州区职工书屋"), "kind": "book_house", "county": "甘州区",
            "address": "甘州区青年东街 1 号", "latitude": 38.93, "longitude": 100.45,
            "floor_area_m2": 120, "seats": 40, "opening_hours": "09:00-18:00",
            "e_reading_devices": 3}
    body.update(overrides)
    return body


def error_of(answer, status, code="VALIDATION_FAILED"):
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["code"] == code, error
    return error


def patch(client, path, body):
    return client.session.patch(client.base + path, json=body, timeout=15)


@pytest.fixture(scope="module")
def library(world):
    """A worker of our own, a second worker, and a venue hosted by the power union."""
    admin = world.system.client()
    for username in ("reader_a", "reader_b"):
        answer = admin.post("/api/v1/users", {"username": username, "password": PASSWORD,
                                              "role": "worker"})
        assert answer.status_code == 201, answer.text
        world.users[username] = answer.json()
    venue = admin.post("/api/v1/venues", venue_body(
        host_union_id=world.unions["power"]["id"]))
    assert venue.status_code == 201, venue.text
    return {"venue": venue.json()}


def add_copies(client, venue_id, isbn=ISBN13, copies=1, **extra):
    answer = client.post("/api/v1/venues/%d/holdings" % venue_id,
                         dict({"isbn": isbn, "copies": copies, "title": "红楼梦",
                               "author": "曹雪芹"}, **extra))
    assert answer.status_code == 201, answer.text
    return answer.json()


# venues --------------------------------------------------------------------------------
def test_register_read_change_close_and_reopen_a_venue(world, library):
    admin = world.system.client()
    body = venue_body(kind="rest_station_corner", name=unique("户外劳动者驿站读书角"),
                      floor_area_m2=25, seats=8, e_reading_devices=1)
    created = admin.post("/api/v1/venues", body)
    assert created.status_code == 201, created.text
    venue = created.json()
    assert venue["kind_name"] == "户外劳动者驿站读书角" and venue["status"] == "open"
    assert venue["latitude"] == 38.93 and venue["created_at"].endswith("Z")
    path = "/api/v1/venues/%d" % venue["id"]
    assert admin.get(path).json() == venue
    registered = [e for e in outbox_envelopes(world.system, "library", "venue_registered")
                  if e["data"]["venue_id"] == venue["id"]]
    assert len(registered) == 1 and registered[0]["data"]["county"] == "甘州区"

    changed = patch(admin, path, {"opening_hours": "全天", "e_reading_devices": 2})
    assert changed.status_code == 200, changed.text
    assert changed.json()["opening_hours"] == "全天" and changed.json()["seats"] == 8

    closed = admin.post(path + "/close", {"reason": "驿站搬迁"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_reason"] == "驿站搬迁"
    error_of(admin.post(path + "/close", {"reason": "again"}), 409, "CONFLICT")
    error_of(patch(admin, path, {"seats": 9}), 409, "CONFLICT")
    # closing keeps the venue and its history
    assert admin.get(path).json()["status"] == "closed"
    listed = admin.get("/api/v1/venues", status="closed", kind="rest_station_corner").json()
    assert venue["id"] in [v["id"] for v in listed["items"]]
    history = admin.get(path + "/history").json()
    assert [h["action"] for h in history] == ["register", "update", "close"]
    assert history[1]["changes"]["opening_hours"] == ["09:00-18:00", "全天"]
    assert history[2]["comment"] == "驿站搬迁"

    reopened = admin.post(path + "/reopen", {"comment": "新址启用"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    assert reopened.json()["closed_at"] is None


def test_venue_filters_and_the_network_summary(world, library):
    admin = world.system.client()
    palace = admin.post("/api/v1/venues", venue_body(
        kind="culture_palace", county="临泽县", name=unique("临泽县工人文化宫"),
        floor_area_m2=2000, seats=300, e_reading_devices=10)).json()
    listed = admin.get("/api/v1/venues", county="临泽县", kind="culture_palace").json()
    assert palace["id"] in [v["id"] for v in listed["items"]]
    assert {v["county"] for v in listed["items"]} == {"临泽县"}
    by_name = admin.get("/api/v1/venues", name="临泽县工人").json()
    assert palace["id"] in [v["id"] for v in by_name["items"]]

    worker = world.as_user("reader_a")  # any signed-in user may look venues up
    summary = worker.get("/api/v1/venues/summary").json()
    all_open = admin.get("/api/v1/venues", status="open", limit=500).json()["items"]
    assert summary["total"]["venues"] == len(all_open)
    assert summary["total"]["floor_area_m2"] == sum(v["floor_area_m2"] for v in all_open)
    assert summary["total"]["e_reading_devices"] == sum(v["e_reading_devices"] for v in all_open)
    cell = [c for c in summary["by_county_and_kind"]
            if c["county"] == "临泽县" and c["kind"] == "culture_palace"]
    assert cell and cell[0]["floor_area_m2"] >= 2000 and cell[0]["kind_name"] == "工人文化宫"
    one_county = admin.get("/api/v1/venues/summary", county="临泽县").json()
    assert {c["county"] for c in one_county["by_county"]} == {"临泽县"}


def test_venue_bad_input_and_roles(world, library):
    admin = world.system.client()
    before = admin.get("/api/v1/venues", limit=1).json()["total"]
    good = venue_body()
    for bad, field in [(dict(good, kind="palace"), "kind"), (dict(good, county="火星"), "county"),
                       (dict(good, seats=-1), "seats"), (dict(good, latitude=91), "latitude"),
                       (dict(good, seats="40"), "seats"), (dict(good, extra=1), "extra"),
                       (dict(good, host_union_id=999999), "host_union_id")]:
        assert field in error_of(admin.post("/api/v1/venues", bad), 422)["details"], field
    error_of(admin.post("/api/v1/venues", dict(good, name=library["venue"]["name"])), 409,
             "CONFLICT")
    for username in ("ua_power", "rev_ganzhou", "worker"):
        error_of(world.as_user(username).post("/api/v1/venues", good), 403, "FORBIDDEN")
        error_of(patch(world.as_user(username), "/api/v1/venues/%d" % library["venue"]["id"],
                       {"seats": 1}), 403, "FORBIDDEN")
    error_of(admin.get("/api/v1/venues/999999"), 404, "NOT_FOUND")
    error_of(admin.get("/api/v1/venues/99999999999999999999"), 404, "NOT_FOUND")
    error_of(admin.get("/api/v1/venues", host_union_id=99999999999), 422)
    error_of(admin.get("/api/v1/venues", county="甘州\x00区"), 422)
    error_of(admin.post("/api/v1/venues", dict(good, name="书屋\x00")), 422)
    error_of(patch(admin, "/api/v1/venues/999999", {"seats": 1}), 404, "NOT_FOUND")
    error_of(patch(admin, "/api/v1/venues/%d" % library["venue"]["id"], {}), 422)
    error_of(admin.post("/api/v1/venues/%d/close" % library["venue"]["id"], {"reason": " "}), 422)
    assert admin.get("/api/v1/venues", limit=1).json()["total"] == before


# holdings ------------------------------------------------------------------------------
def test_holdings_by_isbn_with_checksums(world, library):
    venue_id = library["venue"]["id"]
    staff = world.as_user("ua_power")   # the admin of the host union
    added = add_copies(staff, venue_id, ISBN10, copies=2, title="Experimental Physics")
    assert added["book"]["isbn"] == "9780306406157"
    assert [c["barcode"] for c in added["copies"]] == ["CM%08d" % c["id"] for c in added["copies"]]
    again = add_copies(staff, venue_id, "9780306406157", copies=1, barcodes=["GZ-0001"])
    assert again["book"]["id"] == added["book"]["id"]   # the catalogue entry is reused
    holdings = staff.get("/api/v1/venues/%d/holdings" % venue_id).json()
    physics = [b for b in holdings["items"] if b["isbn"] == "9780306406157"]
    assert physics[0]["copies"] == 3 and physics[0]["available"] == 3
    found = world.as_user("reader_a").get("/api/v1/books", isbn="0306406152").json()
    assert found["total"] == 1 and found["items"][0]["title"] == "Experimental Physics"

    admin = world.system.client()
    path = "/api/v1/venues/%d/holdings" % venue_id
    for bad, field in [({"isbn": "978-7-02-000220-8", "title": "x"}, "isbn"),
                       ({"isbn": "0-306-40615-3"}, "isbn"),
                       ({"isbn": "9787111111111"}, "isbn"),
                       ({"isbn": "9787544253994"}, "title"),   # valid, not catalogued, no title
                       ({"isbn": ISBN13, "copies": 0}, "copies"),
                       ({"isbn": ISBN13, "copies": 2, "barcodes": ["A"]}, "barcodes")]:
        assert field in error_of(admin.post(path, bad), 422)["details"], bad
    error_of(admin.post(path, {"isbn": ISBN13, "title": "红楼梦", "barcodes": ["GZ-0001"]}),
             409, "CONFLICT")
    error_of(world.as_user("ua_school").post(path, {"isbn": ISBN13, "title": "红楼梦"}), 403,
             "FORBIDDEN")
    error_of(world.as_user("reader_a").post(path, {"isbn": ISBN13, "title": "红楼梦"}), 403,
             "FORBIDDEN")
    assert count_rows(world.system, "library", "copies", "barcode = 'A'") == 0
    book = admin.post("/api/v1/books", {"isbn": "9787544253994", "title": "百年孤独"})
    assert book.status_code == 201 and book.json()["isbn"] == "9787544253994"
    error_of(admin.post("/api/v1/books", {"isbn": "7-5442-5399-6", "title": "百年孤独"}), 409,
             "CONFLICT")   # the same book by its ISBN-10


# loans ---------------------------------------------------------------------------------
def test_a_worker_borrows_renews_and_returns(world, library):
    venue_id = library["venue"]["id"]
    copy = add_copies(world.system.client(), venue_id)["copies"][0]
    reader = world.as_user("reader_a")
    loan = reader.post("/api/v1/loans", {"copy_id": copy["id"], "venue_id": venue_id})
    assert loan.status_code == 201, loan.text
    loan = loan.json()
    assert loan["borrower_id"] == world.users["reader_a"]["id"] and loan["status"] == "open"
    assert loan["barcode"] == copy["barcode"] and loan["isbn"] == "9787020002207"
    assert loan["title"] == "红楼梦" and loan["renewals"] == 0 and loan["days_overdue"] == 0
    assert world.system.client().get("/api/v1/copies/%d" % copy["id"]).json()["status"] == "on_loan"

    # the copy cannot be lent twice at once, to anyone
    error_of(world.as_user("reader_b").post("/api/v1/loans", {"barcode": copy["barcode"]}),
             409, "CONFLICT")
    renewed = reader.post("/api/v1/loans/%d/renew" % loan["id"])
    assert renewed.status_code == 200 and renewed.json()["renewals"] == 1
    assert renewed.json()["due_on"] > loan["due_on"]
    assert reader.post("/api/v1/loans/%d/renew" % loan["id"]).status_code == 200
    error_of(reader.post("/api/v1/loans/%d/renew" % loan["id"]), 409, "CONFLICT")

    # only the borrower, the host union's staff or the city may return or read it
    error_of(world.as_user("reader_b").post("/api/v1/loans/%d/return" % loan["id"]), 403,
             "FORBIDDEN")
    error_of(world.as_user("reader_b").get("/api/v1/loans/%d" % loan["id"]), 403, "FORBIDDEN")
    error_of(world.as_user("ua_school").get("/api/v1/loans/%d" % loan["id"]), 403, "FORBIDDEN")
    assert world.as_user("ua_power").get("/api/v1/loans/%d" % loan["id"]).status_code == 200
    assert world.as_user("rev_ganzhou").get("/api/v1/loans/%d" % loan["id"]).status_code == 200
    error_of(world.as_user("rev_linze").get("/api/v1/loans/%d" % loan["id"]), 403, "FORBIDDEN")

    returned = reader.post("/api/v1/loans/%d/return" % loan["id"])
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"] == "returned" and returned.json()["returned_at"].endswith("Z")
    error_of(reader.post("/api/v1/loans/%d/return" % loan["id"]), 409, "CONFLICT")
    error_of(reader.post("/api/v1/loans/%d/renew" % loan["id"]), 409, "CONFLICT")
    # and now someone else may borrow it
    second = world.as_user("reader_b").post("/api/v1/loans", {"copy_id": copy["id"]})
    assert second.status_code == 201, second.text
    assert world.as_user("reader_b").post(
        "/api/v1/loans/%d/return" % second.json()["id"]).status_code == 200


def test_workers_see_only_their_own_loans_and_staff_record_loans(world, library):
    venue_id = library["venue"]["id"]
    staff = world.as_user("ua_power")
    copies = add_copies(staff, venue_id, copies=2)["copies"]
    mine = world.as_user("reader_a").post("/api/v1/loans", {"copy_id": copies[0]["id"]}).json()
    recorded = staff.post("/api/v1/loans", {"copy_id": copies[1]["id"],
                                            "borrower_id": world.users["reader_b"]["id"]})
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["borrower_username"] == "reader_b"
    assert recorded.json()["lent_by"] == "ua_power"

    own = world.as_user("reader_a").get("/api/v1/loans", status="open").json()
    assert own["total"] >= 1
    assert {l["borrower_id"] for l in own["items"]} == {world.users["reader_a"]["id"]}
    error_of(world.as_user("reader_a").get("/api/v1/loans",
                                           borrower_id=world.users["reader_b"]["id"]), 403,
             "FORBIDDEN")
    by_staff = staff.get("/api/v1/loans", status="open").json()
    assert {mine["id"], recorded.json()["id"]} <= {l["id"] for l in by_staff["items"]}
    assert world.as_user("ua_school").get("/api/v1/loans").json()["total"] == 0
    error_of(world.as_user("finance").get("/api/v1/loans"), 403, "FORBIDDEN")

    # staff need a worker to lend to; a worker cannot lend to another; other unions cannot
    error_of(staff.post("/api/v1/loans", {"copy_id": copies[0]["id"]}), 422)
    error_of(staff.post("/api/v1/loans", {"copy_id": copies[0]["id"],
                                          "borrower_id": world.users["finance"]["id"]}), 422)
    error_of(world.as_user("reader_a").post("/api/v1/loans", {
        "copy_id": copies[0]["id"], "borrower_id": world.users["reader_b"]["id"]}), 403,
        "FORBIDDEN")
    error_of(world.as_user("ua_school").post("/api/v1/loans", {
        "copy_id": copies[0]["id"], "borrower_id": world.users["reader_a"]["id"]}), 403,
        "FORBIDDEN")
    for loan in (mine, recorded.json()):
        assert staff.post("/api/v1/loans/%d/return" % loan["id"]).status_code == 200


def test_loan_bad_input_stores_nothing(world, library):
    reader = world.as_user("reader_a")
    before = count_rows(world.system, "library", "loans")
    error_of(reader.post("/api/v1/loans", {}), 422)
    error_of(reader.post("/api/v1/loans", {"copy_id": 1, "barcode": "X"}), 422)
    error_of(reader.post("/api/v1/loans", {"copy_id": 999999}), 422)
    error_of(reader.post("/api/v1/loans", {"barcode": "NOPE"}), 422)
    error_of(reader.post("/api/v1/loans", {"copy_id": "1"}), 422)
    copy = add_copies(world.system.client(), library["venue"]["id"])["copies"][0]
    other = world.system.client().post("/api/v1/venues", venue_body()).json()
    assert "venue_id" in error_of(reader.post("/api/v1/loans", {
        "copy_id": copy["id"], "venue_id": other["id"]}), 422)["details"]
    error_of(reader.get("/api/v1/loans/999999"), 404, "NOT_FOUND")
    error_of(reader.post("/api/v1/loans/999999/return"), 404, "NOT_FOUND")
    assert count_rows(world.system, "library", "loans") == before


def test_a_reader_has_at_most_five_books_out(world, library):
    admin = world.system.client()
    answer = admin.post("/api/v1/users", {"username": "reader_c", "password": PASSWORD,
                                          "role": "worker"})
    assert answer.status_code == 201
    reader = world.as_user("reader_c")
    copies = add_copies(admin, library["venue"]["id"], copies=6)["copies"]
    loans = [reader.post("/api/v1/loans", {"copy_id": c["id"]}) for c in copies[:5]]
    assert [l.status_code for l in loans] == [201] * 5
    error_of(reader.post("/api/v1/loans", {"copy_id": copies[5]["id"]}), 409, "CONFLICT")
    for loan in loans:
        assert reader.post("/api/v1/loans/%d/return" % loan.json()["id"]).status_code == 200


def test_moving_a_copy_keeps_its_loan_history(world, library):
    admin = world.system.client()
    home = library["venue"]["id"]
    elsewhere = admin.post("/api/v1/venues", venue_body(
        kind="model_worker_bookshelf", name=unique("劳模书架"),
        host_union_id=world.unions["power"]["id"])).json()
    copy = add_copies(admin, home)["copies"][0]
    reader = world.as_user("reader_a")
    loan = reader.post("/api/v1/loans", {"copy_id": copy["id"]}).json()
    error_of(admin.post("/api/v1/copies/%d/move" % copy["id"], {"venue_id": elsewhere["id"]}),
             409, "CONFLICT")   # on loan
    assert reader.post("/api/v1/loans/%d/return" % loan["id"]).status_code == 200

    moved = world.as_user("ua_power").post("/api/v1/copies/%d/move" % copy["id"],
                                           {"venue_id": elsewhere["id"], "reason": "充实劳模书架"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["venue_id"] == elsewhere["id"]
    assert moved.json()["moves"][0]["from_venue_id"] == home and moved.json()["loans"] == 1
    history = admin.get("/api/v1/loans", copy_id=copy["id"]).json()["items"]
    assert [l["id"] for l in history] == [loan["id"]] and history[0]["venue_id"] == home

    # borrowed at the new venue, returned at the old one: the copy goes back with it
    again = reader.post("/api/v1/loans", {"copy_id": copy["id"]}).json()
    assert again["venue_id"] == elsewhere["id"]
    back = reader.post("/api/v1/loans/%d/return" % again["id"], {"venue_id": home})
    assert back.status_code == 200 and back.json()["returned_venue_id"] == home
    detail = admin.get("/api/v1/copies/%d" % copy["id"]).json()
    assert detail["venue_id"] == home and detail["loans"] == 2 and len(detail["moves"]) == 2
    assert len(admin.get("/api/v1/loans", copy_id=copy["id"]).json()["items"]) == 2
    error_of(world.as_user("ua_school").post("/api/v1/copies/%d/move" % copy["id"],
                                             {"venue_id": elsewhere["id"]}), 403, "FORBIDDEN")
    # moving it where it is conflicts with its state (409), as moving one on loan does
    error_of(admin.post("/api/v1/copies/%d/move" % copy["id"], {"venue_id": home}), 409,
             "CONFLICT")


def test_a_closed_venue_lends_nothing_but_takes_books_back(world, library):
    admin = world.system.client()
    venue = admin.post("/api/v1/venues", venue_body(name=unique("共享职工书屋"),
                                                    kind="shared_book_house")).json()
    copies = add_copies(admin, venue["id"], copies=2)["copies"]
    reader = world.as_user("reader_a")
    loan = reader.post("/api/v1/loans", {"copy_id": copies[0]["id"]}).json()
    assert admin.post("/api/v1/venues/%d/close" % venue["id"],
                      {"reason": "社区服务中心改造"}).status_code == 200
    error_of(reader.post("/api/v1/loans", {"copy_id": copies[1]["id"]}), 409, "CONFLICT")
    error_of(admin.post("/api/v1/venues/%d/holdings" % venue["id"],
                        {"isbn": ISBN13, "title": "红楼梦"}), 409, "CONFLICT")
    assert reader.post("/api/v1/loans/%d/return" % loan["id"]).status_code == 200


def test_the_overdue_list(world, library):
    admin = world.system.client()
    copy = add_copies(admin, library["venue"]["id"])["copies"][0]
    reader = world.as_user("reader_b")
    loan = reader.post("/api/v1/loans", {"copy_id": copy["id"]}).json()
    # ten days past due: the only way to be overdue without waiting a month
    engine = create_engine(world.system.database_url("library"))
    with engine.begin() as conn:
        conn.execute(text("UPDATE loans SET due_on = due_on - 40 WHERE id = :i")
                     if "postgresql" in str(engine.url) else
                     text("UPDATE loans SET due_on = date(due_on, '-40 days') WHERE id = :i"),
                     {"i": loan["id"]})
    engine.dispose()
    overdue = world.as_user("ua_power").get("/api/v1/loans/overdue").json()
    mine = [l for l in overdue["items"] if l["id"] == loan["id"]]
    assert mine and mine[0]["status"] == "overdue" and mine[0]["days_overdue"] == 10
    assert world.as_user("rev_linze").get("/api/v1/loans/overdue").json()["total"] == 0
    error_of(reader.get("/api/v1/loans/overdue"), 403, "FORBIDDEN")
    assert [l["id"] for l in reader.get("/api/v1/loans", status="overdue").json()["items"]] == [
        loan["id"]]
    error_of(reader.post("/api/v1/loans/%d/renew" % loan["id"]), 409, "CONFLICT")
    assert reader.post("/api/v1/loans/%d/return" % loan["id"]).status_code == 200
    assert loan["id"] not in [l["id"] for l in admin.get("/api/v1/loans/overdue").json()["items"]]


def test_loans_are_counted_in_the_metrics(world, library):
    county_loans = world.system.metric("library", "cm_loans_total", {"county": "甘州区"})
    assert county_loans >= 1
    copy = add_copies(world.system.client(), library["venue"]["id"])["copies"][0]
    loan = world.as_user("reader_a").post("/api/v1/loans", {"copy_id": copy["id"]}).json()
    assert world.system.metric("library", "cm_loans_total", {"county": "甘州区"}) == county_loans + 1
    assert world.system.metric("library", "cm_venues",
                               {"kind": "book_house", "county": "甘州区", "status": "open"}) >= 1
    world.as_user("reader_a").post("/api/v1/loans/%d/return" % loan["id"])
