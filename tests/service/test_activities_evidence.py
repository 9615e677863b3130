"""The activities service's evidence entrypoints in-process, against a real database and
a real folder store: an upload staged by the gateway becomes a kept file (the staged
blob gone), a file that is not whole is refused and removed, and the sweep removes what
no activity took, keeping every blob that an attached file still names."""
import hashlib
from datetime import timedelta

import pytest

from services.activities.service import Service
from services.common.blobs import FolderStore, staging_key
from services.common.clock import local_today, utcnow
from services.common.errors import Invalid, NotFound
from tests.support import files
from tests.support.service_tier import ServiceDatabase


@pytest.fixture
def tier(tmp_path):
    tier = ServiceDatabase("activities", tmp_path)
    yield tier
    tier.close()


@pytest.fixture
def store(tmp_path):
    return FolderStore(tmp_path / "blobs")


@pytest.fixture
def service(tier, store):
    return tier.worker(Service, blobs=store)


@pytest.fixture
def union(service):
    city = service.create_union({"name": "市总工会", "level": "city", "county": "张掖市",
                                 "members": 10})
    county = service.create_union({"name": "甘州区总工会", "level": "county", "county": "甘州区",
                                   "parent_id": city["id"], "members": 100})
    return service.create_union({"name": "某厂工会", "level": "grassroots", "county": "甘州区",
                                 "parent_id": county["id"], "members": 50})


def staged(store, data, content_type="image/jpeg", filename="p.jpg"):
    key = staging_key()
    store.put_bytes(key, data)
    return {"staging_key": key, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
            "content_type": content_type, "filename": filename}


def report(service, union, file_id, actor="chair"):
    return service.report_activity({
        "union_id": union["id"], "title": "职工读书分享会", "category": "reading",
        "held_on": (local_today() - timedelta(days=1)).isoformat(), "participants": 10,
        "expenses": "100.00", "evidence": [{"kind": "photo", "evidence_id": file_id}]}, actor)


def blobs(store, prefix=""):
    return sorted(key for key, _ in store.keys(prefix))


def test_a_staged_upload_becomes_a_kept_file_and_leaves_staging(service, store):
    payload = staged(store, files.photo(seed=1))
    answer = service.register_evidence(payload, "chair")
    assert answer["sha256"] == payload["sha256"] and answer["activity_id"] is None
    assert blobs(store, "staging/") == []
    kept = service.evidence_file(answer["id"])
    assert store.exists(kept["stored_key"]) and store.exists(kept["thumbnail_key"])
    assert kept["uploaded_by"] == "chair"
    with pytest.raises(NotFound):
        service.evidence_file(999)


def test_a_file_that_is_not_whole_is_refused_and_removed(service, store):
    for data, content_type in [(files.photo(seed=2)[:2000], "image/jpeg"),
                               (files.pdf()[:-50], "application/pdf"), (b"", "image/png")]:
        payload = staged(store, data, content_type)
        with pytest.raises(Invalid) as refused:
            service.register_evidence(payload, "chair")
        assert "file" in refused.value.details
        assert not store.exists(payload["staging_key"])
    assert blobs(store, "files/") == []


def test_a_staged_blob_that_does_not_match_its_hash_is_refused(service, store):
    payload = staged(store, files.photo(seed=3))
    payload["sha256"] = "0" * 64
    with pytest.raises(Invalid):
        service.register_evidence(payload, "chair")


def test_the_sweep_removes_what_no_activity_took_and_keeps_the_rest(service, store,
                                                                     union):
    same = files.photo(seed=4)
    attached = service.register_evidence(staged(store, same), "chair")
    twin = service.register_evidence(staged(store, same), "other")  # the same bytes
    alone = service.register_evidence(staged(store, files.photo(seed=5)), "chair")
    report(service, union, attached["id"])
    leftover = staging_key()
    store.put_bytes(leftover, b"a crash left this")  # a gateway that died mid-upload
    kept = service.evidence_file(attached["id"])
    lone = service.evidence_file(alone["id"])

    assert service.remove_unattached() == 0  # nothing is a day old yet
    later = utcnow() + timedelta(days=1, seconds=5)
    # the blobs' own times must be past the cutoff too (they are "now"): the sweep looks
    # at a moment a day on
    assert service.remove_unattached(now=later) == 2  # twin and alone, not attached
    with pytest.raises(NotFound):
        service.evidence_file(twin["id"])
    with pytest.raises(NotFound):
        service.evidence_file(alone["id"])
    assert store.exists(kept["stored_key"]), "an attached file's bytes stay"
    assert store.exists(kept["thumbnail_key"])
    assert not store.exists(lone["stored_key"]) and not store.exists(lone["thumbnail_key"])
    assert not store.exists(leftover)
    assert service.evidence_file(attached["id"])["activity_id"] is not None
