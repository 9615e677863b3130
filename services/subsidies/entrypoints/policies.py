"""Policies: versioned rule documents (drafts, publication with an effective date,
withdrawal before it), a version's published text, and the dry run of a version: on
facts, or on an activity as its real decision is (or would be) made."""
from datetime import date

from marshmallow import EXCLUDE
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.activities import contract as activities
from services.common.clock import local_today, utcnow
from services.common.errors import Conflict, Invalid, NotFound
from services.common.money import to_fen, to_yuan
from services.common.schema import load
from services.subsidies import contract, domain, queries, repository
from services.subsidies.domain import policy_text
from services.subsidies.domain.policies import publication_problems
from services.subsidies.entrypoints import rpc
from services.subsidies.models import Policy, Subsidy, UnionYear

APPROVAL_FACTS = activities.ApprovalFacts(unknown=EXCLUDE)  # loaded as the event's data is


class PolicyEntrypoints:
    @rpc
    def list_policies(self, kind=None):
        filters = load(contract.PolicyFilter(), {} if kind is None else {"kind": kind})
        with self.db.session() as session:
            query = select(Policy).filter_by(**filters).order_by(Policy.kind, Policy.version)
            policies = session.scalars(query).all()
            today = local_today()
            in_force = {k: policy_in_force(session, k, today).version
                        for k in {p.kind for p in policies}}
            for one in policies:
                one.in_force = in_force.get(one.kind) == one.version
            items = contract.PolicyOut(many=True).dump(policies)
            return {"items": items, "total": len(items)}

    @rpc
    def get_policy(self, kind, version):
        with self.db.session() as session:
            return _policy_answer(session, _policy(session, kind, version))

    @rpc
    def upload_policy(self, payload, actor):
        """A new version: validated rule by rule; a draft unless it has an effective date."""
        data = load(contract.PolicyIn(), payload)
        errors = domain.validate_policy(data["kind"], data["document"])
        if errors:
            raise Invalid("the policy document is invalid", errors)
        _check_effective(data["effective_from"])
        with self.db.unit_of_work() as uow:
            session = uow.session
            versions = _lock_versions(session, data["kind"])
            latest = session.scalar(select(func.max(Policy.version))
                                    .where(Policy.kind == data["kind"])) or 0
            _check_order(versions, latest + 1, data["effective_from"])
            now = utcnow()
            published = data["effective_from"] is not None
            policy = Policy(kind=data["kind"], version=latest + 1,
                            effective_from=data["effective_from"], document=data["document"],
                            created_at=now, created_by=actor,
                            published_at=now if published else None,
                            published_by=actor if published else None)
            session.add(policy)
            try:
                session.flush()
            except IntegrityError:
                raise Conflict("another version was uploaded at the same moment; try again")
            return _policy_answer(session, policy)

    @rpc
    def publish_policy(self, kind, version, payload, actor):
        data = load(contract.PublishIn(), payload)
        _check_effective(data["effective_from"])
        with self.db.unit_of_work() as uow:
            session = uow.session
            versions = _lock_versions(session, kind)
            policy = _policy(session, kind, version, lock=True)
            if policy.effective_from is not None:
                raise Conflict("this version is published already",
                               {"effective_from": policy.effective_from.isoformat()})
            _check_order(versions, version, data["effective_from"])
            policy.effective_from = data["effective_from"]
            policy.published_at, policy.published_by = utcnow(), actor
            session.flush()
            return _policy_answer(session, policy)

    @rpc
    def withdraw_policy(self, kind, version):
        """A published version back to a draft, before its effective date (approvals have
        never used it then; from that day on it is in force and stays). Who withdrew it is
        in the gateway's audit log."""
        with self.db.unit_of_work() as uow:
            session = uow.session
            _lock_versions(session, kind)
            policy = _policy(session, kind, version, lock=True)
            if policy.effective_from is None:
                raise Conflict("this version is a draft; there is nothing to withdraw", {})
            if policy.effective_from <= local_today():
                raise Conflict("this version is in force; a version in force stays",
                               {"effective_from": policy.effective_from.isoformat()})
            policy.effective_from, policy.published_at, policy.published_by = None, None, None
            session.flush()
            return _policy_answer(session, policy)

    @rpc
    def policy_text(self, kind, version, published_only=False):
        """The version as the federation publishes its 办法 (domain.policy_text).

        published_only: a draft is a 404 (for readers who see only what applies)."""
        with self.db.session() as session:
            policy = _policy(session, kind, version)
            if published_only and policy.effective_from is None:
                raise NotFound("no %s policy version %s" % (kind, version))
            text = policy_text.render(kind, version, policy.effective_from, policy.document)
            return contract.PolicyTextOut().dump(dict(
                text, kind=kind, version=version, effective_from=policy.effective_from,
                status="draft" if policy.effective_from is None else "published"))

    @rpc
    def dry_run(self, kind, payload, approval_facts=None):
        """What a version would grant, granting nothing.

        By activity_id: a decided activity runs on its decision's stored inputs (by
        default under the decision's own version), so that the amount is the decision's
        policy amount to the fen; an undecided one on approval_facts, the facts its
        approval would carry now (activities' approval_facts), with its union's year as
        it stands. Otherwise on the facts given.
        """
        data = load(contract.DryRunIn(), payload)
        if kind not in contract.POLICY_KINDS:
            raise NotFound("no policy kind %s" % kind)
        _check_subject(kind, data)
        with self.db.session() as session:
            if data["activity_id"] is not None:
                facts, policy, approved_on, decision, basis = _activity_run(
                    session, data, approval_facts)
            else:
                facts, policy, approved_on = _facts_run(session, kind, data)
                decision, basis = None, "facts"
        calc = domain.calculate(policy.document, facts)
        return contract.DryRunOut().dump({
            "kind": kind, "policy_version": policy.version,
            "policy_name": policy.document.get("name"), "approved_on": approved_on,
            "amount": calc.amount, "reason": calc.reason, "explanation": calc.explanation,
            "inputs": _jsonable(facts), "activity_id": data["activity_id"], "basis": basis,
            "decision": decision})


# the dry run's facts ---------------------------------------------------------------------
def _check_subject(kind, data):
    """An activity policy runs on an activity (its id or facts), a venue policy on venue
    facts."""
    if kind == "venue" and data["venue"] is None:
        given = "activity_id" if data["activity_id"] is not None else "activity"
        raise Invalid("a %s policy is tried on %s facts" % (kind, kind),
                      {given: ["not used by a %s policy" % kind],
                       "venue": ["required for a %s policy" % kind]})
    if kind == "activity" and data["venue"] is not None:
        raise Invalid("a %s policy is tried on %s facts" % (kind, kind),
                      {"venue": ["not used by a %s policy" % kind]})


def _facts_run(session, kind, data):
    """(facts, policy, approved_on) of a dry run on the facts given."""
    approved_on = data["approved_on"] or local_today()
    policy = _chosen(session, kind, data["version"], approved_on)
    facts = dict(data[kind])
    if kind == "activity":
        year = (facts["held_on"] or approved_on).year
        facts["union_granted_fen"] = _union_granted(session, facts["union_id"], year)
        if facts["union_decisions_before"] is None and facts["union_id"] is not None:
            facts.update(union_history(session, facts["union_id"]))
    elif facts["purpose"] is None:
        facts["purpose"] = (repository.venue_purpose(session, facts["venue_id"],
                                                     approved_on.year)
                            if facts["venue_id"] is not None else "construction")
    return facts, policy, approved_on


def _activity_run(session, data, approval_facts):
    """(facts, policy, approved_on, decision, basis) of a dry run by activity_id."""
    decided = session.scalars(select(Subsidy).where(
        Subsidy.activity_id == data["activity_id"])).first()
    if decided is not None:
        inputs = dict(decided.inputs)
        approved_on = data["approved_on"] or decided.approved_on or local_today()
        version = data["version"]
        if version is None and data["approved_on"] is None:
            version = decided.policy_version  # what its day's version was when it was made
        policy = _chosen(session, "activity", version, approved_on)
        used = to_fen(inputs["union_granted_before"]) if inputs.get(
            "union_granted_before") else 0
        decision = {"subsidy_id": decided.id, "status": decided.status,
                    "amount": decided.amount_fen, "reason": decided.reason,
                    "policy_version": decided.policy_version,
                    "approved_on": decided.approved_on, "fund_id": decided.fund_id}
        return dict(inputs, union_granted_fen=used), policy, approved_on, decision, "decision"
    if approval_facts is None:
        raise Invalid("the activity is not decided yet: its facts are needed",
                      {"activity_id": ["no decision; give the facts of its approval"]})
    approved_on = data["approved_on"] or local_today()
    policy = _chosen(session, "activity", data["version"], approved_on)
    facts = decision_inputs(session, _approval(approval_facts, data["activity_id"]),
                            approved_on)
    used = to_fen(facts["union_granted_before"])
    return dict(facts, union_granted_fen=used), policy, approved_on, None, "activity"


def decision_inputs(session, facts, approved_on):
    """The inputs a decision stores for an approval's facts (decisions.py builds the same:
    the event's facts, the union's year before it, the approval day) and the union's
    history."""
    inputs = _jsonable(facts)
    used = _union_granted(session, facts["union_id"], facts["held_on"].year)
    inputs["union_granted_before"] = to_yuan(used)
    inputs["approved_on"] = approved_on.isoformat()
    inputs.update(union_history(session, facts["union_id"]))
    return inputs


def union_history(session, union_id):
    """The union's history a decision needs to know (a first-time bonus): the count of its
    earlier activity decisions, whatever their status or year. Called where the decision
    builds its inputs, before the new decision is added, in the same unit of work."""
    before = session.scalar(select(func.count()).select_from(Subsidy).where(
        Subsidy.subject == "activity", Subsidy.union_id == union_id))
    return {"union_decisions_before": int(before or 0)}


def _approval(approval_facts, activity_id):
    facts = APPROVAL_FACTS.load(approval_facts)
    facts.pop("current_status", None)
    if facts["activity_id"] != activity_id:
        raise Invalid("the facts are of another activity",
                      {"activity_id": ["the facts given are of activity %d"
                                       % facts["activity_id"]]})
    return facts


def _union_granted(session, union_id, year):
    if union_id is None:
        return 0
    return session.scalar(select(UnionYear.granted_fen).where(
        UnionYear.union_id == union_id, UnionYear.year == year)) or 0


def _chosen(session, kind, version, approved_on):
    if version is None:
        return policy_in_force(session, kind, approved_on)
    return _policy(session, kind, version)


def _jsonable(facts):
    return {key: (value.isoformat() if isinstance(value, date) else value)
            for key, value in facts.items()}


# queries and checks ------------------------------------------------------------------------
def policy_in_force(session, kind, on_date):
    """The Policy row that applies to an approval on on_date."""
    versions = session.execute(queries.POLICY_VERSIONS, {"kind": kind}).all()
    version = domain.policy_in_force([(v, d) for v, d in versions], on_date)
    if version is None:
        raise Conflict("no published %s policy" % kind)
    return _policy(session, kind, version)


def rules_in_force(session, kind, on_date):
    """(version, effective_from, document) of the policy that applies to a decision on
    on_date: one query, no ORM objects."""
    rows = session.execute(queries.RULES, {"kind": kind}).all()
    version = domain.policy_in_force([(row.version, row.effective_from) for row in rows],
                                     on_date)
    if version is None:
        raise Conflict("no published %s policy" % kind)
    return next(row for row in rows if row.version == version)


def _policy(session, kind, version, lock=False):
    policy = session.scalars(queries.POLICY_LOCKED if lock else queries.POLICY,
                             {"kind": kind, "version": version}).first()
    if policy is None:
        raise NotFound("no %s policy version %s" % (kind, version))
    return policy


def _policy_answer(session, policy):
    policy.in_force = policy_in_force(session, policy.kind,
                                      local_today()).version == policy.version
    return contract.PolicyOut().dump(policy)


def _check_effective(effective_from):
    if effective_from is not None and effective_from < local_today():
        raise Invalid("a version applies to approvals from its effective date on",
                      {"effective_from": ["today (%s) or later; decided approvals keep "
                                          "their version" % local_today().isoformat()]})


def _lock_versions(session, kind):
    """(version, effective_from) of the kind's published versions, every row of the kind
    locked: publications, uploads and withdrawals of a kind take their turns, so that the
    order checked is the order stored."""
    rows = session.execute(select(Policy.version, Policy.effective_from)
                           .where(Policy.kind == kind).with_for_update()).all()
    return [(v, d) for v, d in rows if d is not None]


def _check_order(published, version, effective_from):
    if effective_from is None:
        return
    problems = publication_problems([(v, d) for v, d in published if v != version], version,
                                    effective_from)
    if problems:
        raise Invalid("versions take effect in version order, each on a later date than the "
                      "one before", {"effective_from": problems})


