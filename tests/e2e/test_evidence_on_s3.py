"""Evidence files on S3-compatible object storage: the whole system pointed at a real
SeaweedFS (CM_S3_*), nothing written under the data dir's folder store. Uploads of every
accepted type, what a photo loses, who reads a file, the same photo filed twice, and the
sweep removing objects from the bucket."""
import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from tests.support import files
from tests.support.seaweed import seaweed  # noqa: F401  (the module's S3 server)
from tests.support.system import System
from tests.support.waiting import wait_for
from tests.support.world import activity_body, build_world

pytestmark = pytest.mark.one_backend  # the database plays no part here that differs


@pytest.fixture(scope="module")
def s3_system(seaweed, tmp_path_factory, backend):  # noqa: F811
    env = dict(seaweed.env(), CM_EVIDENCE_KEEP_UNATTACHED_SECONDS="3",
               CM_EVIDENCE_SWEEP_SECONDS="0.5")
    system = System(tmp_path_factory.mktemp("s3system"), backend, env).start()
    yield system
    system.stop()


@pytest.fixture(scope="module")
def s3_world(s3_system):
    return build_world(s3_system)


def objects(seaweed, prefix=""):  # noqa: F811
    pages = seaweed.client().get_paginator("list_objects_v2").paginate(
        Bucket=seaweed.bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", ()))


def upload(client, data, filename="photo.jpg"):
    return client.session.post(client.base + "/api/v1/evidence", timeout=60,
                               files={"file": (filename, data)})


def test_files_go_to_the_bucket_and_come_back_stripped(s3_world, seaweed):  # noqa: F811
    chair = s3_world.as_user("ua_power")
    cases = [(files.photo(seed=1), "a.jpg"), (files.png(seed=1), "b.png"),
             (files.webp(seed=1), "c.webp"), (files.pdf("s3"), "d.pdf")]
    answers = [upload(chair, data, name) for data, name in cases]
    assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
    # filed at once, so that the module's quick sweep (3 s) leaves them be
    filed = chair.post("/api/v1/activities", activity_body(
        s3_world.unions["power"]["id"], evidence=[
            {"kind": "photo", "evidence_id": a.json()["id"]} for a in answers]))
    assert filed.status_code == 201, filed.text
    for (data, name), answer in zip(cases, answers):
        assert answer.json()["sha256"] == hashlib.sha256(data).hexdigest()
        served = chair.get("/api/v1/evidence/%d" % answer.json()["id"])
        assert served.status_code == 200
        if name.endswith(".jpg"):
            _, exif = files.read_exif(served.content)
            assert not exif.get_ifd(files.GPS_IFD) and files.MAKE not in exif
            assert exif[files.ORIENTATION] == 6
            thumbnail = chair.get("/api/v1/evidence/%d/thumbnail" % answer.json()["id"])
            assert Image.open(io.BytesIO(thumbnail.content)).size == (240, 320)
        if name.endswith(".pdf"):
            assert served.content == data
    kept = objects(seaweed, "files/")
    assert len(kept) == 7  # four files, three thumbnails
    assert objects(seaweed, "staging/") == []
    folder = Path(s3_world.system.tmp_path) / "data" / "blobs"
    assert not folder.exists() or not any(p.is_file() for p in folder.rglob("*"))
    assert upload(chair, files.gif()).status_code == 415
    assert upload(chair, files.photo(seed=2)[:2000]).status_code == 422
    assert objects(seaweed, "staging/") == []


def test_readers_and_the_same_photo_twice_on_s3(s3_world):
    data = files.photo(seed=3)
    first = upload(s3_world.as_user("ua_power"), data).json()
    second = upload(s3_world.as_user("ua_school"), data).json()
    power = s3_world.as_user("ua_power").post("/api/v1/activities", activity_body(
        s3_world.unions["power"]["id"],
        evidence=[{"kind": "photo", "evidence_id": first["id"]}])).json()
    school = s3_world.as_user("ua_school").post("/api/v1/activities", activity_body(
        s3_world.unions["school"]["id"],
        evidence=[{"kind": "photo", "evidence_id": second["id"]}])).json()
    item = s3_world.as_user("rev_ganzhou").get("/api/v1/activities/%d" % power[
        "id"]).json()["evidence"][0]
    assert item["also_in"] == [school["id"]]
    path = "/api/v1/evidence/%d" % first["id"]
    for username, status in (("rev_ganzhou", 200), ("finance", 200), ("rev_linze", 404),
                             ("ua_school", 404), ("worker", 403)):
        assert s3_world.as_user(username).get(path).status_code == status, username


def test_the_sweep_removes_unattached_objects_from_the_bucket(s3_world, seaweed):  # noqa
    chair = s3_world.as_user("ua_power")
    lone = upload(chair, files.photo(seed=4)).json()
    kept_before = set(objects(seaweed, "files/"))
    wait_for(lambda: chair.get("/api/v1/evidence/%d" % lone["id"]).status_code == 404, 30,
             "the unattached upload to be removed")
    # every attached file of the earlier tests is still whole
    wait_for(lambda: len(set(objects(seaweed, "files/"))) <= len(kept_before) - 2, 30,
             "its file and thumbnail to leave the bucket")
    for activity in s3_world.system.client().get("/api/v1/activities").json()["items"]:
        for item in activity["evidence"]:
            if "evidence_id" in item:
                assert s3_world.system.client().get(
                    "/api/v1/evidence/%d" % item["evidence_id"]).status_code == 200
