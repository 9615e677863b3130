"""Offline checks of the production overlay's operator objects (its NetworkPolicies are
test_deploy_network.py's).

The overlay declares the broker, the database and the monitoring for their operators
(RabbitMQ cluster + messaging topology operators, CloudNativePG, Prometheus operator).
kubernetes_validate knows none of their kinds, so every such object is validated here
against its CRD's openAPIV3Schema (deploy/k8s/crds/, README.md there names the
sources) with jsonschema, made strict: an API server prunes unknown fields of a custom
resource silently, so a misspelt field would be dropped without a word; here it fails.
Not checked: the CRDs' CEL rules (x-kubernetes-validations) and the operators' webhooks.

The values that exist elsewhere in Python or Prometheus form are compared with their
source (the quorum policy, the broker users' permissions, alerts.yml).
"""
import copy
import importlib.util
import json
import re
import sys

import jsonschema
import pytest

from tests.contracts.test_deploy import (DEPLOY, K8S_VERSION, NAMESPACE, PROCESSES,
                                         PROMETHEUS, ROOT, is_operator_kind, load_yaml,
                                         of_kind, ours, render)

CRDS = DEPLOY / "k8s" / "crds"
BROKER_LABELS = {"app.kubernetes.io/component": "rabbitmq"}  # + name: the cluster's name
EXPECTED_OPERATOR_KINDS = {
    "RabbitmqCluster", "Policy", "User", "Permission", "TopicPermission", "Exchange",
    "Queue", "Binding", "Cluster", "Pooler", "Database", "ServiceMonitor", "PrometheusRule"}


def python_sources():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))


# --------------------------------------------------------------------------- CRD schemas

def schema_file(doc):
    group, version = doc["apiVersion"].split("/")
    return CRDS / ("%s_%s_%s.json" % (group, doc["kind"], version))


def strict(schema):
    """The schema with unknown fields refused wherever the CRD lists the fields and does
    not ask to keep unknown ones (x-kubernetes-preserve-unknown-fields, or a map's
    additionalProperties)."""
    schema = copy.deepcopy(schema)

    def tighten(node):
        if isinstance(node, list):
            for item in node:
                tighten(item)
            return
        if not isinstance(node, dict):
            return
        if "properties" in node and "additionalProperties" not in node \
                and not node.get("x-kubernetes-preserve-unknown-fields"):
            if node.get("x-kubernetes-embedded-resource"):  # a whole object inside
                for field in ("apiVersion", "kind", "metadata"):
                    node["properties"].setdefault(field, {})
            node["additionalProperties"] = False
        for key in ("properties", "patternProperties"):
            for child in node.get(key, {}).values():
                tighten(child)
        for key in ("items", "additionalProperties", "not"):
            tighten(node.get(key))
        for key in ("allOf", "anyOf", "oneOf"):
            tighten(node.get(key, []))

    tighten(schema)
    return schema


def crd_errors(doc):
    """What the API server (strict) would refuse in doc, as 'path: message' lines."""
    path = schema_file(doc)
    if not path.exists():
        return ["no CRD schema %s" % path.name]
    schema = strict(json.loads(path.read_text()))
    validator = jsonschema.Draft7Validator(schema)
    errors = ["%s: %s" % (".".join(map(str, error.absolute_path)) or "(top)", error.message)
              for error in validator.iter_errors(doc)]
    return errors + metadata_errors(doc["metadata"])


def metadata_errors(metadata):
    """A custom resource's metadata is an ObjectMeta, which the CRD schema leaves open:
    check it strictly as a ConfigMap's (same ObjectMeta, Kubernetes' own schema)."""
    import kubernetes_validate
    try:
        kubernetes_validate.validate({"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": metadata}, K8S_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return ["metadata: %s: %s" % (".".join(map(str, exc.path)), exc.message)]
    return []


def operator_docs():
    return [doc for doc in render("production") if is_operator_kind(doc)]


def test_every_operator_object_passes_its_crd_schema_strictly():
    docs = operator_docs()
    assert {doc["kind"] for doc in docs} == EXPECTED_OPERATOR_KINDS
    errors = ["%s/%s: %s" % (doc["kind"], doc["metadata"]["name"], error)
              for doc in docs for error in crd_errors(doc)]
    assert not errors, "\n".join(errors)
    assert all(doc["metadata"]["namespace"] == NAMESPACE for doc in docs)
    # Every stored schema is one a rendered object uses (kept: only the kinds we use).
    used = {schema_file(doc).name for doc in docs}
    assert {path.name for path in CRDS.glob("*.json")} == used
    assert not [doc for doc in render("local") if is_operator_kind(doc)], \
        "the local overlay needs no operator"


def _broken(kind, change):
    doc = next(doc for doc in operator_docs() if doc["kind"] == kind)
    doc = copy.deepcopy(doc)
    change(doc["spec"])
    return crd_errors(doc)


@pytest.mark.parametrize("kind, change, where", [
    ("RabbitmqCluster", lambda spec: spec.update(replica=spec.pop("replicas")), "replica"),
    ("RabbitmqCluster", lambda spec: spec["persistence"].update(storageClas="fast"),
     "storageClas"),
    ("Cluster", lambda spec: spec.update(instance=spec.pop("instances")), "instance"),
    ("Cluster", lambda spec: spec["bootstrap"]["initdb"].update(databse="x"), "databse"),
    ("Pooler", lambda spec: spec["pgbouncer"].update(poolmode="session"), "poolmode"),
    ("ServiceMonitor", lambda spec: spec["endpoints"][0].update(paht="/metrics"), "paht"),
])
def test_the_crd_check_rejects_a_misspelt_field(kind, change, where):
    """Guards the check above: what the API server would prune silently fails here."""
    errors = _broken(kind, change)
    assert any("'%s' was unexpected" % where in error for error in errors), errors


def test_the_crd_check_rejects_a_wrong_type_a_missing_field_and_bad_metadata():
    assert _broken("RabbitmqCluster", lambda spec: spec.update(replicas="3"))
    assert _broken("Cluster", lambda spec: spec.pop("instances"))
    doc = copy.deepcopy(next(doc for doc in operator_docs() if doc["kind"] == "Policy"))
    doc["metadata"]["lables"] = doc["metadata"].pop("labels")
    assert any("lables" in error for error in crd_errors(doc)), crd_errors(doc)


def test_the_crd_schemas_name_their_source():
    """README.md names repository, tag and path of every stored schema."""
    readme = (CRDS / "README.md").read_text(encoding="utf-8")
    spec = importlib.util.spec_from_file_location("crds_extract", CRDS / "extract.py")
    extract = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(extract)
    for repo, tag, path in extract.SOURCES:
        assert "%s" % repo in readme and tag in readme and path in readme, path
    for schema in CRDS.glob("*.json"):
        assert schema.name in readme, schema.name
        loaded = json.loads(schema.read_text())
        assert loaded["type"] == "object" and "spec" in loaded["properties"], schema.name


# --------------------------------------------------------------------------- broker

def production_kind(kind):
    return of_kind(render("production"), kind)


def test_the_broker_is_a_three_node_cluster_every_topology_object_names():
    (broker,) = production_kind("RabbitmqCluster").values()
    assert broker["spec"]["replicas"] == 3
    name = broker["metadata"]["name"]
    topology = [doc for doc in operator_docs() if doc["apiVersion"] == "rabbitmq.com/v1beta1"
                and doc["kind"] != "RabbitmqCluster"]
    assert topology
    for doc in topology:
        assert doc["spec"]["rabbitmqClusterReference"] == {"name": name}, \
            doc["metadata"]["name"]
        assert doc["spec"].get("vhost", "/") == "/", doc["metadata"]["name"]


def test_the_broker_topology_is_the_python_one():
    """Policy, dead-letter exchange, queue and binding carry services.common.topology's
    values (generate.py writes them; this rebuilds them on its own)."""
    python_sources()
    from services.common.topology import DEAD_LETTER_EXCHANGE, DEAD_LETTER_QUEUE, QUORUM_POLICY
    specs = {kind: [{key: value for key, value in doc["spec"].items()
                     if key != "rabbitmqClusterReference"}
                    for doc in production_kind(kind).values()]
             for kind in ("Policy", "Exchange", "Queue", "Binding")}
    assert specs["Policy"] == [{
        "name": QUORUM_POLICY["name"], "vhost": "/", "pattern": QUORUM_POLICY["pattern"],
        "applyTo": QUORUM_POLICY["apply-to"], "priority": QUORUM_POLICY["priority"],
        "definition": QUORUM_POLICY["definition"]}]
    assert specs["Exchange"] == [{"name": DEAD_LETTER_EXCHANGE, "vhost": "/", "type": "fanout",
                                  "durable": True, "autoDelete": False}]
    assert specs["Queue"] == [{"name": DEAD_LETTER_QUEUE, "vhost": "/", "type": "quorum",
                               "durable": True, "autoDelete": False}]
    assert specs["Binding"] == [{"vhost": "/", "source": DEAD_LETTER_EXCHANGE,
                                 "destination": DEAD_LETTER_QUEUE,
                                 "destinationType": "queue", "routingKey": ""}]
    # the dead-letter queue must not fall under the policy that dead-letters into it
    assert not re.search(QUORUM_POLICY["pattern"], DEAD_LETTER_QUEUE)


def test_each_process_has_its_own_least_privilege_broker_user():
    """A User per process, its password from a Secret ops create (none in git), and
    exactly scripts/broker_users.py's permissions and topic permissions."""
    python_sources()
    from scripts.broker_users import permissions, user_name
    users, grants = production_kind("User"), production_kind("Permission")
    topics = production_kind("TopicPermission")
    expected_users = {user_name(process, "/"): process for process in PROCESSES}
    assert set(users) == set(expected_users) == set(grants)
    for name, process in expected_users.items():
        spec = users[name]["spec"]
        assert set(spec) == {"importCredentialsSecret", "rabbitmqClusterReference"}, name
        assert spec["importCredentialsSecret"] == {"name": "broker-user-%s" % process}
        allowed = permissions(process)
        grant = grants[name]["spec"]
        assert grant["user"] == name and grant["vhost"] == "/"
        assert grant["permissions"] == {key: allowed[key]
                                        for key in ("configure", "write", "read")}, name
        mine = {doc["spec"]["permissions"]["exchange"]: doc["spec"] for doc in topics.values()
                if doc["spec"]["user"] == name}
        assert {exchange: {"write": spec["permissions"]["write"],
                           "read": spec["permissions"]["read"]}
                for exchange, spec in mine.items()} == allowed["topic"], name
    assert len(topics) == sum(len(permissions(p)["topic"]) for p in PROCESSES)
    assert not of_kind(render("production"), "Secret"), "no Secret (no password) in git"


def test_production_runs_the_engine_versions_the_tests_run():
    """The local overlay (and compose, and CI) run one RabbitMQ and one PostgreSQL
    major: the operators' clusters run those, not their own newer defaults."""
    local = {name: s["spec"]["template"]["spec"]["containers"][0]["image"]
             for name, s in of_kind(render("local"), "StatefulSet").items()}
    (broker,) = production_kind("RabbitmqCluster").values()
    (cluster,) = production_kind("Cluster").values()
    assert broker["spec"]["image"] == local["rabbitmq"]
    major = re.fullmatch(r"postgres:(\d+)[.\w-]*", local["postgres"]).group(1)
    assert re.fullmatch(r"ghcr\.io/cloudnative-pg/postgresql:%s\.\d+[\w-]*" % major,
                        cluster["spec"]["imageName"]), cluster["spec"]["imageName"]


# --------------------------------------------------------------------------- database

def test_the_database_is_a_three_instance_cluster_behind_a_pooler():
    (cluster,) = production_kind("Cluster").values()
    (pooler,) = production_kind("Pooler").values()
    spec = cluster["spec"]
    assert spec["instances"] == 3
    assert pooler["spec"]["cluster"] == {"name": cluster["metadata"]["name"]}
    assert pooler["spec"]["type"] == "rw" and pooler["spec"]["instances"] >= 2
    # session pooling: a service's connection keeps its server connection (see database.yaml)
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "session"
    initdb = spec["bootstrap"]["initdb"]
    assert initdb["secret"]["name"] and "password" not in json.dumps(spec).lower()
    # Each process's database, as services.common.database names it from CM_DATABASE_URL
    # (whose path is the initdb database), is declared, owned by the application role.
    python_sources()
    from services.common.database import service_database_url
    from services.common.settings import load_settings
    url = "postgresql://%s:secret@%s:5432/%s" % (initdb["owner"], pooler["metadata"]["name"],
                                                 initdb["database"])
    settings = load_settings({"CM_DATABASE_URL": url})
    databases = {doc["spec"]["name"]: doc["spec"] for doc in production_kind("Database").values()}
    assert set(databases) == {service_database_url(p, settings).database for p in PROCESSES}
    for name, database in databases.items():
        assert database["cluster"] == {"name": cluster["metadata"]["name"]}, name
        assert database["owner"] == initdb["owner"], name
        assert database["databaseReclaimPolicy"] == "retain", name


def test_the_readme_secret_examples_name_the_declared_endpoints():
    """Ops write the Secret by hand from deploy/README.md: its example URIs must name the
    broker's and the pooler's Services and the declared users."""
    readme = (DEPLOY / "README.md").read_text(encoding="utf-8")
    (broker,) = production_kind("RabbitmqCluster")
    (pooler,) = production_kind("Pooler")
    (cluster,) = production_kind("Cluster").values()
    initdb = cluster["spec"]["bootstrap"]["initdb"]
    for process in PROCESSES:
        assert "CM_AMQP_URI_%s='amqp://cm-%s:" % (process.upper(), process) in readme, process
    assert re.findall(r"CM_AMQP_URI_\w+='amqp://[^@]+@([\w.-]+):5672//'", readme) == \
        [broker] * len(PROCESSES)
    assert "CM_DATABASE_URL='postgresql://%s:PASS@%s:5432/%s'" % (
        initdb["owner"], pooler, initdb["database"]) in readme
    secrets = {doc["spec"]["importCredentialsSecret"]["name"]
               for doc in production_kind("User").values()}
    assert secrets == {"broker-user-%s" % process for process in PROCESSES}
    assert "`broker-user-<process>`" in readme and "--from-literal=username=cm-" in readme
    assert initdb["secret"]["name"] in readme


# --------------------------------------------------------------------------- monitoring

def selects(selector, labels):
    """Whether a Kubernetes LabelSelector matches these labels."""
    if not all(labels.get(key) == value
               for key, value in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, operator, values = expression["key"], expression["operator"], \
            expression.get("values", [])
        if not {"In": lambda: labels.get(key) in values,
                "NotIn": lambda: labels.get(key) not in values,
                "Exists": lambda: key in labels,
                "DoesNotExist": lambda: key not in labels}[operator]():
            return False
    return True


def test_the_service_monitors_scrape_what_the_alerts_expect():
    """The processes' ServiceMonitor selects exactly their five Services, on the port
    and path their pods announce, with job="culture-matrix" (alerts.yml's labels); the
    broker's selects the operator's Service on its metrics port as job="rabbitmq"."""
    docs = render("production")
    monitors = of_kind(docs, "ServiceMonitor")
    services = of_kind(docs, "Service")
    ours_monitor = monitors["culture-matrix"]["spec"]
    chosen = {name for name, service in services.items()
              if selects(ours_monitor["selector"], service["metadata"]["labels"])}
    assert chosen == set(PROCESSES)
    (endpoint,) = ours_monitor["endpoints"]
    for name in PROCESSES:
        service = services[name]
        assert service["metadata"]["labels"][ours_monitor["jobLabel"]] == "culture-matrix"
        port = {p["name"]: p for p in service["spec"]["ports"]}[endpoint["port"]]
        pod = ours(docs, "Deployment")[name]["spec"]["template"]["metadata"]["annotations"]
        assert str(port["port"]) == pod["prometheus.io/port"], name
        assert endpoint["path"] == pod["prometheus.io/path"], name
    (broker,) = production_kind("RabbitmqCluster")
    broker_monitor = monitors["broker"]["spec"]
    operator_labels = dict(BROKER_LABELS, **{"app.kubernetes.io/name": broker})
    assert selects(broker_monitor["selector"], operator_labels)
    assert operator_labels[broker_monitor["jobLabel"]] == "rabbitmq"
    assert broker_monitor["endpoints"] == [{"port": "prometheus", "path": "/metrics/per-object",
                                            "interval": "15s"}]
    # The chart's Prometheus finds monitors and rules by the same label.
    (rule,) = production_kind("PrometheusRule").values()
    release = {doc["metadata"]["labels"]["release"] for doc in list(monitors.values()) + [rule]}
    assert len(release) == 1


def test_the_prometheus_rule_is_alerts_yml():
    (rule,) = production_kind("PrometheusRule").values()
    assert rule["spec"]["groups"] == load_yaml(PROMETHEUS / "alerts.yml")["groups"]
