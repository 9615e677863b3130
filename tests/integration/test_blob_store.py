"""The blob store's contract, on a folder and on a real S3 server (SeaweedFS) alike.

Run under eventlet (`python -m tests`), as the services run: boto3 must work green.
"""
import hashlib
import io
import os
import socket
import urllib.parse
import uuid
from datetime import datetime, timedelta, timezone

import eventlet
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from eventlet import patcher

from services.common.blobs import CHUNK, BlobMissing, FolderStore, S3Store
from tests.support.seaweed import seaweed  # noqa: F401  the module's SeaweedFS
from tests.support.waiting import wait_for

MiB = 1024 * 1024


@pytest.fixture(params=["folder", "s3"])
def store(request, tmp_path):
    if request.param == "folder":
        return FolderStore(tmp_path / "blobs")
    server = request.getfixturevalue("seaweed")
    # a bucket of its own: what one test lists is what it put (the store makes it)
    return S3Store(server.endpoint, "t-%s" % uuid.uuid4().hex[:12], server.access_key,
                   server.secret_key, "us-east-1")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("source") / "big.bin"
    path.write_bytes(os.urandom(10 * MiB))
    return path


class Unseekable(io.RawIOBase):
    """A stream read once, as an upload being received; it raises past `fail_at` bytes."""

    def __init__(self, data, fail_at=None):
        self.data, self.at, self.fail_at = data, 0, fail_at

    def readable(self):
        return True

    def readinto(self, buffer):
        end = min(self.at + len(buffer), len(self.data))
        if self.fail_at is not None and end > self.fail_at:
            raise OSError("the source broke off at %d bytes" % self.at)
        buffer[:end - self.at] = self.data[self.at:end]
        count, self.at = end - self.at, end
        return count


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_a_10_mib_blob_goes_in_from_a_file_and_comes_back_whole(store, big_file):
    with open(big_file, "rb") as source:
        store.put_stream("files/ab/big", source)
    expected = sha256(big_file.read_bytes())
    assert sha256(store.read_bytes("files/ab/big")) == expected
    chunks = list(store.chunks("files/ab/big"))
    assert len(chunks) > 1 and max(map(len, chunks)) <= CHUNK  # streamed, not whole
    assert sha256(b"".join(chunks)) == expected
    assert store.size("files/ab/big") == 10 * MiB
    assert store.exists("files/ab/big")


def test_a_stream_that_cannot_seek_goes_in_too(store):
    data = os.urandom(3 * MiB)  # more than S3Store spools in memory
    store.put_stream("staging/upload", Unseekable(data))
    assert store.read_bytes("staging/upload") == data


def test_a_deleted_blob_is_gone_and_deleting_it_again_is_harmless(store):
    store.put_bytes("staging/a", b"photo")
    store.delete("staging/a")
    assert not store.exists("staging/a")
    with pytest.raises(BlobMissing):
        store.read_bytes("staging/a")
    store.delete("staging/a")


def test_an_overwrite_replaces_the_bytes_and_refreshes_modified_at(store):
    store.put_bytes("staging/a", b"first")
    first = store.modified_at("staging/a")
    assert abs(datetime.now(timezone.utc) - first) < timedelta(minutes=1)
    # S3's LastModified has whole seconds (SeaweedFS's too), so the next write must fall in
    # a later second for its time to differ
    wait_for(lambda: datetime.now(timezone.utc) >= first + timedelta(seconds=1), 3,
             "the clock to pass the first write's second")
    store.put_bytes("staging/a", b"second")
    assert store.read_bytes("staging/a") == b"second"
    assert store.modified_at("staging/a") > first
    assert dict(store.keys("staging/")) == {"staging/a": store.modified_at("staging/a")}


def test_keys_lists_only_what_starts_with_the_prefix(store):
    for key in ("staging/a", "staging/b/c", "stagingx/d", "files/ab/x", "files/ac/y",
                "files/b/z"):
        store.put_bytes(key, key.encode())
    assert {key for key, _ in store.keys("staging/")} == {"staging/a", "staging/b/c"}
    assert {key for key, _ in store.keys("files/a")} == {"files/ab/x", "files/ac/y"}
    assert list(store.keys("nothing/")) == []
    for key, modified in store.keys(""):
        assert modified == store.modified_at(key) and modified.tzinfo is not None


def test_a_missing_key_raises_blob_missing(store):
    for read in (store.read_bytes, store.chunks, store.size, store.modified_at):
        with pytest.raises(BlobMissing):
            read("files/no/such")  # chunks too, before any iteration
    assert not store.exists("files/no/such")


def test_a_source_that_breaks_off_halfway_leaves_no_blob(store):
    data = os.urandom(4 * MiB)
    store.put_bytes("staging/kept", b"the old bytes")
    for key in ("staging/new", "staging/kept"):
        with pytest.raises(OSError, match="broke off"):
            store.put_stream(key, Unseekable(data, fail_at=2 * MiB))
    assert not store.exists("staging/new")
    assert store.read_bytes("staging/kept") == b"the old bytes"
    assert [key for key, _ in store.keys("")] == ["staging/kept"]


# the folder ----------------------------------------------------------------------------
def test_the_folder_keeps_only_parts_that_the_sweep_removes(tmp_path):
    store = FolderStore(tmp_path / "blobs")
    with pytest.raises(OSError):
        store.put_stream("staging/new", Unseekable(os.urandom(MiB), fail_at=MiB // 2))
    parts = list((tmp_path / "blobs" / "tmp").iterdir())
    assert len(parts) == 1 and parts[0].suffix == ".part"
    store.sweep_temporary(0)
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []


def test_the_folder_refuses_a_key_that_escapes_it(tmp_path):
    store = FolderStore(tmp_path / "blobs")
    for key in ("../x", "files/../../x"):
        with pytest.raises(ValueError):
            store.put_stream(key, io.BytesIO(b"outside"))
        with pytest.raises(ValueError):
            store.put_bytes(key, b"outside")
        with pytest.raises(ValueError):
            store.read_bytes(key)
    assert not (tmp_path / "x").exists()
    assert list((tmp_path / "blobs" / "tmp").iterdir()) == []  # nothing written at all


# S3 ------------------------------------------------------------------------------------
def s3_store(seaweed, secret_key=None):  # noqa: F811  (the fixture, passed on)
    return S3Store(seaweed.endpoint, seaweed.bucket, seaweed.access_key,
                   secret_key or seaweed.secret_key, "us-east-1")


def test_s3_refuses_a_wrong_secret_and_an_unsigned_request(seaweed):  # noqa: F811
    key = "staging/%s" % uuid.uuid4().hex
    with pytest.raises(ClientError) as refused:
        s3_store(seaweed, secret_key="not-the-secret").put_bytes(key, b"x")
    assert refused.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    store = s3_store(seaweed)
    assert not store.exists(key)
    store.put_bytes(key, b"private")
    assert _raw(seaweed.endpoint, "GET /%s/%s" % (seaweed.bucket, key), {}) == 403


def test_s3_keeps_nothing_of_a_put_whose_body_is_cut_short(seaweed):  # noqa: F811
    store = s3_store(seaweed)
    key, new_key = ("staging/%s" % uuid.uuid4().hex for _ in range(2))
    store.put_bytes(key, b"the old bytes")
    data = os.urandom(2 * MiB)
    for target in (key, new_key):
        request = _request_of(store, target, data)
        # the connection ends after the headers (SeaweedFS stores an empty object then,
        # unless Content-MD5 says otherwise), or halfway through the body
        for sent in (0, MiB):
            status = _raw(store.endpoint, "PUT " + _path_of(request.url), request.headers,
                          data[:sent])
            assert 400 <= status < 600 and status != 403, (sent, status)  # 403: bad replay
        assert store.read_bytes(key) == b"the old bytes"
        assert not store.exists(new_key)
    # the same request whole is taken: what was refused was the cut, not the replay
    assert _raw(store.endpoint, "PUT " + _path_of(request.url), request.headers, data) == 200
    assert store.read_bytes(new_key) == data


def test_boto3_lets_the_hub_run_while_it_waits(seaweed, big_file):  # noqa: F811
    assert patcher.is_monkey_patched("socket"), "run the suite with `python -m tests`"
    store = s3_store(seaweed)
    store.ensure_bucket()

    def put():
        with open(big_file, "rb") as source:
            store.put_stream("staging/%s" % uuid.uuid4().hex, source)
    upload = eventlet.spawn(put)
    # if boto3 blocked the hub, this timeout could only fire once the upload had ended
    with eventlet.Timeout(0.01, False):
        upload.wait()
    assert not upload.dead, "the upload ended before the hub got control back"
    upload.wait()


def _request_of(store, key, data):
    """The request store.put_stream would send, caught (and answered) before it goes."""
    caught = []

    def catch(request, **_):
        caught.append(request)
        return AWSResponse(request.url, 200, {}, _NoBody())
    store.client.meta.events.register_first("before-send.s3.PutObject", catch)
    try:
        store.put_stream(key, io.BytesIO(data))
    finally:
        store.client.meta.events.unregister("before-send.s3.PutObject", catch)
    return caught[0]


def _path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


class _NoBody:
    def stream(self, **_):
        return iter(())


def _raw(endpoint, request_line, headers, body=b""):
    """The status of an HTTP request sent by hand: the body may be shorter than its
    Content-Length, as when the sender dies; the write side is closed after it."""
    address = urllib.parse.urlsplit(endpoint)
    lines = ["%s HTTP/1.1" % request_line, "Host: %s" % address.netloc]
    # no Expect: 100-continue, whose interim answer would pass for a refusal
    lines += ["%s: %s" % (name, value.decode() if isinstance(value, bytes) else value)
              for name, value in headers.items()
              if name.lower() not in ("host", "connection", "expect")]
    with socket.create_connection((address.hostname, address.port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines + ["Connection: close", "", ""])).encode() + body)
        conn.shutdown(socket.SHUT_WR)
        answer = b""
        while True:  # to the end: the server has finished with the request then
            piece = conn.recv(65536)
            if not piece:
                break
            answer += piece
    assert answer.startswith(b"HTTP/1.1 2") or answer.startswith(b"HTTP/1.1 4") \
        or answer.startswith(b"HTTP/1.1 5"), answer[:200]
    return int(answer.split(b" ", 2)[1])
