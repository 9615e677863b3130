"""No known password at the door: what the gateway refuses to start with, the random admin
password it makes instead, files under the data dir for their owner only, and a sign-in
lock that outlives the gateway process (it is kept in the database, for every replica)."""
import os
import stat
import subprocess
import sys

import pytest
import requests

from gateway.main import ADMIN_PASSWORD_FILE
from tests.support.system import ROOT, SERVICES

pytestmark = pytest.mark.one_backend  # the database plays no part here that differs


def refusal_of(tmp_path, **env):
    """The gateway's exit code and output when started with these settings (it refuses
    before it connects to anything)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CM_")}
    environ.update({"CM_DATA_DIR": str(tmp_path / "data"),
                    "CM_AMQP_URI": "amqp://guest:guest@127.0.0.1:1/none"}, **env)
    done = subprocess.run([sys.executable, "-m", "gateway"], cwd=ROOT, env=environ,
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout + done.stderr


@pytest.mark.parametrize("env, named", [
    ({"CM_ADMIN_PASSWORD": "CHANGE-ME-local-admin"}, "CM_ADMIN_PASSWORD"),
    ({"CM_ADMIN_PASSWORD": "admin-zhangye-2026"}, "CM_ADMIN_PASSWORD"),
    ({"CM_ADMIN_PASSWORD": "short"}, "CM_ADMIN_PASSWORD"),
    ({"CM_ADMIN_PASSWORD": "a-good-one-for-tests",
      "CM_JWT_SECRET": "CHANGE-ME-local-jwt-secret-at-least-32-characters-long"},
     "CM_JWT_SECRET"),
    ({"CM_ADMIN_PASSWORD": "a-good-one-for-tests", "CM_JWT_SECRET": "sixteen-chars-xx"},
     "CM_JWT_SECRET"),
])
def test_the_gateway_refuses_to_start_with_a_known_or_weak_secret(tmp_path, env, named):
    code, output = refusal_of(tmp_path, **env)
    assert code != 0
    assert "refusing to start" in output and named in output, output[-2000:]
    assert not (tmp_path / "data" / "gateway.db").exists()  # it did nothing first


def test_an_unset_admin_password_is_random_kept_for_the_owner_and_files_are_private(
        fresh_system):
    system = fresh_system({"CM_ADMIN_PASSWORD": ""})
    data = system.tmp_path / "data"
    kept = data / ADMIN_PASSWORD_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    password = kept.read_text().strip()
    assert len(password) >= 10 and password != "admin-zhangye-2026"
    assert str(kept.resolve()) in system.log_of("gateway")  # the log says where
    answer = requests.post(system.gateway + "/api/v1/auth/token", timeout=10,
                           json={"username": "admin", "password": password})
    assert answer.status_code == 200, answer.text
    for old_default in ("admin-zhangye-2026", "admin-password-for-tests"):
        assert requests.post(system.gateway + "/api/v1/auth/token", timeout=10, json={
            "username": "admin", "password": old_default}).status_code == 401

    made = [path for path in data.rglob("*") if path.is_file()]
    names = {path.name for path in made}
    assert {"gateway-jwt-secret", ADMIN_PASSWORD_FILE} <= names
    if system.postgres is None:
        assert {"%s.db" % name for name in SERVICES + ("gateway",)} <= names
    loose = {str(p.relative_to(data)): oct(stat.S_IMODE(p.stat().st_mode)) for p in made
             if stat.S_IMODE(p.stat().st_mode) & 0o077}
    assert loose == {}  # the processes run under umask 077

    # the sign-in lock lives in the database: a new gateway process still holds it
    url = system.gateway + "/api/v1/auth/token"
    for _ in range(10 - 2):  # the two old defaults above failed already
        assert requests.post(url, timeout=10, json={
            "username": "admin", "password": "not-the-password"}).status_code == 401
    system.kill("gateway")
    system.start("gateway")
    locked = requests.post(url, timeout=10, json={"username": "admin", "password": password})
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 1
