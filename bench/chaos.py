"""A chaos run anyone can repeat: approvals through the gateway while services and the
broker are killed and restarted at random; then a reconciliation.

    .venv/bin/python bench/chaos.py [--approvals 200] [--seed 7] [--backend sqlite|postgres]
                                    [--no-broker]

Prints approvals, decisions, notifications, lost, duplicated and the fund's figures
against the ledger; exits 1 unless lost and duplicated are both 0. It restarts the local
RabbitMQ (rabbitmqctl stop_app/start_app): don't run it beside other work on the broker.
"""
import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.stream import Stream, reconcile  # noqa: E402
from tests.support.system import SERVICES, System  # noqa: E402
from tests.support.waiting import wait_for  # noqa: E402
from tests.support.world import build_world  # noqa: E402

ENV = {"CM_RETRY_DELAYS": "0.5,1,2,4,8", "CM_RATE_LIMIT_PER_USER": "0",
       "CM_RATE_LIMIT_PER_ADDRESS": "0"}


def restart_broker():
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)


def chaos_monkey(system, stream, rng, log, stop, spare_broker):
    """Every second or so the next blow from a shuffled round that hits every service
    (SIGKILL and SIGTERM, restarted a moment later) and the broker, round after round."""
    blows = [(name, how) for name in SERVICES for how in (signal.SIGKILL, signal.SIGTERM)]
    if not spare_broker:
        blows += [("rabbitmq", None)] * 2
    round_ = []
    while not stop.wait(rng.uniform(0.5, 1.5)):
        if not round_:
            round_ = rng.sample(blows, len(blows))
        name, how = round_.pop()
        count = len(stream.activities)
        if name == "rabbitmq":
            restart_broker()
            log.append((count, "restart", "rabbitmq"))
            continue
        with system.lock:
            system.kill(name, how)
            log.append((count, how.name, name))
            stop.wait(rng.uniform(0.5, 3))
            system.start(name)
            log.append((count, "restart", name))


def diagnose(system, stream):
    """What is missing, and where it may be stuck: outboxes, dead letters, queues."""
    from sqlalchemy import create_engine, text
    decided = set()
    engine = create_engine(system.database_url("subsidies"))
    with engine.connect() as conn:
        decided = set(conn.execute(text("SELECT activity_id FROM subsidies")).scalars())
    engine.dispose()
    missing = sorted(set(stream.activities) - decided)
    print("missing decisions:", missing[:20], "of", len(missing))
    for service in SERVICES:
        engine = create_engine(system.database_url(service))
        with engine.connect() as conn:
            pending = conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()
            letters = conn.execute(text("SELECT queue, error FROM dead_letters")).all()
        engine.dispose()
        print(service, "outbox pending:", pending, "dead letters:", len(letters))
        for queue, error in letters[:3]:
            print("   ", queue, error.strip().splitlines()[-1][:300])
    print(subprocess.run(["rabbitmqctl", "-q", "list_queues", "-p", system.broker.vhost, "name",
                          "messages_ready", "messages_unacknowledged", "consumers"],
                         capture_output=True, text=True).stdout)
    for name, process in system.processes.items():
        state = "running" if process.poll() is None else "exited %s" % process.returncode
        print("== %s (%s), last lines of its log:" % (name, state))
        lines = [line for line in system.log_of(name).splitlines()
                 if line.strip() and set(line.strip()) != {"^"}]
        print("\n".join(lines[-15 if process.poll() is None else -60:]))


def dump_stacks(system, directory):
    """Every green thread's stack of each running service, into its log (SIGUSR1, see
    services/common/stacks.py), and the logs copied again."""
    for name, process in system.processes.items():
        if process.poll() is None:
            process.send_signal(signal.SIGUSR1)
    wait_for(lambda: all("green thread" in system.log_of(name)
                         for name, process in system.processes.items()
                         if process.poll() is None),
             10, "the stacks in the logs")
    shutil.copytree(Path(system.tmp_path) / "logs", directory, dirs_exist_ok=True)
    sockets = subprocess.run(["ss", "-tanp"], capture_output=True, text=True).stdout
    (Path(directory) / "sockets.txt").write_text(sockets)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--no-broker", action="store_true", help="leave the broker alone")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    log = []
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch), args.backend, ENV).start()
        try:
            world = build_world(system, budget="150000.00")  # runs out: declines count too
            stream = Stream(world)
            stop = threading.Event()
            monkey = threading.Thread(target=chaos_monkey,
                                      args=(system, stream, rng, log, stop, args.no_broker))
            started = time.monotonic()

            def revived(name):  # what supervisord does in a deployment (see docs)
                log.append((len(stream.activities), "exited on its own; restarted", name))
            try:
                with system.supervised(revived):
                    monkey.start()
                    try:
                        stream.push(args.approvals)
                    finally:
                        stop.set()
                        monkey.join()
                    result = reconcile(stream, timeout=120)
            except AssertionError:  # DeadlineExceeded is one too
                for entry in log:
                    print("after approval %d: %s %s" % entry)
                diagnose(system, stream)
                kept = shutil.copytree(Path(scratch) / "logs", Path(tempfile.mkdtemp(
                    prefix="chaos-seed%d-logs-" % args.seed)), dirs_exist_ok=True)
                dump_stacks(system, kept)
                print("every process's whole log is kept in", kept)
                raise
            result["seconds"] = round(time.monotonic() - started, 1)
        finally:
            system.stop()
    for entry in log:
        print("after approval %d: %s %s" % entry)
    print(json.dumps({"events": len(log), **result}, ensure_ascii=False))
    whole = (result["lost"] == 0 and result["duplicated"] == 0
             and result["fund_granted_fen"] == result["ledger_fen"] == result["decisions_fen"])
    print("lost=%d duplicated=%d fund_granted=%d ledger=%d decisions=%d -> %s" % (
        result["lost"], result["duplicated"], result["fund_granted_fen"], result["ledger_fen"],
        result["decisions_fen"], "OK" if whole else "BROKEN"))
    sys.exit(0 if whole else 1)


if __name__ == "__main__":
    main()
