"""Benchmark of evidence uploads: the upload rate, and the gateway's memory against the
size of the files it takes (issue 17).

    .venv/bin/python -m bench.evidence_upload [--backend sqlite|postgres] [--uploads 50]
                                              [--clients 10] [--megabytes 5]
                                              [--small-megabytes 1]

Starts a whole system (real processes, a private vhost), makes a union admin
(tests.support.world.build_world), builds every photo before anything is timed
(tests.support.files.big_photo: JPEG noise, distinct bytes each), warms the upload path
with --clients small photos, then runs two phases in the same system, the small photos
first: --uploads photos of about --small-megabytes MiB, then --uploads of about
--megabytes MiB, each from --clients clients at once (POST /api/v1/evidence, multipart,
one part `file`; every answer must be a 201 with the file's SHA-256).

During each phase a thread reads VmRSS from /proc/<pid>/status of the gateway and of the
activities service (which decodes the images) every ~20 ms; VmHWM is read at the end of
the phase, after being reset to the current RSS at its start (/proc/<pid>/clear_refs 5)
where the kernel allows it. The gateway streams an upload to a spool file; if it held
whole files its peak growth would scale with the file size (10 clients x the size).

A phase's peak is the larger of the sampled peak and VmHWM (when it was reset), its growth
that peak less the RSS just before the phase. The small files go first: memory a phase
leaves behind (allocator caches) lifts the next one's "before", and a big phase run first
would leave room enough to hide what a small one needs; this way round what the small
files leave can hide at most their own share of the big phase's growth.
"""
import argparse
import hashlib
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import percentile  # noqa: E402
from tests.support import files  # noqa: E402
from tests.support.system import System  # noqa: E402
from tests.support.world import build_world  # noqa: E402

QUIET = {"CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"}
MIB = 1024 * 1024
SAMPLE_SECONDS = 0.02


def status_kib(pid, field):
    """A field of /proc/<pid>/status in KiB (VmRSS, VmHWM)."""
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def reset_peak(pid):
    """VmHWM back to the current RSS (Linux 4.0+, own processes); False if refused."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


class MemorySampler:
    """VmRSS of some processes every ~20 ms in a thread, from start() to stop()."""

    def __init__(self, pids):
        self.pids = pids
        self.before = {name: status_kib(pid, "VmRSS") for name, pid in pids.items()}
        self.reset = {name: reset_peak(pid) for name, pid in pids.items()}
        self.peak = dict(self.before)
        self.samples = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self):
        self.started = time.perf_counter()
        self.thread.start()
        return self

    def _run(self):
        while not self.done.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], status_kib(pid, "VmRSS"))
            self.samples += 1
            self.done.wait(SAMPLE_SECONDS)

    def stop(self):
        self.done.set()
        self.thread.join()
        seconds = time.perf_counter() - self.started
        hwm = {name: status_kib(pid, "VmHWM") for name, pid in self.pids.items()}
        peak = {name: max(self.peak[name], hwm[name]) if self.reset[name] else self.peak[name]
                for name in self.pids}
        return {name: {"before_mib": self.before[name] / 1024,
                       "peak_mib": peak[name] / 1024,
                       "peak_sampled_mib": self.peak[name] / 1024,
                       "vmhwm_mib": hwm[name] / 1024,
                       "hwm_reset": self.reset[name],
                       "growth_mib": (peak[name] - self.before[name]) / 1024}
                for name in self.pids}, {"samples": self.samples,
                                         "interval_ms": 1000 * seconds / max(1, self.samples)}


class Uploader:
    """POSTs a photo to /api/v1/evidence, one keep-alive session per client thread."""

    def __init__(self, base, token):
        self.url = base + "/api/v1/evidence"
        self.token = token
        self.sessions = {}
        self.lock = threading.Lock()

    def session(self):
        ident = threading.get_ident()
        with self.lock:
            if ident not in self.sessions:
                own = requests.Session()
                own.headers["Authorization"] = "Bearer " + self.token
                self.sessions[ident] = own
            return self.sessions[ident]

    def __call__(self, data, name):
        started = time.perf_counter()
        answer = self.session().post(self.url, files={"file": (name, data, "image/jpeg")},
                                     timeout=120)
        took = time.perf_counter() - started
        if answer.status_code != 201:
            raise AssertionError("%s: %d %s" % (name, answer.status_code, answer.text[:300]))
        if answer.json()["sha256"] != hashlib.sha256(data).hexdigest():
            raise AssertionError("%s: the answer's sha256 is not the file's" % name)
        return took

    def close(self):
        for own in self.sessions.values():
            own.close()


def upload_all(uploader, photos, clients):
    """Every photo from `clients` threads at once; (elapsed seconds, latencies)."""
    queue = list(enumerate(photos))
    lock = threading.Lock()
    latencies, errors = [], []

    def client():
        while True:
            with lock:
                if not queue:
                    return
                index, data = queue.pop(0)
            try:
                latencies.append(uploader(data, "IMG_%04d.jpg" % index))
            except Exception as exc:  # counted, reported, never hidden
                errors.append(exc)
    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise RuntimeError("%d of %d uploads failed, e.g. %s" % (len(errors), len(photos),
                                                                 errors[0]))
    return elapsed, latencies


def phase(system, uploader, photos, clients):
    pids = {"gateway": system.processes["gateway"].pid,
            "activities": system.processes["activities"].pid}
    sampler = MemorySampler(pids).start()
    try:
        elapsed, latencies = upload_all(uploader, photos, clients)
    finally:
        memory, sampling = sampler.stop()
    total = sum(len(data) for data in photos)
    return {"uploads": len(photos), "clients": clients,
            "mean_mib": total / len(photos) / MIB, "seconds": elapsed,
            "uploads_per_s": len(photos) / elapsed, "mib_per_s": total / MIB / elapsed,
            "p50_ms": 1000 * percentile(latencies, 0.50),
            "p95_ms": 1000 * percentile(latencies, 0.95),
            "memory": memory, "sampling": sampling}


def show(label, result):
    gateway, activities = result["memory"]["gateway"], result["memory"]["activities"]
    print("%s: %d uploads of %.2f MiB from %d clients in %.2f s" % (
        label, result["uploads"], result["mean_mib"], result["clients"], result["seconds"]))
    print("  %.2f uploads/s, %.1f MiB/s; latency p50 %.0f ms, p95 %.0f ms" % (
        result["uploads_per_s"], result["mib_per_s"], result["p50_ms"], result["p95_ms"]))
    for name, memory in (("gateway", gateway), ("activities", activities)):
        print("  %-10s RSS before %.1f MiB, peak %.1f MiB (sampled %.1f, VmHWM %.1f%s), "
              "growth %.1f MiB" % (
                  name, memory["before_mib"], memory["peak_mib"], memory["peak_sampled_mib"],
                  memory["vmhwm_mib"],
                  "" if memory["hwm_reset"] else " not reset: since the process began",
                  memory["growth_mib"]))
    print("  (%d memory samples, one every %.1f ms)" % (result["sampling"]["samples"],
                                                       result["sampling"]["interval_ms"]))
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--uploads", type=int, default=50)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--megabytes", type=float, default=5)
    parser.add_argument("--small-megabytes", type=float, default=1)
    args = parser.parse_args()

    began = time.perf_counter()
    # distinct bytes for every photo of both phases (a file is recognised by its bytes)
    small = [files.big_photo(args.small_megabytes, seed) for seed in range(1, args.uploads + 1)]
    big = [files.big_photo(args.megabytes, 1000 + seed) for seed in range(1, args.uploads + 1)]
    warm = [files.photo(seed=5000 + seed) for seed in range(args.clients)]
    print("photos built in %.1f s: %d of %.2f MiB, %d of %.2f MiB" % (
        time.perf_counter() - began, len(small), sum(map(len, small)) / len(small) / MIB,
        len(big), sum(map(len, big)) / len(big) / MIB), flush=True)

    print("load average before the system starts %s" % " ".join(
        "%.2f" % v for v in os.getloadavg()), flush=True)
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch), args.backend, QUIET).start()
        uploader = None
        try:
            world = build_world(system)
            token = world.as_user("ua_power").session.headers["Authorization"].split()[1]
            uploader = Uploader(system.gateway, token)
            upload_all(uploader, warm, args.clients)  # code paths and connections, not timed
            results = [("small", phase(system, uploader, small, args.clients)),
                       ("big", phase(system, uploader, big, args.clients))]
        finally:
            if uploader:
                uploader.close()
            system.stop()

    print("backend %s, %d clients" % (args.backend, args.clients))
    for label, result in results:
        show("%s photos" % label, result)
    (_, small_result), (_, big_result) = results
    grew_small = small_result["memory"]["gateway"]["growth_mib"]
    grew_big = big_result["memory"]["gateway"]["growth_mib"]
    size_ratio = big_result["mean_mib"] / small_result["mean_mib"]
    print("gateway peak growth: %.1f MiB with %.2f MiB files, %.1f MiB with %.2f MiB files "
          "(files %.1fx larger; %d clients holding whole files would add ~%.0f MiB more)" % (
              grew_small, small_result["mean_mib"], grew_big, big_result["mean_mib"],
              size_ratio, args.clients,
              args.clients * (big_result["mean_mib"] - small_result["mean_mib"])))
    print("total %.1f s; load average at the end %s (%d cores)" % (
        time.perf_counter() - began, " ".join("%.2f" % v for v in os.getloadavg()),
        os.cpu_count()))
    print("SUMMARY", {label: {k: round(v, 2) if isinstance(v, float) else v
                              for k, v in r.items() if k not in ("memory", "sampling")}
                      | {"gateway_growth_mib": round(r["memory"]["gateway"]["growth_mib"], 1),
                         "activities_peak_mib":
                             round(r["memory"]["activities"]["peak_mib"], 1)}
                      for label, r in results})


if __name__ == "__main__":
    main()
