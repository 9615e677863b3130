"""Settings from config/default.yml (or CM_CONFIG), overridden by CM_* variables.

Nothing here runs at import time: callers ask for a config when they start.
"""
import os
from pathlib import Path

import yaml

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "config" / "default.yml"

# The HTTP port of each process is the gateway's port plus this offset, so that two
# systems side by side need only different gateway ports.
PORT_OFFSETS = {"gateway": 0, "activities": 1, "subsidies": 2, "library": 3, "notify": 4}


def load_settings(environ=None):
    environ = os.environ if environ is None else environ
    path = environ.get("CM_CONFIG") or DEFAULT_FILE
    with open(path, encoding="utf-8") as handle:
        settings = yaml.safe_load(handle) or {}
    for key in list(settings):
        raw = environ.get("CM_" + key.upper())
        if raw is not None and raw != "":
            settings[key] = _parse(raw, settings[key])
    settings["admin_username"] = environ.get("CM_ADMIN_USERNAME") or "admin"
    settings["admin_password"] = environ.get("CM_ADMIN_PASSWORD") or "admin-zhangye-2026"
    settings["demo"] = environ.get("CM_DEMO", "1") != "0"
    settings["data_dir"] = str(Path(settings["data_dir"]).resolve())
    return settings


def _parse(raw, default):
    if isinstance(default, str) or default is None:
        return raw
    if isinstance(default, list):
        return [type(default[0])(part) if default else part
                for part in raw.split(",") if part.strip()]
    return yaml.safe_load(raw)


def http_port(service_name, settings, environ=None):
    environ = os.environ if environ is None else environ
    if environ.get("CM_HTTP_PORT"):
        return int(environ["CM_HTTP_PORT"])
    return int(settings["gateway_port"]) + PORT_OFFSETS[service_name]


def nameko_config(service_name, settings=None, environ=None):
    """The dict nameko's container reads, with our settings under the key CM."""
    settings = settings or load_settings(environ)
    return {
        "AMQP_URI": settings["amqp_uri"],
        "WEB_SERVER_ADDRESS": "0.0.0.0:%d" % http_port(service_name, settings, environ),
        "HEARTBEAT": settings["heartbeat"],
        "max_workers": settings["gateway_max_workers" if service_name == "gateway"
                                else "max_workers"],
        "serializer": "json",
        "CM": settings,
    }
