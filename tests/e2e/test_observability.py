"""After real traffic every process's /metrics has the series ops rely on, and they moved;
every log line is JSON, and one request's id appears in the logs of every service it touched."""
import json

import pytest
import requests

from tests.support.waiting import wait_for
from tests.support.world import activity_body

pytestmark = pytest.mark.one_backend  # the database plays no part here that differs

PROCESSES = ("gateway", "activities", "subsidies", "library", "notify")


def traffic(world, request_id):
    union_admin = world.as_user("ua_power")
    activity = union_admin.post("/api/v1/activities",
                                activity_body(world.unions["power"]["id"])).json()
    answer = world.as_user("rev_ganzhou").session.post(
        world.system.gateway + "/api/v1/activities/%d/approve" % activity["id"], json={},
        headers={"X-Request-ID": request_id}, timeout=10)
    assert answer.status_code == 200
    wait_for(lambda: [n for n in union_admin.get("/api/v1/notifications").json()["items"]
                      if n["event_type"].startswith("subsidy_")], 30, "the subsidy notice")
    return activity


def test_metrics_exist_and_moved_after_traffic(world):
    system = world.system
    traffic(world, "metrics-run")
    for name in PROCESSES:
        text = requests.get(system.url_of(name) + "/metrics", timeout=5).text
        assert "# TYPE cm_entrypoint_calls_total counter" in text, name
    assert system.metric("gateway", "cm_http_requests_total",
                         {"route": "/api/v1/activities/<int:activity_id>/approve",
                          "status": "200"}) >= 1
    assert system.metric("gateway", "cm_http_request_duration_seconds_count",
                         {"method": "POST"}) >= 1
    assert system.metric("activities", "cm_entrypoint_calls_total",
                         {"kind": "rpc", "name": "transition", "outcome": "ok"}) >= 1
    assert system.metric("activities", "cm_events_published_total",
                         {"event_type": "activity_approved"}) >= 1
    assert system.metric("subsidies", "cm_events_handled_total",
                         {"event_type": "activity_approved", "outcome": "ok"}) >= 1
    assert system.metric("subsidies", "cm_entrypoint_duration_seconds_count",
                         {"kind": "event"}) >= 1
    assert system.metric("subsidies", "cm_events_published_total") >= 1
    assert system.metric("notify", "cm_events_handled_total", {"outcome": "ok"}) >= 2
    text = requests.get(system.url_of("activities") + "/metrics", timeout=5).text
    for series in ("cm_outbox_pending", "cm_outbox_oldest_pending_age_seconds",
                   "cm_dead_letters_open", 'le="0.15"'):
        assert series in text, series
    wait_for(lambda: system.metric("activities", "cm_outbox_pending") == 0, 10,
             "the outbox to drain")


def test_logs_are_json_lines_carrying_the_request_id(world):
    system = world.system
    traffic(world, "trace-me-42")
    for name in ("gateway", "activities", "subsidies", "notify"):
        def traced():
            lines = [json.loads(line) for line in system.log_of(name).splitlines()
                     if line.startswith("{")]
            return [line for line in lines if line.get("correlation_id") == "trace-me-42"]
        found = wait_for(traced, 20, "trace-me-42 in the %s log" % name)
        assert all({"time", "level", "service", "message"} <= set(line) for line in found)
        assert found[0]["service"] == name
    for name in PROCESSES:
        for line in system.log_of(name).splitlines():
            if line.strip():
                json.loads(line)  # every line a JSON object


def test_every_series_the_dashboard_and_alerts_use_is_exported(world):
    """deploy/ is written against these names: a rename in code must fail here."""
    import re
    from pathlib import Path
    system = world.system
    traffic(world, "names-run")
    deploy = Path(__file__).resolve().parents[2] / "deploy"
    used = set()
    for path in (deploy / "grafana" / "culture-matrix.json", deploy / "prometheus" / "alerts.yml"):
        used |= set(re.findall(r"\bcm_[a-z_]+", path.read_text(encoding="utf-8")))
    exported = set()
    for name in PROCESSES:
        text = requests.get(system.url_of(name) + "/metrics", timeout=5).text
        exported |= set(re.findall(r"^(cm_[a-z_]+)", text, re.MULTILINE))
        for family, kind in re.findall(r"^# TYPE (cm_[a-z_]+) (\w+)", text, re.MULTILINE):
            exported.add(family)  # declared, even before its first labelled sample
            if kind == "histogram":
                exported |= {family + "_bucket", family + "_count", family + "_sum"}
    assert used and used <= exported, sorted(used - exported)
    for business in ("cm_activities", "cm_fund_remaining_ratio", "cm_funds_open",
                     "cm_subsidy_decisions_total", "cm_lecture_satisfaction_ratio"):
        assert business in exported
    assert system.metric("subsidies", "cm_subsidy_decisions_total") > 0
    assert system.metric("activities", "cm_activities", {"status": "approved"}) >= 1
