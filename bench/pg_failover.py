"""The whole system on PostgreSQL through the loss of its primary (issue 21): approvals
streaming from several clients while the primary is killed (SIGKILL) and its synchronous
standby promoted behind the same endpoint (tests/support/pg_pair.py); then a
reconciliation.

    .venv/bin/python bench/pg_failover.py [--approvals 150] [--clients 4]

Prints the failover's steps, the write stall (the longest gap between two answered
approvals around it), the 503s answered meanwhile and the workers run again; then
lost/duplicated and the fund against the ledger. Exits 1 unless nothing was lost or
doubled. Needs root and Debian's PostgreSQL binaries (it runs them as postgres).
"""
import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.pg_pair import PgPair  # noqa: E402
from tests.support.season import SEASON_ENV, Disruption, run_season  # noqa: E402
from tests.support.stream import reconcile  # noqa: E402
from tests.support.system import SERVICES, Postgres, System  # noqa: E402
from tests.support.world import build_world  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=150)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp())
    pair = PgPair(scratch / "pair").start()
    system = System(scratch / "system", "postgres", SEASON_ENV,
                    postgres=Postgres(server=pair.server))
    try:
        system.start()
        failover = Disruption("primary", pair.fail_over)
        began = time.monotonic()
        stream = run_season(build_world(system), [failover], args.approvals, args.clients)
        print("%d approvals answered in %.1f s" % (len(stream.answered),
                                                    time.monotonic() - began))
        result = reconcile(stream, timeout=300)
        reruns = {name: system.log_of(name).count("running it again")
                  for name in SERVICES + ("gateway",)}
        print("failover steps (s): %s" % {k: round(v, 2) for k, v in failover.detail.items()})
        print("write stall %.2f s, %d × 503, workers run again: %s" % (
            failover.stall, failover.unavailable, reruns))
        print(json.dumps(result, ensure_ascii=False))
        whole = result["lost"] == 0 and result["duplicated"] == 0 \
            and result["doubled_notices"] == 0 \
            and result["fund_granted_fen"] == result["ledger_fen"] == result["decisions_fen"]
        sys.exit(0 if whole else 1)
    finally:
        system.stop()
        pair.stop()


if __name__ == "__main__":
    main()
