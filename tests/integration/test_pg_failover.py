"""The whole system on PostgreSQL through the loss of its primary, mid-season: a
synchronous streaming standby (tests/support/pg_pair.py) is promoted and the services
reach it through the same endpoint (a TCP proxy). Every worker that failed on the cut
connections runs again whole (services.common.rerun); the gateway answers 503 for its
own database meanwhile. Nothing lost, nothing doubled, the stall measured.

Runs in the PostgreSQL pass (CM_DATABASE_URL is what is tested).
"""
import pytest

from tests.integration.test_chaos import assert_whole
from tests.support import pg_pair
from tests.support.season import SEASON_ENV, Disruption, run_season
from tests.support.stream import reconcile
from tests.support.system import Postgres, System
from tests.support.world import build_world


@pytest.fixture
def pair(tmp_path, backend):
    if backend != "postgres":
        pytest.skip("a PostgreSQL failover: runs in the PostgreSQL pass")
    if not pg_pair.available():
        pytest.skip("needs Debian's PostgreSQL binaries, the postgres user and root")
    started = pg_pair.PgPair(tmp_path / "pair").start()
    yield started
    started.stop()


@pytest.mark.timeout(900)
def test_a_failover_mid_season_loses_and_doubles_nothing(pair, tmp_path):
    system = System(tmp_path / "system", "postgres", SEASON_ENV,
                    postgres=Postgres(server=pair.server))
    try:
        system.start()
        failover = Disruption("primary", pair.fail_over)
        stream = run_season(build_world(system), [failover], approvals=40, clients=4)
        assert_whole(reconcile(stream, timeout=240))
        reruns = sum(system.log_of(name).count("running it again")
                     for name in ("activities", "subsidies", "library", "notify"))
        print("failover %s: write stall %.2f s, %d × 503, %d reruns" % (
            {k: round(v, 2) for k, v in failover.detail.items()}, failover.stall,
            failover.unavailable, reruns))
        assert failover.stall is not None
    finally:
        system.stop()
