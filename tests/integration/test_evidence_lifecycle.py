"""Evidence files over time and through failures, on real processes: an upload never
attached is removed after its day (here: two seconds), an attached one stays; an upload
whose service is down or whose gateway dies halfway leaves no visible file."""
import signal
import socket
from pathlib import Path

from tests.support import files
from tests.support.waiting import wait_for
from tests.support.world import activity_body, build_world

QUICK_SWEEP = {"CM_EVIDENCE_KEEP_UNATTACHED_SECONDS": "2", "CM_EVIDENCE_SWEEP_SECONDS": "0.5"}


def upload(client, data, filename="photo.jpg"):
    return client.session.post(client.base + "/api/v1/evidence", timeout=60,
                               files={"file": (filename, data)})


def blob_keys(system, prefix):
    root = Path(system.tmp_path) / "data" / "blobs"
    base = root / prefix
    return sorted(p.relative_to(root).as_posix() for p in base.rglob("*") if p.is_file()) \
        if base.exists() else []


def test_an_upload_never_attached_is_removed_after_its_day(fresh_system):
    system = fresh_system(QUICK_SWEEP)
    world = build_world(system)
    chair = world.as_user("ua_power")
    lone = upload(chair, files.photo(seed=1)).json()
    filed = upload(chair, files.photo(seed=2)).json()
    activity = chair.post("/api/v1/activities", activity_body(
        world.unions["power"]["id"], evidence=[{"kind": "photo", "evidence_id": filed["id"]}]))
    assert activity.status_code == 201, activity.text
    assert len(blob_keys(system, "files")) == 4  # two kept files, two thumbnails

    wait_for(lambda: chair.get("/api/v1/evidence/%d" % lone["id"]).status_code == 404,
             30, "the unattached upload to be removed")
    wait_for(lambda: len(blob_keys(system, "files")) == 2, 30, "its blobs to be removed")
    assert chair.get("/api/v1/evidence/%d" % filed["id"]).status_code == 200
    assert chair.get("/api/v1/evidence/%d/thumbnail" % filed["id"]).status_code == 200
    # a later edit that drops the file makes it unattached: then it goes too
    reviewer = world.as_user("rev_ganzhou")
    assert reviewer.post("/api/v1/activities/%d/return" % activity.json()["id"],
                         {"reason": "换一张照片"}).status_code == 200
    body = activity_body(world.unions["power"]["id"])
    body.pop("union_id")
    assert chair.put("/api/v1/activities/%d" % activity.json()["id"], body).status_code == 200
    wait_for(lambda: chair.get("/api/v1/evidence/%d" % filed["id"]).status_code == 404,
             30, "the detached file to be removed")
    wait_for(lambda: blob_keys(system, "files") == [], 30, "every blob to be removed")


def test_an_upload_while_the_service_is_down_leaves_nothing(fresh_system):
    system = fresh_system({"CM_RPC_TIMEOUT": "2"})
    world = build_world(system)
    chair = world.as_user("ua_power")
    system.kill("activities")
    answer = upload(chair, files.photo(seed=3))
    assert answer.status_code == 503, answer.text
    assert blob_keys(system, "staging") == [] and blob_keys(system, "files") == []
    assert list((Path(system.tmp_path) / "data" / "uploads").glob("*")) == []
    system.start("activities")
    again = upload(chair, files.photo(seed=3))
    assert again.status_code == 201, again.text


def test_a_gateway_killed_halfway_through_an_upload_leaves_no_visible_file(fresh_system):
    system = fresh_system()
    world = build_world(system)
    chair = world.as_user("ua_power")
    data = files.big_photo(2, seed=4)
    boundary = "cmboundary4"
    head = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.jpg\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n" % boundary).encode()
    tail = ("\r\n--%s--\r\n" % boundary).encode()
    request = ("POST /api/v1/evidence HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Authorization: %s\r\nContent-Type: multipart/form-data; boundary=%s\r\n"
               "Content-Length: %d\r\n\r\n" % (chair.session.headers["Authorization"],
                                              boundary, len(head) + len(data) + len(tail)))
    spool = Path(system.tmp_path) / "data" / "uploads"
    with socket.create_connection(("127.0.0.1", system.base_port), timeout=10) as conn:
        conn.sendall(request.encode() + head + data[:len(data) // 2])
        wait_for(lambda: any(p.stat().st_size > 0 for p in spool.glob("*.upload")), 30,
                 "the gateway to spool the first half")
        system.kill("gateway", signal.SIGKILL)
    assert blob_keys(system, "staging") == [] and blob_keys(system, "files") == []
    system.start("gateway")
    chair = world.as_user("ua_power")
    listed = chair.get("/api/v1/activities")
    assert listed.status_code == 200
    assert list(spool.glob("*.upload")) == [], "the restarted gateway cleared its spool"
    assert upload(chair, data).status_code == 201
