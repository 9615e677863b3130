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
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.stream import Stream, reconcile  # noqa: E402
from tests.support.system import SERVICES, System  # noqa: E402
from tests.support.world import build_world  # noqa: E402

ENV = {"CM_RETRY_DELAYS": "0.5,1,2,4,8", "CM_RATE_LIMIT_PER_USER": "0",
       "CM_RATE_LIMIT_PER_ADDRESS": "0"}


def restart_broker():
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
    subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--no-broker", action="store_true", help="leave the broker alone")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    log = []
    with tempfile.TemporaryDirectory() as scratch:
        system = System(Path(scratch), args.backend, ENV).start()
        down = {}  # service -> approvals left until its restart
        try:
            world = build_world(system, budget="60000.00")  # runs out: declines count too

            def chaos(index):
                for name in list(down):
                    down[name] -= 1
                    if down[name] <= 0:
                        system.start(name)
                        log.append((index, "restart", name))
                        del down[name]
                roll = rng.random()
                if roll < 0.08:
                    name = rng.choice([s for s in SERVICES if s not in down])
                    how = rng.choice([signal.SIGKILL, signal.SIGTERM])
                    system.kill(name, how)
                    down[name] = rng.randint(1, 6)
                    log.append((index, how.name, name))
                elif roll < 0.10 and not args.no_broker:
                    restart_broker()
                    log.append((index, "broker restart", "rabbitmq"))
            started = time.monotonic()
            stream = Stream(world)
            stream.push(args.approvals, chaos)
            for name in list(down):
                system.start(name)
            result = reconcile(stream, timeout=300)
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
