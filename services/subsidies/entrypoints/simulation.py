"""A period under a policy version (draft or published), touching nothing: the period's
activity decisions and the funds they drew on are read in one session, then the pure
simulation (domain.simulation) runs in a thread of the pool, as a year of decisions is
seconds of work that must not hold the hub (and no transaction is held across it)."""
import eventlet
from eventlet import tpool
from sqlalchemy import func, select

from services.activities import contract as activities
from services.common.errors import Invalid, NotFound
from services.common.schema import load
from services.subsidies import contract
from services.subsidies.domain import simulation
from services.subsidies.entrypoints import rpc
from services.subsidies.entrypoints.policies import _policy as policy_row
from services.subsidies.models import Fund, FundAllocation, Subsidy
from services.subsidies.repository import GRANTED_OR_PAID

CASE_COLUMNS = (Subsidy.id, Subsidy.activity_id, Subsidy.activity_title, Subsidy.union_id,
                Subsidy.county, Subsidy.tier, Subsidy.year, Subsidy.fund_id, Subsidy.status,
                Subsidy.reason, Subsidy.amount_fen, Subsidy.inputs)
CHUNK = 500  # rows read between two turns of the hub
NAMES = {"by_tier": contract.TIER_NAMES, "by_category": contract.CATEGORY_NAMES,
         "by_season": activities.SEASON_NAMES}


class SimulationEntrypoints:
    @rpc
    def simulate_policy(self, kind, version, payload):
        """The version applied to every activity decision of a year (its activities') or
        of the approval days from..to, in the order they were decided: the policy's total,
        what the funds would have allowed, by county, tier, category and season, and the
        changes against the decisions as they stand (contract.SimulationOut)."""
        data = load(contract.SimulateIn(), payload)
        if kind not in contract.POLICY_KINDS:
            raise NotFound("no policy kind %s" % kind)
        if kind != "activity":
            raise Invalid("a simulation runs an activity policy over activity decisions",
                          {"kind": ["activity (venue policies are not simulated)"]})
        with self.db.session() as session:
            policy = policy_row(session, kind, version)
            document = policy.document
            answer = {"kind": kind, "policy_version": version,
                      "policy_name": document.get("name"),
                      "status": "draft" if policy.effective_from is None else "published",
                      "year": data["year"], "from_": data["from_"], "to": data["to"],
                      "fund": "honoured"}
            cases = period_cases(session, data)
            funds = fund_rooms(session, cases)
            before = decisions_before(session, cases)
        figures = tpool.execute(simulation.simulate, document, cases, funds, before)
        for group, names in NAMES.items():
            for row in figures[group]:
                row["name"] = names.get(row["key"])
        answer.update(figures)
        return contract.SimulationOut().dump(answer)


def period_cases(session, data):
    """The period's activity decisions (domain.simulation.Case), oldest first."""
    query = select(*CASE_COLUMNS).where(Subsidy.subject == "activity").order_by(Subsidy.id)
    if data["year"] is not None:
        query = query.where(Subsidy.year == data["year"])
    else:
        query = query.where(Subsidy.approved_on >= data["from_"],
                            Subsidy.approved_on <= data["to"])
    cases = []
    for rows in session.execute(query).partitions(CHUNK):
        cases += [simulation.Case(
            subsidy_id=row.id, activity_id=row.activity_id, title=row.activity_title,
            union_id=row.union_id, county=row.county, tier=row.tier, year=row.year,
            fund_id=row.fund_id, status=row.status, reason=row.reason,
            amount=row.amount_fen if row.status in GRANTED_OR_PAID else 0,
            inputs=row.inputs or {}) for row in rows]
        eventlet.sleep(0)  # a year of rows (their JSON decoded) must not hold the hub
    return cases


def fund_rooms(session, cases):
    """{fund_id: FundRoom} of the funds the cases drew on: each fund's budget as it stands
    (its adjustments counted), less what it had granted before the period's first
    decision; its county allocations likewise."""
    fund_ids = sorted({case.fund_id for case in cases if case.fund_id is not None})
    if not fund_ids:
        return {}
    first = cases[0].subsidy_id
    rooms = {fund_id: simulation.FundRoom(budget) for fund_id, budget in session.execute(
        select(Fund.id, Fund.budget_fen).where(Fund.id.in_(fund_ids)))}
    for fund_id, county, budget in session.execute(
            select(FundAllocation.fund_id, FundAllocation.county, FundAllocation.budget_fen)
            .where(FundAllocation.fund_id.in_(fund_ids))):
        rooms[fund_id].allocations[county] = [budget, 0]
    for fund_id, county, granted in session.execute(
            select(Subsidy.fund_id, Subsidy.county, func.sum(Subsidy.amount_fen))
            .where(Subsidy.fund_id.in_(fund_ids), Subsidy.status.in_(GRANTED_OR_PAID),
                   Subsidy.id < first)
            .group_by(Subsidy.fund_id, Subsidy.county)):
        rooms[fund_id].take(county, int(granted or 0))
    return rooms


def decisions_before(session, cases):
    """{union_id: count} of the unions' activity decisions before the period's first."""
    if not cases:
        return {}
    return dict(session.execute(
        select(Subsidy.union_id, func.count()).where(
            Subsidy.subject == "activity", Subsidy.id < cases[0].subsidy_id)
        .group_by(Subsidy.union_id)).all())
