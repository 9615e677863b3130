"""Typed settings: one place for every type and default; a bad or unknown one stops the
process with a message that names it."""
import subprocess
import sys

import pytest

from services.common.settings import (ROOT_HINT, SettingsError, Settings, broker_nodes,
                                      load_settings)

def test_defaults_come_from_one_place():
    settings = load_settings({})
    assert settings.rpc_timeout == 5.0 and isinstance(settings.rpc_timeout, float)
    assert settings.retry_delays == [1.0, 10.0, 60.0]
    assert settings.max_workers == 10 and settings.quorum_queues is False
    assert settings.counties[0] == "甘州区" and len(settings.counties) == 6
    assert settings.smtp_port == 25 and settings.webhook_allow_hosts == []
    assert settings == load_settings({}, data_dir=Settings().data_dir)


def test_variables_are_read_as_their_types():
    settings = load_settings({"CM_RPC_TIMEOUT": "2.5", "CM_MAX_WORKERS": "4",
                              "CM_QUORUM_QUEUES": "true", "CM_RETRY_DELAYS": "1, 2,3",
                              "CM_WEBHOOK_ALLOW_HOSTS": "127.0.0.1:9000,hooks.local",
                              "CM_DATABASE_URL": "postgresql://x@h/db", "CM_HTTP_PORT": "",
                              "CM_TEST_BACKEND": "whatever", "CM_CONFIG": ""})
    assert settings.rpc_timeout == 2.5 and settings.max_workers == 4
    assert settings.quorum_queues is True and settings.retry_delays == [1.0, 2.0, 3.0]
    assert settings.webhook_allow_hosts == ["127.0.0.1:9000", "hooks.local"]
    assert settings.database_url == "postgresql://x@h/db" and settings.http_port is None


@pytest.mark.parametrize("variable, value, named", [
    ("CM_RPC_TIMEOUT", "abc", "CM_RPC_TIMEOUT='abc': expected a number"),
    ("CM_MAX_WORKERS", "1.5", "CM_MAX_WORKERS='1.5': expected a whole number"),
    ("CM_QUORUM_QUEUES", "maybe", "CM_QUORUM_QUEUES='maybe': expected true or false"),
    ("CM_RETRY_DELAYS", "1,x", "CM_RETRY_DELAYS='x': expected a number"),
    ("CM_RETRY_DELAY", "1", "unknown setting CM_RETRY_DELAY"),
])
def test_a_wrong_type_or_an_unknown_variable_is_refused_by_name(variable, value, named):
    with pytest.raises(SettingsError) as caught:
        load_settings({variable: value})
    assert named in str(caught.value)


def test_a_config_file_is_checked_like_the_variables(tmp_path):
    good = tmp_path / "good.yml"
    good.write_text("rpc_timeout: 3\ncounties: [甘州区]\nquorum_queues: true\n", encoding="utf-8")
    settings = load_settings({"CM_CONFIG": str(good), "CM_RPC_TIMEOUT": "4"})
    assert settings.rpc_timeout == 4.0 and settings.counties == ["甘州区"]
    assert settings.quorum_queues is True  # the variable wins over the file, the file over defaults
    bad = tmp_path / "bad.yml"
    bad.write_text("rpc_timout: 3\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown setting 'rpc_timout'"):
        load_settings({"CM_CONFIG": str(bad)})
    bad.write_text("max_workers: many\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="max_workers: expected a whole number"):
        load_settings({"CM_CONFIG": str(bad)})


def test_a_process_with_a_bad_setting_stops_at_start_naming_it(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CM_DATA_DIR": str(tmp_path), "CM_RPC_TIMEOUT": "abc"}
    done = subprocess.run([sys.executable, "-m", "services.activities"], cwd=ROOT_HINT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "CM_RPC_TIMEOUT='abc': expected a number" in done.stderr
    assert not (tmp_path / "activities.db").exists()  # stopped before touching anything


def test_a_cluster_uri_lists_its_nodes():
    uri = "amqp://u:p@127.0.0.1:5701/v;amqp://u:p@127.0.0.1:5702/v; amqp://u:p@h3:5672/v"
    settings = load_settings({"CM_AMQP_URI": uri})
    assert broker_nodes(settings.amqp_uri) == [
        "amqp://u:p@127.0.0.1:5701/v", "amqp://u:p@127.0.0.1:5702/v", "amqp://u:p@h3:5672/v"]


@pytest.mark.parametrize("uri, words", [
    ("amqp://u:p@h1:5672/v;h2:5672/v", "not an amqp://"),
    ("amqp://u:p@h1:5672/one;amqp://u:p@h2:5672/two", "different vhosts"),
    (" ; ", "empty"),
])
def test_a_bad_cluster_uri_is_named(uri, words):
    with pytest.raises(SettingsError) as caught:
        load_settings({"CM_AMQP_URI": uri})
    assert words in str(caught.value) and "CM_AMQP_URI" in str(caught.value)
    assert "u:p" not in str(caught.value)  # never the credentials


def test_reconnect_messages_name_the_nodes_without_credentials():
    from services.common.queue_consumers import nodes_without_credentials
    uri = ("amqp://gw:first-secret@10.0.0.1:5672/cm;amqp://gw:second-secret@10.0.0.2:5672/cm;"
           "amqps://gw:third-secret@broker-3/cm")
    shown = nodes_without_credentials(uri)
    assert shown == "10.0.0.1:5672/cm, 10.0.0.2:5672/cm, broker-3/cm"
    assert "secret" not in shown and "gw" not in shown
