"""Where files' bytes live: a blob store, never the broker.

Two stores with one interface: a folder (under CM_DATA_DIR, the embedded default) and
S3-compatible object storage (CM_S3_ENDPOINT). Keys are short paths ("files/ab/<sha256>",
"staging/<uuid>"); a file is written whole or not at all: the folder store writes to a
temporary name and renames it, an S3 PUT makes the object appear only once complete, so a
crash halfway leaves nothing that a key names.

A store is shared by the gateway (which streams an upload into staging and serves files)
and the activities service (which turns a staged upload into the files it keeps).
"""
import base64
import hashlib
import os
import shutil
import tempfile
import threading
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

CHUNK = 64 * 1024
SPOOL = 1024 * 1024  # what an S3 upload from an unseekable stream keeps in memory at most


class BlobMissing(KeyError):
    """No blob under that key."""


def content_key(sha256):
    """The key of a kept file: its bytes name it, so the same bytes are stored once."""
    return "files/%s/%s" % (sha256[:2], sha256)


def staging_key():
    return "staging/%s" % uuid.uuid4().hex


class FolderStore:
    """Blobs as files under root; the temporary names live under root/tmp (same
    filesystem, so that the rename is atomic)."""

    def __init__(self, root):
        self.root = Path(root)
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)

    def describe(self):
        return "folder %s" % self.root

    def _path(self, key):
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("a blob key names a path inside the store: %r" % key)
        return path

    def put_file(self, key, source_path):
        """Copy a local file in under key (atomically)."""
        with open(source_path, "rb") as source:
            self.put_stream(key, source)

    def put_bytes(self, key, data):
        target, temporary = self._path(key), self._temporary()
        with open(temporary, "wb") as out:
            out.write(data)
        self._publish(temporary, target)

    def put_stream(self, key, stream):
        target, temporary = self._path(key), self._temporary()  # a bad key writes nothing
        with open(temporary, "wb") as out:
            shutil.copyfileobj(stream, out, CHUNK)
        self._publish(temporary, target)

    def _temporary(self):
        return self.root / "tmp" / ("%s.part" % uuid.uuid4().hex)

    def _publish(self, temporary, target):
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)  # also refreshes the time of one that was there

    def read_bytes(self, key):
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def chunks(self, key):
        """The blob's bytes, a chunk at a time (opened now: a missing one raises here)."""
        try:
            handle = open(self._path(key), "rb")
        except FileNotFoundError:
            raise BlobMissing(key) from None
        return _file_chunks(handle)

    def size(self, key):
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError:
            raise BlobMissing(key) from None

    def exists(self, key):
        return self._path(key).exists()

    def delete(self, key):
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            pass

    def modified_at(self, key):
        try:
            stamp = self._path(key).stat().st_mtime
        except FileNotFoundError:
            raise BlobMissing(key) from None
        return datetime.fromtimestamp(stamp, timezone.utc)

    def keys(self, prefix):
        """(key, modified_at) of the blobs whose key starts with prefix ("staging/"): a
        string prefix, as S3 has it ("files/a" finds "files/ab/..."); the temporaries under
        tmp/ are no blobs."""
        folder = prefix.rpartition("/")[0]
        base = self._path(folder) if folder else self.root
        if not base.is_dir():
            return
        temporary = self.root / "tmp"
        for path in base.rglob("*"):
            key = path.relative_to(self.root).as_posix()
            if key.startswith(prefix) and temporary not in path.parents and path.is_file():
                yield key, datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)

    def sweep_temporary(self, older_than_seconds):
        """Remove what a crash left half written."""
        limit = time.time() - older_than_seconds
        for path in (self.root / "tmp").glob("*.part"):
            try:
                if path.stat().st_mtime < limit:
                    path.unlink()
            except FileNotFoundError:
                pass


def _file_chunks(handle):
    with handle:
        while True:
            chunk = handle.read(CHUNK)
            if not chunk:
                return
            yield chunk


class S3Store:
    """Blobs as objects of one bucket on an S3-compatible server (boto3)."""

    def __init__(self, endpoint, bucket, access_key, secret_key, region):
        import boto3
        from botocore.config import Config as BotoConfig
        self.bucket = bucket
        self.endpoint = endpoint
        self.client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key, region_name=region,
            config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 3},
                              connect_timeout=5, read_timeout=30,
                              # S3-compatible servers differ on the newer checksum headers
                              request_checksum_calculation="when_required",
                              response_checksum_validation="when_required"))
        self._bucket_checked = False
        self._lock = threading.Lock()

    def describe(self):
        return "s3 %s/%s" % (self.endpoint, self.bucket)

    def ensure_bucket(self):
        """Make the bucket when it is missing (a local server; production creates it)."""
        if self._bucket_checked:
            return
        from botocore.exceptions import ClientError
        with self._lock:
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError:
                try:
                    self.client.create_bucket(Bucket=self.bucket)
                except ClientError as exc:
                    if _code(exc) not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                        raise
            self._bucket_checked = True

    def put_file(self, key, source_path):
        with open(source_path, "rb") as source:
            self.put_stream(key, source)

    def put_bytes(self, key, data):
        self.ensure_bucket()
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data,
                               ContentMD5=_md5(data).decode())

    def put_stream(self, key, stream):
        """One PUT (a file up to 10 MiB; the object appears only once it is complete).

        The body goes with its Content-MD5: SeaweedFS (4.48) stores a PUT whose connection
        ends right after the headers as an empty object, signed payload hash or not, but
        refuses one whose body does not match its MD5. Signing and retrying read the body
        again, so a stream that cannot seek (an upload being read) is spooled first: up to
        SPOOL in memory, the rest in an unnamed temporary file."""
        self.ensure_bucket()
        body, md5 = _rewindable(stream)
        try:
            self.client.put_object(Bucket=self.bucket, Key=key, Body=body,
                                   ContentMD5=md5.decode())
        finally:
            if body is not stream:
                body.close()

    def read_bytes(self, key):
        return b"".join(self.chunks(key))

    def chunks(self, key):
        from botocore.exceptions import ClientError
        self.ensure_bucket()
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404"):
                raise BlobMissing(key) from None
            raise
        return answer["Body"].iter_chunks(CHUNK)

    def _head(self, key):
        from botocore.exceptions import ClientError
        self.ensure_bucket()
        try:
            return self.client.head_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _code(exc) in ("NoSuchKey", "404", "NotFound"):
                raise BlobMissing(key) from None
            raise

    def size(self, key):
        return self._head(key)["ContentLength"]

    def exists(self, key):
        try:
            self._head(key)
            return True
        except BlobMissing:
            return False

    def delete(self, key):
        self.ensure_bucket()
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def modified_at(self, key):
        return self._head(key)["LastModified"]

    def keys(self, prefix):
        self.ensure_bucket()
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"], item["LastModified"]

    def sweep_temporary(self, older_than_seconds):
        """Nothing to do: an interrupted PUT leaves no object."""


def _md5(data):
    return base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest())


def _rewindable(stream):
    """(a body that can be read again from its start, the base64 MD5 of what it holds)."""
    digest = hashlib.md5(usedforsecurity=False)
    if _seekable(stream):
        start = stream.tell()
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
        stream.seek(start)
        return stream, base64.b64encode(digest.digest())
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        for chunk in iter(lambda: stream.read(CHUNK), b""):
            digest.update(chunk)
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, base64.b64encode(digest.digest())


def _seekable(stream):
    try:
        return stream.seekable()
    except AttributeError:
        return hasattr(stream, "seek") and hasattr(stream, "tell")


def _code(exc):
    return str(exc.response.get("Error", {}).get("Code", ""))


def store_of(settings):
    """The store the settings name: S3 when an endpoint is configured, else the folder."""
    if settings.s3_endpoint:
        return S3Store(settings.s3_endpoint, settings.s3_bucket, settings.s3_access_key,
                       settings.s3_secret_key, settings.s3_region)
    return FolderStore(Path(settings.data_dir) / "blobs")
