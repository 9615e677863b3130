"""A PostgreSQL (15 here) primary, its streaming standby and a TCP proxy in front, on this
machine beside its main cluster, for failover tests (issue 21).

    pair = PgPair(tmp_path).start()
    Postgres(server=pair.server)   # tests/support/system.py: databases through the proxy
    pair.fail_over()               # the primary dies, the standby is promoted, the proxy
                                   # now leads to it; returns how long each step took
    pair.stop()                    # idempotent: in a finally or a fixture's teardown

Replication is synchronous by default (synchronous_standby_names = '*'): a commit
returns only once the standby has the WAL, so whatever a client saw committed survives
the failover. synchronous=False shows the asynchronous case (a commit may be lost).

Clusters run as the postgres OS user (we are root). Their files live in a short
directory under /tmp of their own (postgres must reach it, and a unix socket path has
at most 107 bytes; pytest's tmp_path is neither); stop() copies the server logs into
the given directory and removes the rest.
"""
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.system import free_port_block
from tests.support.tcp_proxy import ProxyProcess
from tests.support.waiting import wait_for


def _newest_bin():
    """Debian's newest installed PostgreSQL (15 on this machine), as scripts/lib.sh picks
    the version of the machine's cluster."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda path: int(path.parts[-3]) if path.parts[-3].isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


BIN = Path(os.environ.get("CM_PG_BIN") or _newest_bin())
OS_USER = "postgres"


def available():
    """Whether this machine can run a pair: the binaries, the postgres OS user, root."""
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        return False
    return (BIN / "initdb").exists() and os.geteuid() == 0


class PgPair:
    def __init__(self, directory, synchronous=True):
        self.directory = Path(directory)
        self.synchronous = synchronous
        self.root = None
        self.proxy = None
        self.primary_port = self.standby_port = self.proxy_port = None
        self.timings = {}
        self.promoted = False
        self._stopped = False

    # -- the parts ----------------------------------------------------------------------
    @property
    def server(self):
        """What tests/support/system.py's Postgres(server=...) takes (trust: no password)."""
        return "postgresql://postgres@127.0.0.1:%d" % self.proxy_port

    @property
    def primary_dir(self):
        return self.root / "primary"

    @property
    def standby_dir(self):
        return self.root / "standby"

    @property
    def current_port(self):
        """The port of the server the proxy leads to now."""
        return self.standby_port if self.promoted else self.primary_port

    def connect(self, port=None, database="postgres"):
        """A pg8000 DB-API connection, straight to a server (default: through the proxy)."""
        import pg8000.dbapi
        return pg8000.dbapi.connect(user="postgres", host="127.0.0.1", database=database,
                                    port=port or self.proxy_port, timeout=30)

    # -- start --------------------------------------------------------------------------
    def start(self):
        started = time.monotonic()
        self.directory.mkdir(parents=True, exist_ok=True)
        self.root = Path(tempfile.mkdtemp(prefix="cm-pgpair-"))
        shutil.chown(self.root, OS_USER, OS_USER)
        base = free_port_block(3)
        self.primary_port, self.standby_port, self.proxy_port = base, base + 1, base + 2
        try:
            self._timed("initdb", self._init_primary)
            self._timed("primary_start", lambda: self._pg_ctl("start", self.primary_dir))
            self._timed("basebackup", self._base_backup)
            self._timed("standby_start", lambda: self._pg_ctl("start", self.standby_dir))
            self._timed("streaming", self._wait_streaming)
            self.proxy = ProxyProcess(self.proxy_port, self.primary_port,
                                      log_path=self.directory / "tcp_proxy.log")
            self._timed("proxy", self.proxy.start)
        except BaseException:
            self.stop()
            raise
        self.timings["start_total"] = time.monotonic() - started
        print("PgPair started in %.2fs %s" % (self.timings["start_total"], self._shown()))
        return self

    def _init_primary(self):
        self._as_postgres(BIN / "initdb", "-D", self.primary_dir, "-U", "postgres",
                          "--auth=trust", "--encoding=UTF8", "--locale=C",
                          "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'", "port": self.primary_port,
            "unix_socket_directories": "'%s'" % self.root, "wal_level": "replica",
            "max_wal_senders": 5, "hot_standby": "on", "fsync": "off",
            "full_page_writes": "off", "shared_buffers": "16MB",
            "max_connections": 200,  # a whole system: five processes of a dozen each
            "wal_sender_timeout": "5s", "wal_receiver_status_interval": "1s",
            # the standby asks again soon after losing the primary (default 5 s)
            "wal_retrieve_retry_interval": "200ms",
            "synchronous_standby_names": "'*'" if self.synchronous else "''",
            "logging_collector": "off",
        }
        self._append_settings(self.primary_dir, settings)

    def _base_backup(self):
        self._as_postgres(BIN / "pg_basebackup", "-R", "-X", "stream", "-c", "fast",
                          "-D", self.standby_dir, "-h", "127.0.0.1",
                          "-p", self.primary_port, "-U", "postgres", "--no-sync")
        # Once promoted it has no standby of its own: waiting for one would hang commits.
        self._append_settings(self.standby_dir, {"port": self.standby_port,
                                                 "synchronous_standby_names": "''"})

    def _wait_streaming(self):
        def streaming():
            rows = self._query(self.primary_port,
                               "SELECT state, sync_state FROM pg_stat_replication")
            return rows and rows[0][0] == "streaming"
        wait_for(streaming, timeout=60, what="the standby streaming from the primary")

    # -- fail over ----------------------------------------------------------------------
    def fail_over(self):
        """The primary dies (SIGKILL to the postmaster, then to what is left of the
        server, as when its machine goes); every connection through the proxy drops;
        the standby is promoted; the proxy leads to it. Returns the timings (seconds)."""
        steps, started = {}, time.monotonic()

        def step(name, action):
            began = time.monotonic()
            action()
            steps[name] = time.monotonic() - began
        step("kill_primary", self._kill_primary)
        step("drop_connections", self.proxy.kill)
        step("promote", lambda: self._pg_ctl("promote", self.standby_dir))
        step("writable", self._wait_writable)
        self.promoted = True
        step("proxy_to_standby", lambda: self.proxy.retarget(self.standby_port))
        steps["total"] = time.monotonic() - started
        self.timings["fail_over"] = steps
        print("PgPair failed over in %.2fs %s" % (steps["total"], _rounded(steps)))
        return steps

    def _kill_primary(self):
        pid = int((self.primary_dir / "postmaster.pid").read_text().split()[0])
        os.kill(pid, signal.SIGKILL)
        self._kill_leftovers(self.primary_dir)

    def _wait_writable(self):
        wait_for(lambda: self._query(self.standby_port, "SELECT pg_is_in_recovery()")
                 == [[False]], timeout=60, what="the promoted standby to leave recovery")

    def wait_replayed(self, timeout=30):
        """Until the standby has replayed everything the primary has written so far."""
        target = self._query(self.primary_port, "SELECT pg_current_wal_lsn()")[0][0]
        wait_for(lambda: self._query(
            self.standby_port, "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn",
            (target,))[0][0], timeout=timeout, what="the standby to replay %s" % target)

    # -- stop ---------------------------------------------------------------------------
    def stop(self):
        if self._stopped:
            return
        self._stopped = True
        if self.proxy:
            self.proxy.kill()
        if self.root is None:
            return
        for data_dir in (self.standby_dir, self.primary_dir):
            if (data_dir / "postmaster.pid").exists():
                self._pg_ctl("stop", data_dir, "-m", "immediate", check=False)
            self._kill_leftovers(data_dir)
        for log in self.root.glob("*.log"):
            shutil.copy(log, self.directory / log.name)
        shutil.rmtree(self.root, ignore_errors=True)

    def _kill_leftovers(self, data_dir):
        """Every process still working in data_dir (a postmaster's children outlive it
        for a moment), SIGKILLed and waited for."""
        def leftovers():
            return [pid for pid in _pids_in(data_dir) if _alive(pid)]
        for pid in leftovers():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_for(lambda: not leftovers(), timeout=20, what="%s's processes to end" % data_dir)

    # -- helpers ------------------------------------------------------------------------
    def _pg_ctl(self, command, data_dir, *extra, check=True):
        log = self.root / ("%s.log" % data_dir.name)
        self._as_postgres(BIN / "pg_ctl", command, "-w", "-t", "60", "-D", data_dir,
                          *(("-l", log) if command == "start" else ()), *extra, check=check)

    def _as_postgres(self, *command, check=True):
        result = subprocess.run(["runuser", "-u", OS_USER, "--", *map(str, command)],
                                capture_output=True, text=True, timeout=120, cwd=self.root)
        if check and result.returncode != 0:
            raise RuntimeError("%s failed (%s): %s%s" % (
                Path(str(command[0])).name, result.returncode, result.stdout, result.stderr))
        return result

    def _query(self, port, sql, params=()):
        conn = self.connect(port=port)
        try:
            cursor = conn.cursor()
            cursor.execute(sql, params)
            return [list(row) for row in cursor.fetchall()]
        finally:
            conn.close()

    @staticmethod
    def _append_settings(data_dir, settings):
        lines = "".join("%s = %s\n" % item for item in settings.items())
        with open(data_dir / "postgresql.conf", "a") as conf:
            conf.write("\n# tests/support/pg_pair.py\n" + lines)

    def _timed(self, name, action):
        began = time.monotonic()
        action()
        self.timings[name] = time.monotonic() - began

    def _shown(self):
        return _rounded({k: v for k, v in self.timings.items() if not isinstance(v, dict)})


def _rounded(timings):
    return {name: round(value, 2) for name, value in timings.items()}


def _pids_in(data_dir):
    """PIDs whose working directory is data_dir (a PostgreSQL server chdirs there)."""
    target = os.path.realpath(data_dir)
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.readlink("/proc/%s/cwd" % entry) == target:
                    pids.append(int(entry))
            except OSError:  # gone meanwhile, or not ours to read
                pass
    return pids


def _alive(pid):
    """Running and not a zombie (a killed child of ours waits to be reaped)."""
    try:
        with open("/proc/%d/stat" % pid) as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
