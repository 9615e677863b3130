"""A stream of approvals through the gateway, and the reconciliation after a disruption.

Clients retry what a disruption interrupted: a 503 or a dropped connection is tried
again, and a 409 on a retried approve means the first attempt did land.
"""
import uuid

import requests
from sqlalchemy import create_engine, text

from tests.support.waiting import wait_for
from tests.support.world import activity_body

REPORTERS = (("ua_power", "power", "rev_ganzhou"), ("ua_school", "school", "rev_linze"))


def persistently(send, accept=(200, 201), also_done=(), timeout=90):
    """Send until the answer is accepted; returns it (or None when also_done)."""
    def attempt():
        try:
            answer = send()
        except requests.RequestException:
            return None
        if answer.status_code in accept:
            return answer
        if answer.status_code in also_done:
            return "done"
        assert answer.status_code in (502, 503, 500, 429), (answer.status_code, answer.text)
        return None
    result = wait_for(attempt, timeout, "an answer through the disruption", interval=0.2)
    return None if result == "done" else result


class Stream:
    def __init__(self, world):
        self.world = world
        self.clients = {}
        self.activities = {}  # id -> (title, union admin username)

    def client(self, username):
        if username not in self.clients:
            self.clients[username] = self.world.as_user(username)
        return self.clients[username]

    def report(self, index):
        reporter, union, _ = REPORTERS[index % len(REPORTERS)]
        tag = uuid.uuid4().hex[:10]
        title = "活动-%s" % tag
        body = activity_body(self.world.unions[union]["id"], title=title,
                             participants=10 + index % 30)
        # a report is not idempotent without a key: the key makes a retry safe
        key = {"Idempotency-Key": "report-%s" % tag}
        answer = persistently(lambda: self.client(reporter).post("/api/v1/activities", body,
                                                                 headers=key))
        activity = answer.json()
        self.activities[activity["id"]] = (title, reporter, index)
        return activity

    def reviewer_of(self, activity_id):
        return REPORTERS[self.activities[activity_id][2] % len(REPORTERS)][2]

    def approve(self, activity_id):
        reviewer = self.reviewer_of(activity_id)
        persistently(lambda: self.client(reviewer).post(
            "/api/v1/activities/%d/approve" % activity_id), also_done=(409,))

    def push(self, count, between=None):
        """Report and approve `count` activities; call between(i) after each."""
        for index in range(count):
            activity = self.report(len(self.activities))
            self.approve(activity["id"])
            if between:
                between(index)


def reconcile(stream, timeout=120):
    """Every approval: exactly one decision, its notices once; the fund agrees with the ledger."""
    world = stream.world
    system = world.system
    expected = set(stream.activities)
    decisions = wait_for(lambda: _decisions_if_complete(system, expected), timeout,
                         "a decision for each of %d approvals" % len(expected))
    per_activity = {}
    for row in decisions:
        per_activity.setdefault(row.activity_id, []).append(row)
    duplicated = {a: len(rows) for a, rows in per_activity.items() if len(rows) > 1}
    lost = expected - set(per_activity)

    def notices_complete():
        counts = _notice_counts(system, stream)
        return counts if all(counts[a] >= (2, 1) for a in expected) else None
    notices = wait_for(notices_complete, timeout, "the notifications of every approval")
    doubled_notices = {a: c for a, c in notices.items() if c != (2, 1)}

    engine = create_engine(system.database_url("subsidies"))
    with engine.connect() as conn:
        fund = conn.execute(text("SELECT budget_fen, granted_fen FROM funds WHERE id = :i"),
                            {"i": world.fund["id"]}).one()
        ledger = conn.execute(text(
            "SELECT COALESCE(SUM(CASE kind WHEN 'reserve' THEN amount_fen "
            "WHEN 'release' THEN -amount_fen ELSE 0 END), 0) FROM ledger WHERE fund_id = :i"),
            {"i": world.fund["id"]}).scalar()
        granted = conn.execute(text(
            "SELECT COALESCE(SUM(amount_fen), 0) FROM subsidies WHERE fund_id = :i AND "
            "status IN ('granted', 'paid')"), {"i": world.fund["id"]}).scalar()
    engine.dispose()
    return {"approvals": len(expected), "decisions": len(decisions), "lost": len(lost),
            "duplicated": len(duplicated), "doubled_notices": len(doubled_notices),
            "fund_granted_fen": fund.granted_fen, "ledger_fen": int(ledger),
            "decisions_fen": int(granted), "budget_fen": fund.budget_fen}


def _decisions_if_complete(system, expected):
    engine = create_engine(system.database_url("subsidies"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, activity_id, status FROM subsidies")).all()
    finally:
        engine.dispose()
    return rows if expected <= {row.activity_id for row in rows} else None


def _notice_counts(system, stream):
    """Per activity: (approval + subsidy notices to its union admins, reviewer notices)."""
    engine = create_engine(system.database_url("notify"))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT audience_kind, body FROM notifications WHERE audience_kind IN "
                "('union_admins', 'county_reviewers')")).all()
    finally:
        engine.dispose()
    counts = {}
    for activity_id, (title, _, _) in stream.activities.items():
        mentioned = [kind for kind, body in rows if "《%s》" % title in body]
        counts[activity_id] = (mentioned.count("union_admins"), mentioned.count("county_reviewers"))
    return counts
