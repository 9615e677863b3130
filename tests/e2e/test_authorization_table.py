"""Authorization on every route x every role, and on other unions' and counties' objects.

RULES is the table of record: a route added without a line here fails the first test,
and a line that disagrees with the route's declared roles fails the second. The third
calls each route as each role over HTTP: a role outside the rule gets 403, a role inside
never does (it may get 404 or 422 for the placeholder ids and empty bodies used here).
Roles: C city_admin, R county_reviewer, U union_admin, F finance, W worker, O ops;
ANY means any signed-in user, "public" needs no token.
"""
import pytest
import requests

import gateway.service
from gateway.openapi import routes_of
from tests.support.world import activity_body

ROLE_OF = {"C": "city_admin", "R": "county_reviewer", "U": "union_admin", "F": "finance",
           "W": "worker", "O": "ops"}
USER_OF = {"city_admin": None, "county_reviewer": "rev_ganzhou", "union_admin": "ua_power",
           "finance": "finance", "worker": "worker", "ops": "ops"}
ANY = "CRUFWO"

RULES = {
    ("GET", "/api/v1/activities"): "CRUF",
    ("POST", "/api/v1/activities"): "CU",
    ("GET", "/api/v1/activities/<int:activity_id>"): "CRUF",
    ("PUT", "/api/v1/activities/<int:activity_id>"): "CU",
    ("POST", "/api/v1/activities/<int:activity_id>/approve"): "CR",
    ("GET", "/api/v1/activities/<int:activity_id>/feedback"): "CRUF",
    ("POST", "/api/v1/activities/<int:activity_id>/feedback"): "W",
    ("GET", "/api/v1/activities/<int:activity_id>/history"): "CRUF",
    ("POST", "/api/v1/activities/<int:activity_id>/reject"): "CR",
    ("POST", "/api/v1/activities/<int:activity_id>/return"): "CR",
    ("POST", "/api/v1/activities/<int:activity_id>/submit"): "CU",
    ("POST", "/api/v1/policies/<kind>/<int:version>/withdraw"): "CF",
    ("POST", "/api/v1/policies/<kind>/<int:version>/simulate"): "CF",
    ("GET", "/api/v1/policies/<kind>/<int:version>/text"): ANY,
    ("GET", "/api/v1/activities/<int:activity_id>/survey"): "W",
    ("POST", "/api/v1/activities/bulk-approve"): "CR",
    ("GET", "/api/v1/activities/coverage"): "CRF",
    ("GET", "/api/v1/audit"): "CO",
    ("POST", "/api/v1/evidence"): "CU",
    ("GET", "/api/v1/evidence/<int:evidence_id>"): "CRUF",
    ("GET", "/api/v1/evidence/<int:evidence_id>/thumbnail"): "CRUF",
    ("POST", "/api/v1/auth/token"): ANY,
    ("GET", "/api/v1/books"): ANY,
    ("POST", "/api/v1/books"): "CU",
    ("GET", "/api/v1/books/<int:book_id>"): ANY,
    ("GET", "/api/v1/copies"): ANY,
    ("GET", "/api/v1/copies/<int:copy_id>"): ANY,
    ("POST", "/api/v1/copies/<int:copy_id>/move"): "CU",
    ("GET", "/api/v1/dead-letters"): "CO",
    ("POST", "/api/v1/dead-letters/redrive"): "CO",
    ("GET", "/api/v1/disbursements"): "CF",
    ("POST", "/api/v1/disbursements"): "CF",
    ("GET", "/api/v1/disbursements/<int:batch_id>"): "CF",
    ("POST", "/api/v1/disbursements/<int:batch_id>/cancel"): "CF",
    ("GET", "/api/v1/disbursements/<int:batch_id>/export"): "CF",
    ("POST", "/api/v1/disbursements/<int:batch_id>/pay"): "CF",
    ("GET", "/api/v1/disbursements/<int:batch_id>/subsidies"): "CF",
    ("POST", "/api/v1/disbursements/<int:batch_id>/lines/<int:line_id>/return"): "CF",
    ("POST", "/api/v1/disbursements/preview"): "CF",
    ("GET", "/api/v1/evaluation-scheme"): "CRUF",
    ("PUT", "/api/v1/evaluation-scheme"): "C",
    ("GET", "/api/v1/evaluations"): "CRUF",
    ("GET", "/api/v1/evaluations/<int:evaluation_id>"): "CRUF",
    ("GET", "/api/v1/funds"): "CF",
    ("POST", "/api/v1/funds"): "CF",
    ("GET", "/api/v1/funds/<int:fund_id>"): "CF",
    ("PUT", "/api/v1/funds/<int:fund_id>/allocations"): "CF",
    ("GET", "/api/v1/funds/<int:fund_id>/adjustments"): "CF",
    ("POST", "/api/v1/funds/<int:fund_id>/adjustments"): "CF",
    ("POST", "/api/v1/funds/<int:fund_id>/close"): "CF",
    ("GET", "/api/v1/funds/<int:fund_id>/redecisions"): "CF",
    ("POST", "/api/v1/funds/<int:fund_id>/redecisions"): "CF",
    ("GET", "/api/v1/funds/<int:fund_id>/ledger"): "CF",
    ("GET", "/api/v1/funds/<int:fund_id>/reconciliation"): "CF",
    ("GET", "/api/v1/funds/<int:fund_id>/subsidies"): "CF",
    ("GET", "/api/v1/funds/reconciliation"): "CF",
    ("GET", "/api/v1/lecturers"): "CRUF",
    ("POST", "/api/v1/lecturers"): "C",
    ("GET", "/api/v1/lecturers/<int:lecturer_id>"): "CRUF",
    ("PATCH", "/api/v1/lecturers/<int:lecturer_id>"): "C",
    ("GET", "/api/v1/library/idle-venues"): "CRUF",
    ("GET", "/api/v1/library/reading-season"): "CRUF",
    ("GET", "/api/v1/library/statistics"): "CRUF",
    ("GET", "/api/v1/loans"): "CRUW",
    ("POST", "/api/v1/loans"): "CUW",
    ("GET", "/api/v1/loans/<int:loan_id>"): "CRUW",
    ("POST", "/api/v1/loans/<int:loan_id>/renew"): "CUW",
    ("POST", "/api/v1/loans/<int:loan_id>/return"): "CUW",
    ("GET", "/api/v1/loans/overdue"): "CRU",
    ("GET", "/api/v1/notifications"): ANY,
    ("POST", "/api/v1/notifications/<int:notification_id>/read"): ANY,
    ("GET", "/api/v1/notifications/deliveries"): "CO",
    ("POST", "/api/v1/notifications/deliveries/<int:delivery_id>/redeliver"): "CO",
    ("GET", "/api/v1/notifications/preferences"): ANY,
    ("PUT", "/api/v1/notifications/preferences"): ANY,
    ("POST", "/api/v1/notifications/read"): ANY,
    ("POST", "/api/v1/notifications/read-all"): ANY,
    ("GET", "/api/v1/notifications/templates"): "CO",
    ("GET", "/api/v1/notifications/unread-count"): ANY,
    ("GET", "/api/v1/payees"): "CF",
    ("GET", "/api/v1/reports/year"): "CRF",
    ("GET", "/api/v1/unions/<int:union_id>/subsidy-year"): "CRUF",
    ("GET", "/api/v1/payees/<kind>/<int:payee_id>"): "CF",
    ("PUT", "/api/v1/payees/<kind>/<int:payee_id>"): "CF",
    ("GET", "/api/v1/policies"): "CF",
    ("POST", "/api/v1/policies"): "CF",
    ("GET", "/api/v1/policies/<kind>/<int:version>"): "CF",
    ("POST", "/api/v1/policies/<kind>/<int:version>/publish"): "CF",
    ("POST", "/api/v1/policies/<kind>/dry-run"): "CF",
    ("POST", "/api/v1/reminders"): "CR",
    ("GET", "/api/v1/seasons/<int:year>"): ANY,
    ("PUT", "/api/v1/seasons/<int:year>/<season>"): "C",
    ("GET", "/api/v1/stats/activities"): "CRUF",
    ("GET", "/api/v1/stats/lectures"): "CRF",
    ("GET", "/api/v1/subsidies"): "CRUF",
    ("GET", "/api/v1/subsidies/<int:subsidy_id>"): "CRUF",
    ("POST", "/api/v1/subsidies/<int:subsidy_id>/cancel"): "CF",
    ("POST", "/api/v1/subsidies/<int:subsidy_id>/reverse"): "CF",
    ("GET", "/api/v1/subsidies/stats"): "CRF",
    ("GET", "/api/v1/unions"): ANY,
    ("POST", "/api/v1/unions"): "C",
    ("GET", "/api/v1/unions/<int:union_id>"): ANY,
    ("PATCH", "/api/v1/unions/<int:union_id>"): "C",
    ("GET", "/api/v1/unions/<int:union_id>/history"): ANY,
    ("GET", "/api/v1/users"): "C",
    ("POST", "/api/v1/users"): "C",
    ("PATCH", "/api/v1/users/<int:user_id>"): "C",
    ("POST", "/api/v1/users/<int:user_id>/password"): "C",
    ("GET", "/api/v1/users/me"): ANY,
    ("POST", "/api/v1/users/me/password"): ANY,
    ("GET", "/api/v1/venues"): ANY,
    ("POST", "/api/v1/venues"): "C",
    ("GET", "/api/v1/venues/<int:venue_id>"): ANY,
    ("PATCH", "/api/v1/venues/<int:venue_id>"): "C",
    ("POST", "/api/v1/venues/<int:venue_id>/close"): "C",
    ("POST", "/api/v1/venues/<int:venue_id>/evaluations"): "CR",
    ("GET", "/api/v1/venues/<int:venue_id>/history"): "CRUF",
    ("GET", "/api/v1/venues/<int:venue_id>/holdings"): ANY,
    ("POST", "/api/v1/venues/<int:venue_id>/holdings"): "CU",
    ("POST", "/api/v1/venues/<int:venue_id>/reopen"): "C",
    ("GET", "/api/v1/venues/summary"): ANY,
    ("GET", "/api/v1/webhooks"): "CO",
    ("POST", "/api/v1/webhooks"): "CO",
    ("GET", "/api/v1/webhooks/<int:webhook_id>"): "CO",
    ("PATCH", "/api/v1/webhooks/<int:webhook_id>"): "CO",
    ("GET", "/api/v1/webhooks/<int:webhook_id>/deliveries"): "CO",
    ("POST", "/api/v1/webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver"): "CO",
    ("POST", "/api/v1/webhooks/<int:webhook_id>/disable"): "CO",
    ("POST", "/api/v1/webhooks/<int:webhook_id>/enable"): "CO",
}
PUBLIC = {("POST", "/api/v1/auth/token")}


def declared():
    return {(r.method, r.url): r for _, _, r in routes_of(gateway.service.Service)}


def test_every_route_has_a_rule():
    routes = set(declared())
    assert routes - set(RULES) == set(), "routes without an authorization rule"
    assert set(RULES) - routes == set(), "rules for routes that no longer exist"


def test_each_route_declares_exactly_its_rule():
    for key, entrypoint in declared().items():
        allowed = {ROLE_OF[c] for c in RULES[key]}
        declared_roles = set(ROLE_OF.values()) if entrypoint.roles is None else set(entrypoint.roles)
        assert declared_roles == allowed, key
        assert entrypoint.public == (key in PUBLIC), key


def _path(url):
    """Placeholder values for path variables: any id answers 403 before it is looked up."""
    for name, value in (("<int:year>", "2026"), ("<season>", "autumn"), ("<kind>", "activity")):
        url = url.replace(name, value)
    while "<int:" in url:
        start = url.index("<int:")
        url = url[:start] + "1" + url[url.index(">", start) + 1:]
    return url


@pytest.fixture(scope="module")
def clients(world):
    return {role: (world.system.client() if user is None else world.as_user(user))
            for role, user in USER_OF.items()}


def test_every_route_as_every_role(world, clients):
    wrong = []
    for (method, url), rule in sorted(RULES.items()):
        if (method, url) in PUBLIC:
            continue
        allowed = {ROLE_OF[c] for c in rule}
        for role, client in clients.items():
            answer = client.session.request(method, world.system.gateway + _path(url),
                                            json={} if method != "GET" else None, timeout=15)
            if role in allowed and answer.status_code in (401, 403):
                wrong.append((method, url, role, answer.status_code, "should pass the door"))
            if role not in allowed and answer.status_code != 403:
                wrong.append((method, url, role, answer.status_code, "should be 403"))
            if answer.status_code >= 500:
                wrong.append((method, url, role, answer.status_code, answer.text[:200]))
    assert wrong == []
    anonymous = requests.get(world.system.gateway + "/api/v1/activities", timeout=10)
    assert anonymous.status_code == 401


def test_other_unions_and_counties_objects_are_forbidden(world, clients):
    power = world.as_user("ua_power")
    school = world.as_user("ua_school")
    theirs = school.post("/api/v1/activities", activity_body(world.unions["school"]["id"])).json()
    path = "/api/v1/activities/%d" % theirs["id"]
    for answer in [power.get(path), power.get(path + "/history"),
                   power.get("/api/v1/subsidies", activity_id=theirs["id"]),
                   power.put(path, {k: v for k, v in activity_body(1).items() if k != "union_id"}),
                   power.post(path + "/submit"),
                   power.post("/api/v1/activities", activity_body(world.unions["school"]["id"])),
                   world.as_user("rev_ganzhou").post(path + "/approve"),
                   world.as_user("rev_ganzhou").post(path + "/reject", {"reason": "不是我县的"}),
                   world.as_user("rev_ganzhou").post(path + "/return", {"reason": "不是我县的"}),
                   world.as_user("rev_ganzhou").get(path),
                   power.get("/api/v1/activities", union_id=world.unions["school"]["id"]),
                   world.as_user("rev_ganzhou").get("/api/v1/activities", county="临泽县")]:
        assert answer.status_code == 403, (answer.request.method, answer.request.url, answer.text)
    assert school.get(path).json()["status"] == "submitted"  # nothing happened to it
    bulk = world.as_user("rev_ganzhou").post("/api/v1/activities/bulk-approve",
                                             {"ids": [theirs["id"]]})
    assert bulk.status_code == 200
    assert bulk.json()["results"][0]["error"]["code"] == "FORBIDDEN"
