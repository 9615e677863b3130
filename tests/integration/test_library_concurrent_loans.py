"""A copy is never lent twice at once, also when many readers ask at the same moment."""
import threading
import uuid

import pytest

from tests.support.events import count_rows
from tests.support.world import PASSWORD

READERS = 8


@pytest.fixture(scope="module")
def readers(world):
    admin = world.system.client()
    names = []
    for index in range(READERS):
        name = "racer%d" % index
        answer = admin.post("/api/v1/users", {"username": name, "password": PASSWORD,
                                              "role": "worker"})
        assert answer.status_code == 201, answer.text
        names.append(name)
    return [world.as_user(name) for name in names]


@pytest.fixture(scope="module")
def copies(world):
    admin = world.system.client()
    venue = admin.post("/api/v1/venues", {"name": "高台县职工书屋-%s" % uuid.uuid4().hex[:6],
                                          "kind": "book_house", "county": "高台县"})
    assert venue.status_code == 201, venue.text
    added = admin.post("/api/v1/venues/%d/holdings" % venue.json()["id"],
                       {"isbn": "9787020002207", "title": "红楼梦", "copies": 5})
    assert added.status_code == 201, added.text
    return added.json()["copies"]


def all_at_once(calls):
    """Run the calls in threads released together; their answers in order."""
    barrier = threading.Barrier(len(calls))
    answers = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        answers[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_requests_for_one_copy_make_exactly_one_loan(world, readers, copies):
    for copy in copies[:3]:
        answers = all_at_once([
            (lambda reader=reader: reader.post("/api/v1/loans", {"copy_id": copy["id"]}))
            for reader in readers])
        statuses = sorted(a.status_code for a in answers)
        assert statuses == [201] + [409] * (READERS - 1), [a.text for a in answers]
        assert all(a.json()["error"]["code"] == "CONFLICT" for a in answers
                   if a.status_code == 409)
        assert count_rows(world.system, "library", "loans",
                          "copy_id = :c AND returned_at IS NULL", {"c": copy["id"]}) == 1


def test_concurrent_returns_of_one_loan_return_it_once(world, readers, copies):
    copy = copies[3]
    reader = readers[0]
    loan = reader.post("/api/v1/loans", {"copy_id": copy["id"]})
    assert loan.status_code == 201, loan.text
    path = "/api/v1/loans/%d/return" % loan.json()["id"]
    answers = all_at_once([lambda: reader.post(path)] * 4)
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    again = readers[1].post("/api/v1/loans", {"copy_id": copy["id"]})
    assert again.status_code == 201, again.text


def test_a_repeated_idempotency_key_makes_one_loan(world, readers, copies):
    copy = copies[4]
    reader = readers[2]
    headers = {"Idempotency-Key": "loan-%s" % uuid.uuid4().hex}
    first = reader.post("/api/v1/loans", {"copy_id": copy["id"]}, headers=headers)
    second = reader.post("/api/v1/loans", {"copy_id": copy["id"]}, headers=headers)
    assert first.status_code == second.status_code == 201, (first.text, second.text)
    assert first.json() == second.json()
    assert count_rows(world.system, "library", "loans", "copy_id = :c", {"c": copy["id"]}) == 1
