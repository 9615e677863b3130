"""A policy version as published text (domain.policy_text): a sentence for every rule type,
articles in the order the engine applies them, the table of amounts, and the whole text."""
import copy
from datetime import date

import pytest

from services.subsidies import domain
from services.subsidies.domain import policy_text

V1 = domain.DEFAULT_ACTIVITY_POLICY
V2 = domain.DIFFERENTIATED_ACTIVITY_POLICY
VENUE = domain.DEFAULT_VENUE_POLICY


def activity_text(*rules, **document):
    body = copy.deepcopy(V1)
    body["rules"][2:2] = list(rules)
    body.update(document)
    assert domain.validate_policy("activity", body) == {}
    return policy_text.render("activity", 5, date(2027, 1, 1), body)


@pytest.mark.parametrize("number, text", [(1, "一"), (9, "九"), (10, "十"), (11, "十一"),
                                          (20, "二十"), (23, "二十三"), (50, "五十")])
def test_article_numbers_are_chinese(number, text):
    assert policy_text.numeral(number) == text


def test_amounts_read_as_a_published_text_writes_them():
    assert policy_text.yuan("150.00") == "150元"
    assert policy_text.yuan("5.50") == "5.50元"
    assert policy_text.yuan("0.05") == "0.05元"


def test_the_differentiated_version_reads_as_its_rules():
    answer = policy_text.render("activity", 2, date(2027, 1, 1), V2)
    assert answer["title"] == V2["name"]
    articles = answer["articles"]
    # two opening articles, one per rule, the budget rule, the version's own
    assert len(articles) == 2 + len(V2["rules"]) + 2
    assert articles[0].startswith("第一条 为规范职工文体活动补助的核定")
    assert articles[2] == "第三条 申请补助的活动应当符合下列条件：参与人数不少于5人。不符合条件的，不予补助。"
    assert articles[3] == ("第四条 基础补助标准：市级活动3000元，县级活动1000元，基层活动150元。"
                           "其中，宣讲类活动：基层活动200元。")
    assert articles[4] == "第五条 按参与人数每人加计5元。"
    assert articles[5] == "第六条 契合本季（四季歌）主题的活动，补助金额乘以系数1.20。"
    assert articles[6] == "第七条 在偏远县区（肃南裕固族自治县）举办的活动，补助金额乘以系数1.30。"
    assert articles[7] == "第八条 主讲人当年宣讲满意度达到95%及以上的宣讲活动，补助金额乘以系数1.10。"
    assert articles[8] == "第九条 补助金额不超过活动实际支出的50%，超出部分核减。"
    assert articles[9] == "第十条 单项活动补助上限：市级活动10000元，县级活动5000元，基层活动800元，超出部分核减。"
    assert articles[10].startswith("第十一条 同一工会同一年度累计获得的活动补助不超过：市级活动100000元，"
                                   "县级活动30000元，基层活动5000元。")
    assert "不予补助" in articles[11]
    assert articles[12].startswith("第十三条 本办法为第2版，自2027年1月1日起施行")
    assert answer["text"].startswith(V2["name"] + "\n第2版\n")
    assert all(article in answer["text"] for article in articles)


def test_the_table_gives_the_amounts_by_tier_and_category():
    table = policy_text.render("activity", 2, date(2027, 1, 1), V2)["table"]
    assert table["columns"] == ["项目", "市级活动", "县级活动", "基层活动"]
    rows = {row[0]: row[1:] for row in table["rows"]}
    assert rows["基础补助"] == ["3000", "1000", "150"]
    assert rows["基础补助（宣讲类）"] == ["—", "—", "200"]
    assert rows["每名参与者加计"] == ["5", "5", "5"]
    assert rows["偏远县区系数"] == ["×1.30"] * 3
    assert rows["不超过实际支出"] == ["50%"] * 3
    assert rows["单项活动上限"] == ["10000", "5000", "800"]
    assert rows["工会年度上限"] == ["100000", "30000", "5000"]
    text = policy_text.render("activity", 2, date(2027, 1, 1), V2)["text"]
    assert "补助标准表（单位：元）\n项目 | 市级活动 | 县级活动 | 基层活动\n基础补助 | 3000 | 1000 | 150" \
        in text


def test_eligibility_by_category():
    rule = {"type": "eligibility", "categories": ["reading", "lecture"]}
    body = copy.deepcopy(V1)
    body["rules"].insert(0, rule)
    text = policy_text.render("activity", 3, None, body)
    assert text["articles"][2] == "第三条 申请补助的活动应当符合下列条件：活动类别为读书、宣讲。不符合条件的，不予补助。"


def test_per_participant_with_a_ceiling():
    answer = activity_text()
    body = copy.deepcopy(V1)
    body["rules"][1]["max_participants"] = 100
    capped = policy_text.render("activity", 3, None, body)
    assert "按参与人数每人加计5元。" in answer["articles"][3]
    assert capped["articles"][3] == "第四条 按参与人数每人加计5元，参与人数超过100人的按100人计。"
    assert ["每名参与者加计（至多100人）", "5", "5", "5"] in capped["table"]["rows"]


def test_a_multiplier_by_category_and_one_by_tier():
    answer = activity_text(
        {"type": "multiplier", "when": "category", "categories": ["women", "lecture"],
         "factor": "1.10"},
        {"type": "multiplier", "when": "tier", "tiers": ["grassroots", "county"],
         "factor": "1.25"})
    assert answer["articles"][4] == "第五条 宣讲、女职工类活动，补助金额乘以系数1.10。"
    assert answer["articles"][5] == "第六条 县级、基层活动，补助金额乘以系数1.25。"
    rows = {row[0]: row[1:] for row in answer["table"]["rows"]}
    assert rows["宣讲、女职工类活动系数"] == ["×1.10"] * 3
    assert rows["层级系数"] == ["—", "×1.25", "×1.25"]


def test_the_first_time_bonus():
    answer = activity_text({"type": "first_time_bonus", "amount": "100.00"})
    assert answer["articles"][4] == ("第五条 工会首次申报活动补助（此前没有任何活动补助决定）的，"
                                     "另加100元。")
    assert ["首次申报奖励", "100", "100", "100"] in answer["table"]["rows"]


def test_a_union_cap_of_one_amount():
    body = copy.deepcopy(V1)
    body["rules"].append({"type": "cap_per_union_year", "amount": "6000.00"})
    answer = policy_text.render("activity", 3, None, body)
    assert "同一工会同一年度累计获得的活动补助不超过：每个工会6000元。" in answer["articles"][6]
    assert ["工会年度上限", "6000", "6000", "6000"] in answer["table"]["rows"]


def test_the_last_yuan_rule_both_ways():
    none = activity_text()
    partial = activity_text(when_budget_short="partial")
    assert "该项不予补助" in none["articles"][-2]
    assert "按剩余资金予以补助" in partial["articles"][-2]


def test_a_draft_says_it_applies_to_nothing_and_a_description_is_kept():
    body = dict(copy.deepcopy(V1), description="适用于全市各级工会")
    answer = policy_text.render("activity", 4, None, body)
    assert answer["articles"][-1] == "第八条 本办法为第4版草案，尚未发布施行，不适用于任何审核。"
    assert answer["articles"][0].endswith("制定本办法。（适用于全市各级工会）")
    assert "第4版（草案）" in answer["text"]


def test_the_venue_policy_its_threshold_amounts_multipliers_and_caps():
    answer = policy_text.render("venue", 1, date(2000, 1, 1), VENUE)
    articles = answer["articles"]
    assert articles[2] == "第三条 申请补助的阵地应当“四好”评定等级达到良好及以上；未达到的，不予补助。"
    assert articles[3].startswith("第四条 阵地首次获得补助为建设补助，此后为运行维护补助。补助标准：建设补助："
                                  "工人文化宫50000元，")
    assert "其他阵地10000元；运行维护补助：" in articles[3]
    assert articles[4] == "第五条 “四好”评定等级为优秀的阵地，补助金额乘以系数1.20。"
    assert articles[5] == "第六条 位于偏远县区（肃南裕固族自治县）的阵地，补助金额乘以系数1.30。"
    assert articles[6] == "第七条 单个阵地每次补助不超过：建设补助60000元，运行维护补助12000元，超出部分核减。"
    assert "适用于该日及以后审核通过的阵地" in articles[-1]
    table = answer["table"]
    assert table["columns"] == ["阵地类型", "建设补助", "运行维护补助"]
    rows = {row[0]: row[1:] for row in table["rows"]}
    assert rows["工人文化宫"] == ["50000", "10000"]
    assert rows["匠心书苑"] == ["8000", "3000"]        # upkeep: the default
    assert rows["共享职工书屋"] == ["10000", "3000"]    # both defaults
    assert rows["单项上限"] == ["60000", "12000"]


def test_a_venue_threshold_by_score():
    body = copy.deepcopy(VENUE)
    body["rules"][0] = {"type": "venue_threshold", "min_rating": "pass", "min_total": 70}
    answer = policy_text.render("venue", 2, None, body)
    assert answer["articles"][2] == ("第三条 申请补助的阵地应当“四好”评定等级达到合格及以上，"
                                     "且“四好”评分不低于70分；未达到的，不予补助。")


def test_every_rule_type_has_its_sentence():
    assert set(policy_text.SENTENCE) == set(domain.RULE_FIELDS)
