"""The README's start command, as a person runs it: demo loaded, URL printed, a killed
service restarted, Ctrl-C stops everything, a second start duplicates nothing."""
import os
import signal
import subprocess
import threading

import pytest
import requests

from tests.support.system import ROOT, Broker, free_port_block
from tests.support.waiting import wait_for


class StartCommand:
    def __init__(self, env):
        self.lines = []
        self.process = subprocess.Popen([str(ROOT / "scripts" / "start")], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self):
        return "".join(self.lines)

    def interrupt(self):
        self.process.send_signal(signal.SIGINT)  # what Ctrl-C sends
        return self.process.wait(timeout=90)


@pytest.fixture
def start_env(tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("the start command is exercised once, on its default database")
    broker = Broker()
    port = free_port_block()
    env = dict(os.environ, CM_AMQP_URI=broker.uri, CM_DATA_DIR=str(tmp_path / "data"),
               CM_GATEWAY_PORT=str(port), CM_ADMIN_PASSWORD="start-test-password")
    yield env
    broker.delete()


def test_start_loads_the_demo_restarts_the_dead_and_stops_on_ctrl_c(start_env):
    gateway = "http://127.0.0.1:%s" % start_env["CM_GATEWAY_PORT"]
    first = StartCommand(start_env)
    try:
        wait_for(lambda: "Press Ctrl-C" in first.output(), 180, "the start command's welcome")
        out = first.output()
        assert gateway in out and "rev_ganzhou" in out and "county_reviewer" in out
        assert "start-test-password" in out and "curl" in out
        token = requests.post(gateway + "/api/v1/auth/token", timeout=10, json={
            "username": "admin", "password": "start-test-password"}).json()["access_token"]
        headers = {"Authorization": "Bearer " + token}
        unions = requests.get(gateway + "/api/v1/unions", headers=headers, timeout=10).json()
        assert unions["total"] == 19  # the city, six counties, a dozen grassroots unions
        funds = requests.get(gateway + "/api/v1/funds", headers=headers, timeout=10).json()
        assert [f["budget"] for f in funds["items"]] == ["232500.00"]

        notify_port = int(start_env["CM_GATEWAY_PORT"]) + 4
        before = _pid_listening(notify_port)
        os.kill(before, signal.SIGKILL)
        wait_for(lambda: _pid_listening(notify_port) not in (None, before), 60,
                 "supervisord to restart notify")
    finally:
        code = first.interrupt()
    assert code == 0
    assert _pid_listening(int(start_env["CM_GATEWAY_PORT"])) is None

    second = StartCommand(start_env)
    try:
        wait_for(lambda: "Press Ctrl-C" in second.output(), 180, "the second welcome")
        token = requests.post(gateway + "/api/v1/auth/token", timeout=10, json={
            "username": "admin", "password": "start-test-password"}).json()["access_token"]
        headers = {"Authorization": "Bearer " + token}
        assert requests.get(gateway + "/api/v1/unions", headers=headers,
                            timeout=10).json()["total"] == 19
        assert requests.get(gateway + "/api/v1/funds", headers=headers,
                            timeout=10).json()["total"] == 1
    finally:
        assert second.interrupt() == 0


def _pid_listening(port):
    """The pid of the process serving /healthz on the port, from its own answer."""
    try:
        requests.get("http://127.0.0.1:%d/healthz" % port, timeout=2)
    except requests.RequestException:
        return None
    out = subprocess.run(["ss", "-Htlnp", "sport = :%d" % port], capture_output=True,
                         text=True).stdout
    for part in out.split("pid=")[1:]:
        return int(part.split(",")[0])
    return None
