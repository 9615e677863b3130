"""One broker user per process, each allowed only what its process does on its vhost.

The permissions are derived from the topology (services.common.topology and the events
registered by services.catalogue) and nameko's RPC naming:

- a service consumes its RPC queue `rpc-<service>` (bound to the `nameko-rpc` topic
  exchange with `<service>.*`) and publishes replies there; topic permissions let it
  publish only replies (a reply queue's routing key is a UUID), so no service can send
  another one a command;
- a producer publishes to its `<producer>.events` exchange only, and declares (and binds)
  the queues its events feed;
- a consumer declares, binds and reads its own event queues and their retry queues
  (`<queue>.retry.<delay>s`, reached through the default exchange: write on
  `amq.default`, which RabbitMQ cannot narrow to some queues; see deploy/README.md);
- the gateway and the tools declare their own reply queues (`rpc.reply-gateway-*`,
  `rpc.reply-standalone_rpc_proxy-*`) and may publish commands (`<service>.<method>`).

    python scripts/broker_users.py definitions VHOST [--secrets FILE]   # JSON to import
    python scripts/broker_users.py uris AMQP_URI [--secrets FILE]       # NAME=URI lines
    python scripts/broker_users.py placeholders    # deploy/'s local definitions (CHANGE-ME)

`definitions` prints a RabbitMQ definitions document (users with password hashes,
permissions, topic permissions) for `rabbitmqctl import_definitions`; the passwords live
in the secrets file (JSON, mode 0600), made once with random ones.
"""
import base64
import hashlib
import json
import os
import re
import secrets
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RPC_EXCHANGE = "nameko-rpc"
SERVICES = ("activities", "subsidies", "library", "notify")
CALLERS = {"gateway": "gateway", "tools": "standalone_rpc_proxy"}  # process: reply prefix
PROCESSES = SERVICES + tuple(CALLERS)
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
METHOD = r"[A-Za-z_][A-Za-z0-9_]*"
NOTHING = "^$"  # matches no exchange or queue name


def _any_of(names, suffix=""):
    names = sorted(set(names))
    if not names:
        return None
    return "(%s)%s" % ("|".join(re.escape(name) for name in names), suffix)


def _regex(parts):
    parts = [part for part in parts if part]
    return "^(%s)$" % "|".join(parts) if parts else NOTHING


def permissions(process):
    """{"configure", "write", "read", "topic": {exchange: {"write", "read"}}} of one
    process: regular expressions over exchange and queue names (and routing keys)."""
    import services.catalogue  # noqa: F401  every event and subscription registered
    from services.common.events import REGISTRY, queue_name
    from services.common.topology import queues_fed_by

    rpc = re.escape(RPC_EXCHANGE)
    if process in CALLERS:
        reply = r"rpc\.reply-%s-%s" % (re.escape(CALLERS[process]), UUID)
        own = [rpc, reply]
        write = [rpc, reply]  # the tools too: the demo year goes through the gateway now
        return {"configure": _regex(own), "write": _regex(write), "read": _regex(own),
                "topic": {RPC_EXCHANGE: {
                    "write": "^(%s)\\.%s$" % ("|".join(SERVICES), METHOD),
                    "read": "^%s$" % UUID}}}
    if process not in SERVICES:
        raise ValueError("unknown process %r" % process)
    specs = list(REGISTRY.values())
    produces = any(spec.producer == process for spec in specs)
    own_exchange = re.escape("%s.events" % process) if produces else None
    fed = [queue.name for queue in queues_fed_by(process)]
    consumed = [queue_name(process, spec.event_type) for spec in specs
                if process in spec.consumers]
    sources = ["%s.events" % spec.producer for spec in specs if process in spec.consumers]
    queue = re.escape("rpc-%s" % process)
    retries = _any_of(consumed, r"\.retry\.[0-9.]+s")
    configure = [rpc, queue, own_exchange, _any_of(fed), _any_of(consumed), retries,
                 _any_of(sources)]
    write = [rpc, queue, own_exchange, _any_of(fed), _any_of(consumed), retries,
             # retries and re-driven dead letters go through the default exchange
             r"amq\.default" if consumed else None]
    # declaring a queue that dead-letters (a retry queue) needs read on it too
    read = [rpc, queue, own_exchange, _any_of(consumed), retries, _any_of(sources)]
    return {"configure": _regex(configure), "write": _regex(write), "read": _regex(read),
            "topic": {RPC_EXCHANGE: {"write": "^%s$" % UUID,
                                     "read": "^%s\\.\\*$" % re.escape(process)}}}


def user_name(process, vhost):
    """Users are broker-wide: each vhost's users carry its name."""
    return "cm-%s" % process if vhost in ("/", "") else "%s-%s" % (vhost, process)


def password_hash(password):
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    salt = secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def load_passwords(path):
    """{process: password}, made once (random) and kept in `path`, readable by its owner."""
    path = Path(path)
    known = json.loads(path.read_text()) if path.exists() else {}
    if all(process in known for process in PROCESSES):
        return known
    for process in PROCESSES:
        known.setdefault(process, secrets.token_urlsafe(24))
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
                         0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(known, handle)
    os.replace(path.with_suffix(".tmp"), path)
    return known


def definitions(vhost, passwords, extra_users=()):
    """A definitions document for `rabbitmqctl import_definitions` (additive: it adds or
    updates these users and their permissions, and the vhost)."""
    users, grants, topics = [], [], []
    for process in PROCESSES:
        name = user_name(process, vhost)
        allowed = permissions(process)
        users.append({"name": name, "password_hash": password_hash(passwords[process]),
                      "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []})
        grants.append({"user": name, "vhost": vhost, "configure": allowed["configure"],
                       "write": allowed["write"], "read": allowed["read"]})
        for exchange, keys in allowed["topic"].items():
            topics.append({"user": name, "vhost": vhost, "exchange": exchange,
                           "write": keys["write"], "read": keys["read"]})
    for name, password in extra_users:  # e.g. the test suite's own all-powerful user
        users.append({"name": name, "password_hash": password_hash(password),
                      "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": []})
        grants.append({"user": name, "vhost": vhost, "configure": ".*", "write": ".*",
                       "read": ".*"})
    document = {"users": users, "vhosts": [{"name": vhost}], "permissions": grants,
                "topic_permissions": topics}
    document.update(quorum_definitions(vhost))
    return document


def quorum_definitions(vhost):
    """The quorum queues' policy and the dead-letter store it names
    (services.common.topology.QUORUM_POLICY): on a one-node broker with classic queues
    the policy applies to nothing, so it is always there and switching CM_QUORUM_QUEUES
    on needs no other broker change."""
    from services.common.topology import (DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE,
                                          QUORUM_POLICY)
    return {
        "policies": [{"vhost": vhost, "name": QUORUM_POLICY["name"],
                      "pattern": QUORUM_POLICY["pattern"],
                      "apply-to": QUORUM_POLICY["apply-to"],
                      "priority": QUORUM_POLICY["priority"],
                      "definition": dict(QUORUM_POLICY["definition"])}],
        "exchanges": [{"name": DEAD_LETTER_EXCHANGE, "vhost": vhost, "type": "fanout",
                       "durable": True, "auto_delete": False, "internal": False,
                       "arguments": {}}],
        "queues": [{"name": DEAD_LETTER_QUEUE, "vhost": vhost, "durable": True,
                    "auto_delete": False, "arguments": {"x-queue-type": "quorum"}}],
        "bindings": [{"source": DEAD_LETTER_EXCHANGE, "vhost": vhost,
                      "destination": DEAD_LETTER_QUEUE, "destination_type": "queue",
                      "routing_key": "", "arguments": {}}],
    }


def nodes_of(uri):
    """The node URIs of a CM_AMQP_URI: one, or a cluster's separated by `;`."""
    return [part.strip() for part in uri.split(";") if part.strip()]


def uri_for(base_uri, user, password, first=0):
    """base_uri (host, port, vhost; a cluster's nodes separated by `;`) with this user's
    credentials; a cluster's list starts at node `first`, so that the processes spread
    their connections over the nodes instead of all starting on the first one."""
    nodes = nodes_of(base_uri)
    first = first % len(nodes)
    return ";".join(_node_uri_for(node, user, password)
                    for node in nodes[first:] + nodes[:first])


def _node_uri_for(base_uri, user, password):
    parts = urlsplit(base_uri)
    host = parts.hostname or "localhost"
    netloc = "%s:%s@%s%s" % (quote(user, safe=""), quote(password, safe=""), host,
                             ":%d" % parts.port if parts.port else "")
    return urlunsplit((parts.scheme or "amqp", netloc, parts.path or "/", parts.query, ""))


def vhost_of(uri):
    from urllib.parse import unquote
    path = urlsplit(nodes_of(uri)[0]).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def uris(base_uri, passwords):
    vhost = vhost_of(base_uri)
    return {process: uri_for(base_uri, user_name(process, vhost), passwords[process], index)
            for index, process in enumerate(PROCESSES)}


PLACEHOLDER_ADMIN = ("culture_matrix", "CHANGE-ME-local-rabbitmq")


def placeholder_password(process):
    return "CHANGE-ME-local-rabbitmq-%s" % process


def placeholder_definitions():
    """The local broker's definitions in deploy/ (vhost "/"): the per-process users with
    the placeholder passwords of base/secret.yaml, and an administrator for the UI."""
    document = definitions("/", {process: placeholder_password(process)
                                 for process in PROCESSES})
    name, password = PLACEHOLDER_ADMIN
    document["users"].append({"name": name, "password_hash": password_hash(password),
                              "hashing_algorithm": "rabbit_password_hashing_sha256",
                              "tags": ["administrator"]})
    document["permissions"].append({"user": name, "vhost": "/", "configure": ".*",
                                    "write": ".*", "read": ".*"})
    return document


def main(argv):
    if argv[:1] == ["placeholders"]:
        print(json.dumps(placeholder_definitions(), indent=1))
        return
    if len(argv) < 2 or argv[0] not in ("definitions", "uris"):
        sys.exit(__doc__)
    secrets_file = "var/broker-users.json"
    if "--secrets" in argv:
        secrets_file = argv[argv.index("--secrets") + 1]
    passwords = load_passwords(secrets_file)
    if argv[0] == "definitions":
        print(json.dumps(definitions(argv[1], passwords), indent=1))
    else:
        for process, uri in uris(argv[1], passwords).items():
            print("%s=%s" % (process, uri))


if __name__ == "__main__":
    main(sys.argv[1:])
