"""The production overlay's NetworkPolicies, evaluated (who may reach whom on which
port), not just read: the gateway takes the ingress's traffic, every process reaches only
DNS, the broker and the database's pooler (gateway and activities the object storage,
notify SMTP and webhooks), and strangers reach nothing. The evaluator's own semantics
are checked first, so a mistake in it cannot pass a wrong policy.
"""
import copy
import ipaddress

from tests.contracts.test_deploy import NAMESPACE, PROCESSES, of_kind, ours, render
from tests.contracts.test_deploy_operators import BROKER_LABELS, production_kind, selects

def pod(namespace, labels, ports=None):
    return {"namespace": namespace, "labels": labels, "ports": ports or {}}


def _peer_matches(peer, policy_namespace, other):
    if "ipBlock" in peer:  # for addresses outside the cluster (pods are matched by labels)
        if "ip" not in other:
            return False
        address, block = ipaddress.ip_address(other["ip"]), peer["ipBlock"]
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(cidr) for cidr in block.get("except", []))
    if "ip" in other:
        return False
    if "namespaceSelector" in peer:
        in_namespace = selects(peer["namespaceSelector"],
                               {"kubernetes.io/metadata.name": other["namespace"]})
    else:
        in_namespace = other["namespace"] == policy_namespace
    return in_namespace and selects(peer.get("podSelector", {}), other["labels"])


def _port_matches(ports, port, protocol, destination):
    for item in ports or [{}]:
        wanted = item.get("port")
        if isinstance(wanted, str):  # a named port: the destination pod's
            wanted = destination.get("ports", {}).get(wanted)
        if item.get("protocol", "TCP") == protocol and wanted in (None, port):
            return True
    return False


def _side_allows(policies, endpoint, direction, other, port, protocol, destination):
    if "ip" in endpoint:  # outside the cluster: no policy applies
        return True
    relevant = [policy for policy in policies
                if policy["metadata"]["namespace"] == endpoint["namespace"]
                and selects(policy["spec"]["podSelector"], endpoint["labels"])
                and direction in policy["spec"].get("policyTypes", ["Ingress"])]
    rules, peers = ("egress", "to") if direction == "Egress" else ("ingress", "from")
    return not relevant or any(
        (not rule.get(peers) or any(_peer_matches(peer, policy["metadata"]["namespace"],
                                                  other) for peer in rule[peers]))
        and _port_matches(rule.get("ports"), port, protocol, destination)
        for policy in relevant for rule in policy["spec"].get(rules, []))


def allowed(policies, source, destination, port, protocol="TCP"):
    """Whether NetworkPolicy semantics let source open port on destination: the source's
    egress and the destination's ingress must both allow it."""
    return (_side_allows(policies, source, "Egress", destination, port, protocol, destination)
            and _side_allows(policies, destination, "Ingress", source, port, protocol,
                             destination))


def test_the_policy_evaluator_follows_networkpolicy_semantics():
    """Guards the check below: no policy allows all, an empty one denies all."""
    a, b = pod("ns", {"app": "a"}), pod("ns", {"app": "b"})
    deny = {"metadata": {"namespace": "ns"}, "spec": {"podSelector": {},
                                                      "policyTypes": ["Ingress"]}}
    assert allowed([], a, b, 80) and not allowed([deny], a, b, 80)
    opened = copy.deepcopy(deny)
    opened["spec"]["ingress"] = [{"from": [{"podSelector": {"matchLabels": {"app": "a"}}}],
                                  "ports": [{"port": 80}]}]
    assert allowed([deny, opened], a, b, 80) and not allowed([deny, opened], a, b, 81)
    assert not allowed([deny, opened], pod("other", {"app": "a"}), b, 80)


def test_network_policies_allow_exactly_what_each_component_needs():
    docs = render("production")
    policies = list(of_kind(docs, "NetworkPolicy").values())
    # stated, not defaulted (a policy without them is Ingress-only unless it has egress)
    assert all(policy["spec"].get("policyTypes") for policy in policies)
    (broker,) = production_kind("RabbitmqCluster")
    (cluster,) = production_kind("Cluster")
    (pooler,) = production_kind("Pooler")
    ns = NAMESPACE
    procs = {name: pod(ns, d["spec"]["template"]["metadata"]["labels"],
                       {p["name"]: p["containerPort"]
                        for p in d["spec"]["template"]["spec"]["containers"][0]["ports"]})
             for name, d in ours(docs, "Deployment").items()}
    jobs = [pod(ns, job["spec"]["template"]["metadata"]["labels"])
            for job in ours(docs, "Job").values()]
    rabbit = pod(ns, dict(BROKER_LABELS, **{"app.kubernetes.io/name": broker,
                                             "app.kubernetes.io/part-of": "rabbitmq"}))
    instance = pod(ns, {"cnpg.io/cluster": cluster, "cnpg.io/podRole": "instance"})
    bouncer = pod(ns, {"cnpg.io/cluster": cluster, "cnpg.io/poolerName": pooler,
                       "cnpg.io/podRole": "pooler"})
    dns = pod("kube-system", {"k8s-app": "kube-dns"})
    ingress = pod("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
    prometheus = pod("monitoring", {"app.kubernetes.io/name": "prometheus"})
    strangers = [pod("default", {"app": "x"}), pod(ns, {"run": "debug"})]
    internet, inside = {"ip": "203.0.113.10"}, {"ip": "10.244.1.5"}
    cases = []  # (what, source, destination, port, protocol, expected)
    for name, process in procs.items():
        http = process["ports"]["http"]
        cases += [
            ("%s from ingress" % name, ingress, process, http, "TCP", name == "gateway"),
            ("%s scraped" % name, prometheus, process, http, "TCP", True),
            ("%s dns" % name, process, dns, 53, "UDP", True),
            ("%s broker" % name, process, rabbit, 5672, "TCP", True),
            ("%s pooler" % name, process, bouncer, 5432, "TCP", True),
            ("%s instance directly" % name, process, instance, 5432, "TCP", False),
            ("%s broker management" % name, process, rabbit, 15672, "TCP", False),
            ("%s object storage" % name, process, internet, 443, "TCP",
             name in ("gateway", "activities", "notify")),
            ("%s smtp" % name, process, internet, 587, "TCP", name == "notify"),
            ("%s cluster address" % name, process, inside, 443, "TCP", False),
            ("%s internet http" % name, process, internet, 80, "TCP", False)]
        cases += [("%s to %s" % (name, other), process, procs[other],
                   procs[other]["ports"]["http"], "TCP", False)
                  for other in procs if other != name]
        cases += [("stranger to %s" % name, stranger, process, http, "TCP", False)
                  for stranger in strangers]
    for job in jobs:
        cases += [("job pooler", job, bouncer, 5432, "TCP", True),
                  ("job broker", job, rabbit, 5672, "TCP", False),
                  ("job dns", job, dns, 53, "UDP", True)]
    cases += [
        ("broker peers", rabbit, rabbit, 25672, "TCP", True),
        ("broker operator", pod("rabbitmq-system", {}), rabbit, 15672, "TCP", True),
        ("broker scraped", prometheus, rabbit, 15692, "TCP", True),
        ("replication", instance, instance, 5432, "TCP", True),
        ("cnpg operator", pod("cnpg-system", {}), instance, 8000, "TCP", True),
        ("cnpg operator sql", pod("cnpg-system", {}), instance, 5432, "TCP", True),
        ("cnpg operator to pooler", pod("cnpg-system", {}), bouncer, 8000, "TCP", True),
        ("pooler to instance", bouncer, instance, 5432, "TCP", True),
        ("pooler scraped", prometheus, bouncer, 9127, "TCP", True)]
    cases += [("stranger to %s" % what, stranger, target, port, "TCP", False)
              for stranger in strangers
              for what, target, port in (("broker", rabbit, 5672),
                                         ("instance", instance, 5432),
                                         ("pooler", bouncer, 5432))]
    wrong = [what for what, source, destination, port, protocol, expected in cases
             if allowed(policies, source, destination, port, protocol) != expected]
    assert not wrong, "unexpected verdicts: %s" % wrong
