"""Policies: versioned rule documents (drafts, publication with an effective date), and
the dry run of a version on facts."""
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from services.common.clock import local_today, utcnow
from services.common.errors import Conflict, Invalid, NotFound
from services.common.schema import load
from services.subsidies import contract, domain, queries, repository
from services.subsidies.entrypoints import rpc
from services.subsidies.models import Policy, UnionYear


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
            latest = session.scalar(select(func.max(Policy.version))
                                    .where(Policy.kind == data["kind"])) or 0
            _check_after_published(session, data["kind"], data["effective_from"])
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
            policy = _policy(session, kind, version, lock=True)
            if policy.effective_from is not None:
                raise Conflict("this version is published already",
                               {"effective_from": policy.effective_from.isoformat()})
            _check_after_published(session, kind, data["effective_from"])
            policy.effective_from = data["effective_from"]
            policy.published_at, policy.published_by = utcnow(), actor
            session.flush()
            return _policy_answer(session, policy)

    @rpc
    def dry_run(self, kind, payload):
        """What a version (by default the one in force on approved_on) would grant."""
        data = load(contract.DryRunIn(), payload)
        if kind not in contract.POLICY_KINDS:
            raise NotFound("no policy kind %s" % kind)
        wanted, other = ("activity", "venue") if kind == "activity" else ("venue", "activity")
        if data[wanted] is None or data[other] is not None:
            raise Invalid("a %s policy is tried on %s facts" % (kind, wanted),
                          {wanted: ["required for a %s policy" % kind]} if data[wanted] is None
                          else {other: ["not used by a %s policy" % kind]})
        approved_on = data["approved_on"] or local_today()
        facts = dict(data[wanted])
        with self.db.session() as session:
            if data["version"] is None:
                policy = policy_in_force(session, kind, approved_on)
            else:
                policy = _policy(session, kind, data["version"])
            if kind == "activity":
                year = (facts["held_on"] or approved_on).year
                used = 0
                if facts["union_id"] is not None:
                    used = session.scalar(select(UnionYear.granted_fen).where(
                        UnionYear.union_id == facts["union_id"], UnionYear.year == year)) or 0
                facts["union_granted_fen"] = used
            elif facts["purpose"] is None:
                facts["purpose"] = (repository.venue_purpose(session, facts["venue_id"])
                                    if facts["venue_id"] is not None else "construction")
        calc = domain.calculate(policy.document, facts)
        inputs = {key: (value.isoformat() if isinstance(value, date) else value)
                  for key, value in facts.items()}
        return contract.DryRunOut().dump({
            "kind": kind, "policy_version": policy.version,
            "policy_name": policy.document.get("name"), "approved_on": approved_on,
            "amount": calc.amount, "reason": calc.reason, "explanation": calc.explanation,
            "inputs": inputs})


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


def _check_after_published(session, kind, effective_from):
    if effective_from is None:
        return
    latest = session.scalar(select(func.max(Policy.effective_from)).where(Policy.kind == kind))
    if latest is not None and effective_from < latest:
        raise Invalid("versions take effect in order",
                      {"effective_from": ["on or after %s, the effective date of the "
                                          "latest published version" % latest.isoformat()]})


