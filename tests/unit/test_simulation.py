"""A period under a version (domain.simulation): decisions again from their stored inputs,
in order, the unions' years accumulated again (caps), the fund honoured (or not, in the
policy's own total), the breakdowns, the changes and the largest ten."""
import copy
import itertools

from services.common.money import to_yuan
from services.subsidies import domain
from services.subsidies.domain import simulation
from services.subsidies.domain.simulation import Case, FundRoom, simulate

V1 = domain.DEFAULT_ACTIVITY_POLICY
V2 = domain.DIFFERENTIATED_ACTIVITY_POLICY
SEASON = {1: "winter", 4: "spring", 7: "summer", 10: "autumn"}


def activity(union_id, month=4, county="甘州区", category="reading", participants=40,
             expenses="1500.00", tier="grassroots", theme=False):
    return {"union_id": union_id, "county": county, "tier": tier, "category": category,
            "season": SEASON[month], "held_on": "2026-%02d-15" % month,
            "participants": participants, "expenses": expenses, "season_theme_match": theme,
            "lecturer_satisfaction": None}


def decided(document, activities, budget=None, fund_id=1):
    """Cases as the service decides them: in order, each union's year so far, the fund."""
    ids = itertools.count(1)
    used, remaining, cases = {}, budget, []
    for facts in activities:
        before = used.get(facts["union_id"], 0)
        inputs = dict(facts, union_granted_before=to_yuan(before), approved_on="2026-05-01")
        calc = domain.calculate(document, dict(inputs, union_granted_fen=before))
        decision = domain.decide(calc, remaining)
        if decision.status == "granted":
            used[facts["union_id"]] = before + decision.amount
            remaining -= decision.amount
        number = next(ids)
        cases.append(Case(number, number, "活动 %d" % number, facts["union_id"],
                          facts["county"], facts["tier"], 2026,
                          fund_id if budget is not None else None, decision.status,
                          decision.reason, decision.amount, inputs))
    return cases


def year(count=60):
    """Several unions, seasons, categories and counties; some match the season's theme."""
    counties = ["甘州区", "临泽县", "肃南裕固族自治县"]
    categories = ["reading", "lecture", "sports", "culture"]
    return [activity(1 + i % 7, month=(1, 4, 7, 10)[i % 4], county=counties[i % 3],
                     category=categories[i % 4], participants=10 + (i * 13) % 150,
                     expenses="%d.00" % (400 + (i * 271) % 3000), theme=i % 5 == 0)
            for i in range(count)]


def test_the_version_the_decisions_were_made_under_changes_nothing():
    cases = decided(V2, year(), budget=2000000)
    result = simulate(V2, cases, {1: FundRoom(2000000)})
    assert result["changes"] == {"count": 0, "increased": 0, "increase": 0, "decreased": 0,
                                 "decrease": 0}
    assert result["allowed"] == result["actual"] == sum(c.amount for c in cases)
    assert result["decisions"] == 60 and result["largest_changes"] == []


def test_a_draft_against_the_decisions_by_group_and_in_total():
    cases = decided(V1, year(), budget=10 ** 8)
    result = simulate(V2, cases, {1: FundRoom(10 ** 8)})
    assert result["actual"] == sum(c.amount for c in cases)
    assert result["policy"] == result["allowed"]  # the fund is large enough
    for group in ("by_county", "by_tier", "by_category", "by_season"):
        rows = result[group]
        for figure in ("decisions", "actual", "policy", "allowed"):
            assert sum(row[figure] for row in rows) == result[figure], (group, figure)
    assert [row["key"] for row in result["by_season"]] == ["spring", "summer", "autumn",
                                                            "winter"]
    assert [row["key"] for row in result["by_category"]] == ["culture", "sports", "reading",
                                                              "lecture"]
    changes = result["changes"]
    assert changes["increase"] - changes["decrease"] == result["allowed"] - result["actual"]
    assert changes["count"] == changes["increased"] + changes["decreased"] > 0
    sunan = {row["key"]: row for row in result["by_county"]}["肃南裕固族自治县"]
    assert sunan["allowed"] > sunan["actual"]  # x 1.3 in the remote county


def test_the_ten_largest_changes_come_first_with_their_explanation(monkeypatch):
    cases = decided(V1, year(), budget=10 ** 8)
    result = simulate(V2, cases, {1: FundRoom(10 ** 8)})
    largest = result["largest_changes"]
    assert len(largest) == 10
    sizes = [abs(change["change"]) for change in largest]
    assert sizes == sorted(sizes, reverse=True)
    monkeypatch.setattr(simulation, "LARGEST", 1000)  # every change, to compare with
    every = simulate(V2, cases, {1: FundRoom(10 ** 8)})["largest_changes"]
    assert len(every) == result["changes"]["count"] > 10
    assert sizes == sorted((abs(c["change"]) for c in every), reverse=True)[:10]
    top = largest[0]
    case = next(c for c in cases if c.subsidy_id == top["subsidy_id"])
    assert top["actual"] == case.amount and top["change"] == top["allowed"] - case.amount
    assert top["explanation"] and top["explanation"][0].startswith("补助条件")


def test_union_caps_work_on_totals_accumulated_again_under_the_draft():
    capped = copy.deepcopy(V1)
    capped["rules"].append({"type": "cap_per_union_year", "amount": "1000.00"})
    cases = decided(V1, [activity(9) for _ in range(5)], budget=10 ** 6)
    assert [c.amount for c in cases] == [35000] * 5
    result = simulate(capped, cases, {1: FundRoom(10 ** 6)})
    assert result["allowed"] == 100000  # 350 + 350 + 300, then the cap
    assert [c["allowed"] for c in sorted(result["largest_changes"],
                                         key=lambda c: c["subsidy_id"])] == [30000, 0, 0]
    reasons = {c["reason"] for c in result["largest_changes"]}
    assert reasons == {None, "union_cap_reached"}


def test_a_union_year_starts_from_what_it_had_before_the_period():
    cases = decided(V1, [activity(4) for _ in range(3)], budget=10 ** 6)
    later = cases[1:]  # the period begins after the first decision: 350 granted before
    capped = copy.deepcopy(V1)
    capped["rules"].append({"type": "cap_per_union_year", "amount": "700.00"})
    result = simulate(capped, later, {1: FundRoom(10 ** 6, granted=35000)})
    assert result["allowed"] == 35000  # 350 left under 700, then nothing


def test_the_fund_is_honoured_in_order_and_the_policy_total_ignores_it():
    cases = decided(V1, [activity(i) for i in range(1, 11)], budget=10 ** 6)
    result = simulate(V1, cases, {1: FundRoom(100000)})  # room for two of ten
    assert (result["policy"], result["allowed"]) == (350000, 70000)
    assert result["granted_allowed"] == 2 and result["granted_actual"] == 10
    assert {c["reason"] for c in result["largest_changes"]} == {"budget_exhausted"}
    partial = dict(copy.deepcopy(V1), when_budget_short="partial")
    result = simulate(partial, cases, {1: FundRoom(100000)})
    assert result["allowed"] == 100000 and result["granted_allowed"] == 3
    assert "partial" in {c["reason"] for c in result["largest_changes"]}


def test_a_county_allocation_is_honoured_too():
    acts = [activity(i, county="临泽县") for i in range(1, 4)] + [activity(9)]
    cases = decided(V1, acts, budget=10 ** 6)
    room = FundRoom(10 ** 6, allocations={"临泽县": [70000, 0]})
    result = simulate(V1, cases, {1: room})
    rows = {row["key"]: row for row in result["by_county"]}
    assert rows["临泽县"]["allowed"] == 70000 and rows["甘州区"]["allowed"] == 35000


def test_no_fund_grants_nothing():
    cases = decided(V1, [activity(1)], budget=None)
    assert cases[0].status == "declined" and cases[0].reason == "no_fund"
    result = simulate(V2, cases, {})
    assert (result["policy"], result["allowed"], result["changes"]["count"]) == (35000, 0, 0)


def test_withdrawn_grants_are_left_out_but_count_as_reports():
    cases = decided(V1, [activity(3), activity(3)], budget=10 ** 6)
    first = cases[0]
    cancelled = Case(first.subsidy_id, first.activity_id, first.title, first.union_id,
                     first.county, first.tier, first.year, first.fund_id, "declined",
                     "cancelled", 0, first.inputs)
    bonus = copy.deepcopy(V1)
    bonus["rules"].insert(2, {"type": "first_time_bonus", "amount": "100.00"})
    result = simulate(bonus, [cancelled, cases[1]], {1: FundRoom(10 ** 6)})
    assert result["left_out"] == 1 and result["decisions"] == 1
    assert result["allowed"] == 35000  # the second report: no bonus


def test_the_first_time_bonus_counts_the_unions_history():
    cases = decided(V1, [activity(5), activity(6), activity(5)], budget=10 ** 6)
    bonus = copy.deepcopy(V1)
    bonus["rules"].insert(2, {"type": "first_time_bonus", "amount": "100.00"})
    result = simulate(bonus, cases, {1: FundRoom(10 ** 6)}, decisions_before={6: 2})
    changed = {c["subsidy_id"]: c["change"] for c in result["largest_changes"]}
    assert changed == {1: 10000}  # union 5's first; union 6 had two before the period
    stored = [Case(*[getattr(c, f) for f in Case.__dataclass_fields__ if f != "inputs"],
                   inputs=dict(c.inputs, union_decisions_before=4)) for c in cases]
    assert simulate(bonus, stored, {1: FundRoom(10 ** 6)})["changes"]["count"] == 0


def test_nothing_is_changed_in_the_cases_given():
    cases = decided(V1, year(8), budget=10 ** 6)
    copies = copy.deepcopy(cases)
    simulate(V2, cases, {1: FundRoom(10 ** 6)})
    assert cases == copies
