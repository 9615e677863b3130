"""Payees (domain/payees.py): bank details validated and cleaned, decisions grouped into one
line per payee, the payees without bank details held out."""
from services.subsidies.domain.payees import (Decision, clean_bank_details, fallback_name,
                                              group, payee_of, union_told)

GOOD = ("国网甘州供电公司工会委员会", "中国工商银行张掖甘州支行", "0271 0012 3456 7890")


def test_good_details_are_stripped_and_the_number_keeps_its_leading_zeros():
    cleaned, errors = clean_bank_details("  国网甘州供电公司工会委员会 ", "\u3000中国工商银行张掖甘州支行",
                                         GOOD[2])
    assert errors == {}
    assert cleaned == {"account_name": "国网甘州供电公司工会委员会", "bank": "中国工商银行张掖甘州支行",
                       "account_number": "0271001234567890"}


def test_each_bad_field_is_named():
    cleaned, errors = clean_bank_details("   ", "", "6222-0000")
    assert set(errors) == {"account_name", "bank", "account_number"}
    assert errors["account_name"] == ["must not be blank"] == errors["bank"]
    assert errors["account_number"] == ["digits only (spaces are allowed and removed)"]
    _, none_given = clean_bank_details(None, None, None)
    assert set(none_given) == {"account_name", "bank", "account_number"}


def test_lengths_are_counted_once_stripped():
    assert clean_bank_details(" " + "户" * 100 + " ", GOOD[1], GOOD[2])[1] == {}
    assert clean_bank_details("户" * 101, GOOD[1], GOOD[2])[1] == {
        "account_name": ["at most 100 characters"]}
    assert "bank" in clean_bank_details(GOOD[0], "行" * 101, GOOD[2])[1]


def test_an_account_number_is_8_to_30_ascii_digits():
    for number in ("1234 5678", "0" * 30, "1" * 8):
        assert clean_bank_details(GOOD[0], GOOD[1], number)[1] == {}, number
    for number, message in (("1234567", "from 8 to 30 digits"), ("1" * 31, "from 8 to 30 digits"),
                            ("", "digits only (spaces are allowed and removed)"),
                            ("１２３４５６７８", "digits only (spaces are allowed and removed)"),
                            ("1234567²", "digits only (spaces are allowed and removed)"),
                            ("12345678\t", "digits only (spaces are allowed and removed)"),
                            ("-12345678", "digits only (spaces are allowed and removed)")):
        assert clean_bank_details(GOOD[0], GOOD[1], number)[1] == {
            "account_number": [message]}, number


def test_names_take_no_control_characters():
    errors = clean_bank_details("甲\t乙", "某\n行", GOOD[2])[1]
    assert set(errors) == {"account_name", "bank"}


def test_who_a_decision_pays_and_who_hears_of_a_return():
    assert payee_of("activity", 3, None) == ("union", 3)
    assert payee_of("venue", 3, 9) == ("venue", 9)  # the venue itself, not its host union
    assert union_told("union", 3, None) == 3
    assert union_told("venue", 9, 3) == 3
    assert union_told("venue", 9, None) is None  # a culture palace has no host union
    assert fallback_name("union", 3) == "工会 3" and fallback_name("venue", 9) == "阵地 9"


def test_decisions_are_grouped_one_line_per_payee_and_the_others_held_out():
    decisions = [Decision(5, 35_000, ("union", 3), "甘州区某工会"),
                 Decision(2, 29_000, ("union", 3), "甘州区某工会"),
                 Decision(4, 2_000_000, ("venue", 9), "甘州区职工书屋"),
                 Decision(3, 15_000, ("union", 8), "临泽县某工会"),
                 Decision(1, 30_000, ("union", 1), "张掖市总工会")]
    payees = {("union", 3): {"name": "国网甘州供电工会", "account_name": "户", "bank": "行",
                             "account_number": "00123456"},
              ("venue", 9): {"name": None, "account_name": "书屋", "bank": "行",
                             "account_number": "99999999"},
              ("union", 1): {"name": "张掖市总工会", "account_name": "市总", "bank": "行",
                             "account_number": "11111111"}}
    grouping = group(decisions, payees)
    assert [(line.number, line.payee) for line in grouping.lines] == [
        (1, ("union", 1)), (2, ("union", 3)), (3, ("venue", 9))]
    union = grouping.lines[1]
    assert (union.subsidy_ids, union.total, union.count) == ([2, 5], 64_000, 2)
    assert union.payee_name == "国网甘州供电工会"          # the payee's own name first
    assert grouping.lines[2].payee_name == "甘州区职工书屋"  # else the decision's
    assert union.view() == {"payee_kind": "union", "payee_id": 3, "payee_name": "国网甘州供电工会",
                            "count": 2, "total": 64_000, "subsidy_ids": [2, 5], "number": 2,
                            "account_name": "户", "bank": "行", "account_number": "00123456"}
    (held,) = grouping.held_out
    assert held.view() == {"payee_kind": "union", "payee_id": 8, "payee_name": "临泽县某工会",
                           "count": 1, "total": 15_000, "subsidy_ids": [3]}
    assert (grouping.count, grouping.total) == (4, 2_094_000)  # the held-out one not in it


def test_nothing_with_a_payee_makes_no_line():
    grouping = group([Decision(1, 100, ("union", 3), "某工会")], {})
    assert grouping.lines == [] and grouping.total == 0 and len(grouping.held_out) == 1
