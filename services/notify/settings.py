"""Notify's settings: config/default.yml (the CM dict) first, then CM_* variables, then
these defaults, so that the service runs before the keys are added to the shared file."""
import os

import yaml

DEFAULTS = {
    # email over SMTP
    "smtp_host": "localhost",
    "smtp_port": 25,
    "smtp_security": "none",          # none | starttls | ssl
    "smtp_username": None,
    "smtp_password": None,
    "smtp_from": "职工文化服务矩阵 <noreply@culture-matrix.local>",
    "smtp_timeout_seconds": 10.0,
    # deliveries (email and webhooks)
    "delivery_max_attempts": 5,       # tries before a delivery is recorded as failed
    "delivery_backoff_seconds": 2.0,  # 2, 4, 8, 16 ... between tries
    "delivery_backoff_max_seconds": 600.0,
    "delivery_poll_seconds": 1.0,     # how often the worker looks for due deliveries
    "delivery_concurrency": 10,
    "delivery_lease_seconds": 120.0,  # a sender silent this long is presumed dead; retaken
    # webhooks
    "webhook_timeout_seconds": 5.0,   # connect and read, each
    "webhook_disable_after": 20,      # consecutive failed tries; 0 = never disable
    "webhook_allow_hosts": [],        # loopback/private hosts allowed as targets (SSRF guard)
}


def notify_settings(cm, environ=None):
    environ = os.environ if environ is None else environ
    result = {}
    for key, default in DEFAULTS.items():
        if cm.get(key) is not None:
            result[key] = cm[key]
            continue
        raw = environ.get("CM_" + key.upper())
        result[key] = default if raw in (None, "") else _parse(raw, default)
    if isinstance(result["webhook_allow_hosts"], str):
        result["webhook_allow_hosts"] = _parse(result["webhook_allow_hosts"], [])
    return result


def _parse(raw, default):
    if isinstance(default, list):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(default, str) or default is None:
        return raw
    return yaml.safe_load(raw)
