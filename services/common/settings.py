"""Every setting, with its type and default, in one place.

A process reads them once at start: the defaults below, then a YAML file named by
CM_CONFIG (if any), then CM_<NAME> variables. A value of the wrong type, an unknown key in
the file or an unknown CM_ variable stops the process with a message naming it: a
misspelt CM_RETRY_DELAY must not be silently ignored. CM_TEST_* belongs to the test suite.
"""
import dataclasses
import os
import sys
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import yaml

# The HTTP port of each process is the gateway's port plus this offset, so that two
# systems side by side need only different gateway ports.
ROOT_HINT = str(Path(__file__).resolve().parents[2])  # the checkout, for tools and tests
PORT_OFFSETS = {"gateway": 0, "activities": 1, "subsidies": 2, "library": 3, "notify": 4}
NOT_SETTINGS = {"CM_CONFIG"}  # variables read here that are not settings themselves
IGNORED_PREFIXES = ("CM_TEST_",)
COUNTIES = ["甘州区", "临泽县", "高台县", "山丹县", "民乐县", "肃南裕固族自治县"]


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class Settings:
    # the broker, the databases and where files go
    amqp_uri: str = "amqp://guest:guest@localhost:5672/"
    data_dir: str = "./var"
    database_url: Optional[str] = None  # a PostgreSQL server; each service gets its database
    gateway_port: int = 8000  # services listen on gateway_port + 1..4 for health and metrics
    http_port: Optional[int] = None  # this process's own port, instead of the offset above
    # the address the HTTP port listens on; unset: the gateway on every interface, the
    # services (health, metrics) on loopback only. Manifests set it for probes and scrapes.
    http_host: Optional[str] = None
    heartbeat: int = 30  # AMQP heartbeat seconds
    max_workers: int = 10  # concurrent workers per service, also the AMQP prefetch
    # sign-ins waiting for a password hash must not keep others from a worker
    gateway_max_workers: int = 64
    rpc_timeout: float = 5.0  # seconds before the gateway answers 503
    retry_delays: list[float] = field(default_factory=lambda: [1.0, 10.0, 60.0])
    outbox_sweep_seconds: float = 1.0  # how often the relay looks for rows a crash left
    quorum_queues: bool = False  # true on clustered brokers
    # files (evidence): S3-compatible object storage when an endpoint is set, else a
    # folder under data_dir (services.common.blobs)
    s3_endpoint: Optional[str] = None  # e.g. http://seaweedfs:8333
    s3_bucket: str = "culture-matrix"
    s3_access_key: Optional[str] = None
    s3_secret_key: Optional[str] = None
    s3_region: str = "us-east-1"
    evidence_keep_unattached_seconds: float = 86400.0  # an upload never attached: a day
    evidence_sweep_seconds: float = 3600.0  # how often unattached files are looked for
    evidence_processing_threads: int = 2  # images decoded at once (memory: ~50 MB each)
    # the domain
    timezone: str = "Asia/Shanghai"
    reporting_window_days: int = 90
    participants_factor: float = 1.0  # participants may not exceed members x this factor
    counties: list[str] = field(default_factory=lambda: list(COUNTIES))
    library_loan_days: int = 30
    library_renewal_days: int = 30
    library_max_renewals: int = 2
    library_max_open_loans: int = 5
    lecture_satisfaction_target: float = 0.95
    # the gateway: identity and limits
    token_ttl_seconds: int = 3600
    jwt_secret: Optional[str] = None  # generated into the data dir when unset
    rpc_signing_key: Optional[str] = None  # signs every RPC; kept in the data dir when unset
    admin_username: str = "admin"
    admin_password: Optional[str] = None  # unset: random, kept in the data dir (0600)
    demo: bool = True  # load the demo data at start
    rate_limit_per_user: str = "1200/60"  # requests/seconds per user and process; 0 = off
    rate_limit_per_address: str = "2400/60"
    oidc_issuer: Optional[str] = None  # an external identity provider, beside our tokens
    oidc_audience: Optional[str] = None
    oidc_jwks_url: Optional[str] = None
    oidc_username_claim: str = "preferred_username"
    # notify: email over SMTP
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_username: Optional[str] = None
    smtp_password: Optional[str] = None
    smtp_from: str = "职工文化服务矩阵 <noreply@culture-matrix.local>"
    smtp_timeout_seconds: float = 10.0
    # notify: deliveries (email and webhooks)
    delivery_max_attempts: int = 5
    delivery_backoff_seconds: float = 2.0  # 2, 4, 8, 16 ... between tries
    delivery_backoff_max_seconds: float = 600.0
    delivery_poll_seconds: float = 1.0
    delivery_concurrency: int = 10
    delivery_lease_seconds: float = 120.0  # a sender silent this long is presumed dead
    webhook_timeout_seconds: float = 5.0  # connect and read, each
    webhook_disable_after: int = 20  # consecutive failed tries; 0 = never disable
    webhook_allow_hosts: list[str] = field(default_factory=list)  # private host:port targets
    # notify: finance's daily digest of subsidy decisions (docs/notify.md): sent at this
    # local hour (0..23; 0 is the midnight that ends the day), covering the 24 hours
    # before it; the timer looks every so many seconds whether a digest is due
    finance_digest_hour: int = 18
    finance_digest_check_seconds: float = 60.0

    def host_of(self, process_name):
        if self.http_host:
            return self.http_host
        return "0.0.0.0" if process_name == "gateway" else "127.0.0.1"

    def port_of(self, process_name):
        if self.http_port is not None:
            return self.http_port
        return self.gateway_port + PORT_OFFSETS[process_name]

    def replace(self, **changes):
        return dataclasses.replace(self, **changes)


_HINTS = typing.get_type_hints(Settings)
FIELDS = {item.name: _HINTS[item.name] for item in dataclasses.fields(Settings)}


def load_settings(environ=None, **overrides):
    """The settings of this process; raises SettingsError naming what is wrong."""
    environ = os.environ if environ is None else environ
    values = {}
    if environ.get("CM_CONFIG"):
        values.update(_from_file(environ["CM_CONFIG"]))
    for variable, raw in environ.items():
        if not variable.startswith("CM_") or variable in NOT_SETTINGS \
                or variable.startswith(IGNORED_PREFIXES):
            continue
        name = variable[3:].lower()
        if name not in FIELDS:
            raise SettingsError("unknown setting %s (known: CM_ and one of %s)"
                                % (variable, ", ".join(sorted(FIELDS))))
        if raw == "":
            continue  # an empty variable means "the default", as in compose files
        values[name] = _parse_text(variable, raw, FIELDS[name])
    values.update(overrides)
    settings = Settings(**values)
    _check_broker_uri(settings.amqp_uri)
    return settings.replace(data_dir=str(Path(settings.data_dir).resolve()))


def broker_nodes(uri):
    """The node URIs of CM_AMQP_URI: one broker, or a cluster's nodes separated by `;`
    (kombu's failover alternates, tried in turn)."""
    return [part.strip() for part in uri.split(";") if part.strip()]


def _check_broker_uri(uri):
    nodes = broker_nodes(uri)
    if not nodes:
        raise SettingsError("CM_AMQP_URI is empty")
    for node in nodes:
        if not node.startswith(("amqp://", "amqps://")):
            raise SettingsError("CM_AMQP_URI: %r is not an amqp:// or amqps:// address "
                                "(a cluster's nodes are separated by ;)" % node.split("@")[-1])
    vhosts = {node.split("@")[-1].partition("/")[2] for node in nodes}
    if len(vhosts) > 1:
        raise SettingsError("CM_AMQP_URI: the nodes name different vhosts (%s); a cluster's "
                            "nodes share one" % ", ".join(sorted(vhosts)))


def settings_or_exit(environ=None):
    """load_settings for a process's main: a bad setting ends it with one clear line."""
    try:
        return load_settings(environ)
    except SettingsError as exc:
        sys.exit("culture matrix: %s" % exc)


def _from_file(path):
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle) or {}
    if not isinstance(document, dict):
        raise SettingsError("%s: expected a mapping of settings" % path)
    values = {}
    for name, value in document.items():
        if name not in FIELDS:
            raise SettingsError("%s: unknown setting %r" % (path, name))
        values[name] = _checked("%s: %s" % (path, name), value, FIELDS[name])
    return values


def _parse_text(label, raw, hint):
    """A CM_ variable's text as the setting's type."""
    inner, optional = _unwrap(hint)
    if optional and raw.lower() in ("null", "none"):
        return None
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        return [_parse_text(label, part.strip(), item)
                for part in raw.split(",") if part.strip()]
    if inner is bool:
        lowered = raw.strip().lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError("%s=%r: expected true or false" % (label, raw))
    if inner in (int, float):
        try:
            return inner(raw.strip())
        except ValueError:
            raise SettingsError("%s=%r: expected %s" % (label, raw, _word(inner))) from None
    return raw


def _checked(label, value, hint):
    """A value from the YAML file, checked against the setting's type."""
    inner, optional = _unwrap(hint)
    if value is None:
        if optional:
            return None
        raise SettingsError("%s: may not be empty" % label)
    if typing.get_origin(inner) is list:
        (item,) = typing.get_args(inner)
        if isinstance(value, str):
            return _parse_text(label, value, inner)
        if not isinstance(value, list):
            raise SettingsError("%s: expected a list" % label)
        return [_checked(label, part, item) for part in value]
    if inner is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if inner is str and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, inner) or (inner is int and isinstance(value, bool)):
        raise SettingsError("%s: expected %s, got %r" % (label, _word(inner), value))
    return value


def _unwrap(hint):
    args = typing.get_args(hint)
    if typing.get_origin(hint) is typing.Union and type(None) in args:
        return next(arg for arg in args if arg is not type(None)), True
    return hint, False


def _word(kind):
    return {int: "a whole number", float: "a number", str: "text", bool: "true or false"}[kind]


def nameko_config(process_name, settings):
    """The dict nameko's container reads; our Settings ride under the key CM."""
    return {
        "AMQP_URI": settings.amqp_uri,
        "WEB_SERVER_ADDRESS": "%s:%d" % (settings.host_of(process_name),
                                          settings.port_of(process_name)),
        "HEARTBEAT": settings.heartbeat,
        "max_workers": (settings.gateway_max_workers if process_name == "gateway"
                        else settings.max_workers),
        "serializer": "json",
        "CM": settings,
    }
