"""schemathesis against the running gateway: no 5xx, no answer that breaks its own schema."""
import subprocess
import sys
from pathlib import Path

from tests.support.world import build_world

CHECKS = "not_a_server_error,response_schema_conformance,content_type_conformance"


def test_the_gateway_keeps_its_openapi_contract(fresh_system):
    system = fresh_system({"CM_RATE_LIMIT_PER_USER": "0", "CM_RATE_LIMIT_PER_ADDRESS": "0"})
    build_world(system)
    token = system.client().session.headers["Authorization"]
    schemathesis = Path(sys.executable).parent / "schemathesis"
    run = subprocess.run(
        [str(schemathesis), "run", system.gateway + "/api/v1/openapi.json",
         "--checks", CHECKS, "--max-examples", "25", "--generation-deterministic",
         "--phases", "examples,coverage,fuzzing", "--request-timeout", "10",
         "-H", "Authorization: %s" % token, "--no-color"],
        capture_output=True, text=True, timeout=900)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert "passed" in run.stdout.lower(), report
