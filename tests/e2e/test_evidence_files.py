"""Evidence files over HTTP on real processes: what is taken and what is refused, what a
photo loses before others see it, who may read a file, the same photo filed twice, and
capture dates that do not fit the activity."""
import hashlib
import io
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from PIL import Image

from services.common.clock import local_today
from tests.support import files
from tests.support.world import activity_body

pytestmark = pytest.mark.one_backend  # the database plays no part here that differs

MIB = 1024 * 1024


def upload(client, data, filename="photo.jpg", headers=None):
    return client.session.post(client.base + "/api/v1/evidence",
                               files={"file": (filename, data, "application/octet-stream")},
                               headers=headers, timeout=60)


def uploaded(client, data, filename="photo.jpg"):
    answer = upload(client, data, filename)
    assert answer.status_code == 201, answer.text
    return answer.json()


def report_with(world, username, union, items, **overrides):
    answer = world.as_user(username).post(
        "/api/v1/activities", activity_body(world.unions[union]["id"], evidence=items,
                                            **overrides))
    return answer


def kept_blobs(system):
    root = Path(system.tmp_path) / "data" / "blobs"
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()) \
        if root.exists() else []


def test_photos_pdfs_are_taken_by_their_bytes_and_served_back(world):
    chair = world.as_user("ua_power")
    cases = [(files.photo(seed=11), "IMG_0001.pdf", "image/jpeg"),  # the name is not trusted
             (files.png(seed=11), "sheet.png", "image/png"),
             (files.webp(seed=11), "photo.webp", "image/webp"),
             (files.pdf("签到表 11"), "签到表.pdf", "application/pdf")]
    for data, name, content_type in cases:
        answer = uploaded(chair, data, name)
        assert answer["sha256"] == hashlib.sha256(data).hexdigest()
        assert (answer["content_type"], answer["size"], answer["filename"]) == (
            content_type, len(data), name)
        served = chair.get("/api/v1/evidence/%d" % answer["id"])
        assert served.status_code == 200, served.text
        assert served.headers["Content-Type"] == content_type
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        if content_type == "application/pdf":
            assert served.content == data
            assert chair.get("/api/v1/evidence/%d/thumbnail" % answer["id"]).status_code == 404
        else:
            Image.open(io.BytesIO(served.content)).load()  # a whole image of its type
            thumbnail = chair.get("/api/v1/evidence/%d/thumbnail" % answer["id"])
            assert thumbnail.headers["Content-Type"] == "image/jpeg"
            assert max(Image.open(io.BytesIO(thumbnail.content)).size) <= 320


def test_a_photo_loses_its_place_and_device_and_keeps_its_orientation_and_date(world):
    chair = world.as_user("ua_power")
    data = files.photo(width=640, height=480, orientation=6, taken="2026:10:01 10:30:00")
    _, original = files.read_exif(data)
    assert original.get_ifd(files.GPS_IFD) and original[files.MAKE] == "HUAWEI"  # as sent
    answer = uploaded(chair, data)
    assert answer["captured_on"] == "2026-10-01"
    assert (answer["width"], answer["height"]) == (480, 640)  # upright: turned by 90°
    image, exif = files.read_exif(chair.get("/api/v1/evidence/%d" % answer["id"]).content)
    assert not exif.get_ifd(files.GPS_IFD), "the location is gone"
    assert files.MAKE not in exif and files.MODEL not in exif, "the device is gone"
    assert files.BODY_SERIAL not in exif.get_ifd(files.EXIF_IFD)
    assert exif[files.ORIENTATION] == 6, "it is shown upright as before"
    assert exif.get_ifd(files.EXIF_IFD)[files.DATETIME_ORIGINAL] == "2026:10:01 10:30:00"
    assert image.size == (640, 480), "the image data itself is untouched (not re-encoded)"
    thumbnail = Image.open(io.BytesIO(
        chair.get("/api/v1/evidence/%d/thumbnail" % answer["id"]).content))
    assert thumbnail.size == (240, 320), "the thumbnail is upright"
    webp = uploaded(chair, files.webp(seed=12), "p.webp")
    _, webp_exif = files.read_exif(chair.get("/api/v1/evidence/%d" % webp["id"]).content)
    assert not webp_exif.get_ifd(files.GPS_IFD) and files.MODEL not in webp_exif


def test_other_files_are_refused_and_nothing_is_kept(world):
    chair = world.as_user("ua_power")
    before = kept_blobs(world.system)
    for data, name in [(files.gif(), "photo.jpg"), (files.zip_file(), "photos.zip"),
                       (files.html(), "photo.png")]:
        answer = upload(chair, data, name)
        assert answer.status_code == 415, answer.text
        assert answer.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
        assert "JPEG" in answer.json()["error"]["message"]  # in Chinese, naming the types
    not_multipart = chair.post("/api/v1/evidence", {"file": "x"})
    assert not_multipart.status_code == 415
    for data, field in [(b"", "file"), (files.photo(seed=13)[:3000], "file"),
                        (files.pdf()[:-60], "file")]:
        answer = upload(chair, data)
        assert answer.status_code == 422, answer.text
        assert field in answer.json()["error"]["details"]
    two = chair.session.post(chair.base + "/api/v1/evidence", timeout=30, files={
        "file": ("a.jpg", files.photo(seed=14)), "other": ("b.jpg", files.photo(seed=15))})
    assert two.status_code == 422 and "other" in two.json()["error"]["details"]
    assert kept_blobs(world.system) == before


def test_ten_mib_is_taken_and_one_byte_more_is_a_413(world):
    chair = world.as_user("ua_power")
    head = files.photo(seed=16)
    exactly = head + b"\0" * (10 * MIB - len(head))  # a JPEG may carry bytes after its end
    answer = uploaded(chair, exactly)
    assert answer["size"] == 10 * MIB
    over = upload(chair, exactly + b"\0")
    assert over.status_code == 413, over.text
    assert over.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"


def test_roles_that_may_not_report_may_not_upload(world):
    for username in ("rev_ganzhou", "finance", "worker", "ops"):
        answer = upload(world.as_user(username), files.photo(seed=17))
        assert answer.status_code == 403, (username, answer.text)
    anonymous = world.system.client().session
    anonymous.headers.pop("Authorization")
    answer = anonymous.post(world.system.gateway + "/api/v1/evidence", timeout=10,
                            files={"file": ("p.jpg", files.photo(seed=18))})
    assert answer.status_code == 401


def test_who_may_read_a_file_before_and_after_it_is_attached(world):
    chair = world.as_user("ua_power")
    file = uploaded(chair, files.photo(seed=19))
    path = "/api/v1/evidence/%d" % file["id"]
    others = {"ua_school": 404, "rev_ganzhou": 404, "rev_linze": 404, "finance": 404,
              "worker": 403, "ops": 403}  # the last two read no activity at all
    for username, status in others.items():  # not attached yet: its uploader's alone
        assert world.as_user(username).get(path).status_code == status, username
    assert world.system.client().get(path).status_code == 404
    assert chair.get(path).status_code == 200
    activity = report_with(world, "ua_power", "power", [
        {"kind": "photo", "evidence_id": file["id"]}]).json()
    readers = {"ua_power": 200, "rev_ganzhou": 200, "finance": 200, "ua_school": 404,
               "rev_linze": 404, "worker": 403, "ops": 403}
    for username, status in readers.items():
        assert world.as_user(username).get(path).status_code == status, username
        if status == 200:
            assert world.as_user(username).get(path + "/thumbnail").status_code == 200
    assert world.system.client().get(path).status_code == 200
    assert chair.get("/api/v1/evidence/999999").status_code == 404
    item = chair.get("/api/v1/activities/%d" % activity["id"]).json()["evidence"][0]
    assert item["evidence_id"] == file["id"] and item["sha256"] == file["sha256"]


def test_the_same_photo_filed_twice_is_shown_to_reviewers(world):
    data = files.photo(seed=20)
    first = uploaded(world.as_user("ua_power"), data)
    second = uploaded(world.as_user("ua_school"), data)  # another union, the same bytes
    power = report_with(world, "ua_power", "power", [
        {"kind": "photo", "evidence_id": first["id"]},
        {"kind": "sign_in_sheet", "url": "https://example.org/sheet.pdf"}]).json()
    school = report_with(world, "ua_school", "school", [
        {"kind": "photo", "evidence_id": second["id"]}]).json()
    path = "/api/v1/activities/%d"
    seen_by_reviewer = world.as_user("rev_ganzhou").get(path % power["id"]).json()
    assert seen_by_reviewer["evidence"][0]["also_in"] == [school["id"]]
    assert seen_by_reviewer["evidence"][1] == {
        "kind": "sign_in_sheet", "url": "https://example.org/sheet.pdf"}  # links as before
    assert world.as_user("rev_linze").get(path % school["id"]).json()[
        "evidence"][0]["also_in"] == [power["id"]]
    assert world.system.client().get(path % power["id"]).json()[
        "evidence"][0]["also_in"] == [school["id"]]
    for username, activity in (("ua_power", power), ("finance", power)):
        item = world.as_user(username).get(path % activity["id"]).json()["evidence"][0]
        assert "also_in" not in item and item["sha256"] == first["sha256"], username
    listed = world.as_user("rev_ganzhou").get("/api/v1/activities", union_id=power[
        "union_id"]).json()["items"]
    assert next(a for a in listed if a["id"] == power["id"])["evidence"][0]["also_in"] == [
        school["id"]]
    assert "also_in" not in world.as_user("ua_power").get("/api/v1/activities").json()[
        "items"][0]["evidence"][0]


def test_a_file_is_filed_once_and_only_by_its_uploader(world):
    file = uploaded(world.as_user("ua_power"), files.photo(seed=21))
    taken = report_with(world, "ua_power", "power", [
        {"kind": "photo", "evidence_id": file["id"]}])
    assert taken.status_code == 201
    again = report_with(world, "ua_power", "power", [
        {"kind": "photo", "evidence_id": file["id"]}])
    assert again.status_code == 422
    assert "evidence.0.evidence_id" in again.json()["error"]["details"]
    foreign = uploaded(world.as_user("ua_school"), files.photo(seed=22))
    for items in ([{"kind": "photo", "evidence_id": foreign["id"]}],
                  [{"kind": "photo", "evidence_id": 999999}],
                  [{"kind": "photo", "evidence_id": foreign["id"],
                    "url": "https://example.org/x.jpg"}]):
        answer = report_with(world, "ua_power", "power", items)
        assert answer.status_code == 422, answer.text


def test_two_reports_racing_for_one_file_attach_it_once(world):
    for round_ in range(5):
        file = uploaded(world.as_user("ua_power"), files.photo(seed=100 + round_))
        clients = [world.as_user("ua_power") for _ in range(2)]
        statuses, barrier = [], threading.Barrier(2)

        def race(client):
            barrier.wait()
            statuses.append(client.post("/api/v1/activities", activity_body(
                world.unions["power"]["id"],
                evidence=[{"kind": "photo", "evidence_id": file["id"]}])).status_code)
        threads = [threading.Thread(target=race, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(statuses) == [201, 422], statuses


def test_capture_dates_far_from_the_activity_are_warned_of(world):
    held_on = local_today() - timedelta(days=5)
    early = held_on - timedelta(days=10)
    later = local_today() + timedelta(days=2)
    fits = held_on - timedelta(days=1)
    ids = {}
    for name, day in (("early", early), ("later", later), ("fits", fits)):
        ids[name] = uploaded(world.as_user("ua_power"), files.photo(
            seed=hash(name) % 200, taken=day.strftime("%Y:%m:%d 09:00:00")))["id"]
    activity = report_with(world, "ua_power", "power", [
        {"kind": "photo", "evidence_id": ids[name]} for name in ("early", "later", "fits")],
        held_on=held_on.isoformat()).json()
    items = world.as_user("rev_ganzhou").get("/api/v1/activities/%d" % activity[
        "id"]).json()["evidence"]
    assert [w["code"] for w in items[0]["warnings"]] == ["CAPTURED_LONG_BEFORE"]
    assert [w["code"] for w in items[1]["warnings"]] == ["CAPTURED_AFTER_REPORT"]
    assert items[2]["warnings"] == [] and items[2]["captured_on"] == fits.isoformat()
    assert "照片拍摄于" in items[0]["warnings"][0]["message"]


def test_a_returned_report_changes_its_files(world):
    chair = world.as_user("ua_power")
    first = uploaded(chair, files.photo(seed=30))
    second = uploaded(chair, files.photo(seed=31))
    activity = report_with(world, "ua_power", "power", [
        {"kind": "photo", "evidence_id": first["id"]}]).json()
    returned = world.as_user("rev_ganzhou").post(
        "/api/v1/activities/%d/return" % activity["id"], {"reason": "照片不清楚"})
    assert returned.status_code == 200
    body = activity_body(world.unions["power"]["id"],
                         evidence=[{"kind": "photo", "evidence_id": second["id"]}])
    body.pop("union_id")
    changed = chair.put("/api/v1/activities/%d" % activity["id"], body)
    assert changed.status_code == 200, changed.text
    assert [i["evidence_id"] for i in changed.json()["evidence"]] == [second["id"]]
    # the dropped file is its uploader's again, to file with another report
    again = report_with(world, "ua_power", "power", [
        {"kind": "photo", "evidence_id": first["id"]}])
    assert again.status_code == 201, again.text


def test_an_upload_repeated_with_its_idempotency_key_is_one_file(world):
    chair = world.as_user("ua_power")
    data = files.photo(seed=40)
    answers = [upload(chair, data, headers={"Idempotency-Key": "upload-40"})
               for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    other = upload(chair, files.photo(seed=41), headers={"Idempotency-Key": "upload-40"})
    assert other.status_code == 422


def test_many_chairs_upload_and_report_at_once(world):
    """Fifty uploads from ten phones at once, each then filed: every one stored whole."""
    results, errors = [], []

    def chair_morning(index):
        client = world.as_user("ua_power" if index % 2 else "ua_school")
        union = "power" if index % 2 else "school"
        try:
            for n in range(5):
                data = files.photo(width=800, height=600, seed=500 + index * 10 + n)
                answer = uploaded(client, data)
                assert answer["sha256"] == hashlib.sha256(data).hexdigest()
                activity = client.post("/api/v1/activities", activity_body(
                    world.unions[union]["id"],
                    evidence=[{"kind": "photo", "evidence_id": answer["id"]}]))
                assert activity.status_code == 201, activity.text
                results.append((client, answer["id"]))
        except AssertionError as exc:
            errors.append(exc)
    threads = [threading.Thread(target=chair_morning, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:3]
    assert len({file_id for _, file_id in results}) == 50
    for client, file_id in results[::7]:
        assert client.get("/api/v1/evidence/%d/thumbnail" % file_id).status_code == 200
    # ops see what is kept
    assert world.system.metric("activities", "cm_evidence_files", {"state": "attached"}) >= 50
    served = sum(len(client.get("/api/v1/evidence/%d" % file_id).content)
                 for client, file_id in results)
    assert world.system.metric("activities", "cm_evidence_stored_bytes",
                               {"state": "attached"}) >= served
