"""Refresh the operators' CRD schemas in this folder (deploy/k8s/crds/).

Each file is one kind/version's `openAPIV3Schema`, taken from the CRD the operator's
repository ships at a release tag (README.md lists them), with the `description`
strings dropped (they are documentation only and make up most of the bytes; nothing
in a schema's meaning depends on them).

    python deploy/k8s/crds/extract.py MIRRORS_DIR

MIRRORS_DIR holds bare clones named <owner>+<name>/repo (as the project's fetch tool
makes them); any git directory with the tags will do.
"""
import json
import subprocess
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent

# (repository, tag, path of the CRD in it, versions kept)
SOURCES = [
    ("rabbitmq/cluster-operator", "v2.22.3",
     "config/crd/bases/rabbitmq.com_rabbitmqclusters.yaml"),
    *[("rabbitmq/messaging-topology-operator", "v1.20.1",
       "config/crd/bases/rabbitmq.com_%s.yaml" % plural)
      for plural in ("policies", "users", "permissions", "topicpermissions", "exchanges",
                     "queues", "bindings")],
    ("cloudnative-pg/cloudnative-pg", "v1.30.0",
     "config/crd/bases/postgresql.cnpg.io_clusters.yaml"),
    ("cloudnative-pg/cloudnative-pg", "v1.30.0",
     "config/crd/bases/postgresql.cnpg.io_poolers.yaml"),
    ("cloudnative-pg/cloudnative-pg", "v1.30.0",
     "config/crd/bases/postgresql.cnpg.io_databases.yaml"),
    ("prometheus-operator/prometheus-operator", "v0.93.0",
     "example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"),
    ("prometheus-operator/prometheus-operator", "v0.93.0",
     "example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"),
]


def without_descriptions(node):
    """The schema without its documentation strings. A property *named* description
    is a schema (a dict), so it stays."""
    if isinstance(node, dict):
        return {key: without_descriptions(value) for key, value in node.items()
                if not (key == "description" and isinstance(value, str))}
    if isinstance(node, list):
        return [without_descriptions(item) for item in node]
    return node


def file_name(group, kind, version):
    return "%s_%s_%s.json" % (group, kind, version)


def schemas_of(crd):
    """{file name: openAPIV3Schema} of every served version of one CRD."""
    spec = crd["spec"]
    return {file_name(spec["group"], spec["names"]["kind"], version["name"]):
            without_descriptions(version["schema"]["openAPIV3Schema"])
            for version in spec["versions"] if version.get("served", True)}


def main(mirrors):
    for repo, tag, path in SOURCES:
        git_dir = Path(mirrors) / repo.replace("/", "+") / "repo"
        text = subprocess.run(["git", "-C", str(git_dir), "show", "%s:%s" % (tag, path)],
                              check=True, capture_output=True, text=True).stdout
        (crd,) = [doc for doc in yaml.safe_load_all(text) if doc]
        for name, schema in schemas_of(crd).items():
            (HERE / name).write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")
            print("%s  <- %s@%s:%s" % (name, repo, tag, path))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/work/.mirror")
