"""The year-end report (决算): GET /api/v1/reports/year, as JSON or an Excel workbook.

The gateway joins what each service answers for the year, asked at the same time
(one green thread per RPC): activities (the year by county, tier, season and category,
coverage, the lecture programme, what it counts at venues and its lecturer pool),
subsidies (decisions, money, each fund, the ledger and whether every total reconciles
with it) and library (the reading network and its evaluations). Where two services
count the same thing (approved activities and their decisions; approved activities held
at venues) the report shows both and whether they agree. Every figure is a service's:
the gateway adds none of its own. The city and finance read any county or the whole
city; a county reviewer its own county.
"""
import functools
import io
from decimal import Decimal

import eventlet
import xlsxwriter
from marshmallow import fields, validate
from werkzeug.wrappers import Response

from gateway.api import route
from gateway.errors import forbidden
from gateway.openapi import XLSX
from services.activities.contract import SEASON_NAMES
from services.common.clock import iso, utcnow
from services.subsidies import contract as c

READERS = ("city_admin", "finance", "county_reviewer")
SERVICE_NAMES = {"activities": "活动服务", "subsidies": "补助服务", "library": "阅读阵地服务"}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP: cells a spreadsheet may run
FUND_STATUS_NAMES = {"open": "开放", "closed": "已关闭"}
DECLINE_NAMES = {"budget_exhausted": "预算已用尽", "union_cap_reached": "达到工会年度上限",
                 "not_eligible": "不符合补助条件", "no_fund": "无可用资金", "cancelled": "已撤销"}


class YearReportQuery(c.YearReportIn):
    format = fields.String(load_default="json", validate=validate.OneOf(("json", "xlsx")),
                           metadata={"description": "json, or xlsx: a workbook for people"})


class YearReportRoutes:
    @route("GET", "/api/v1/reports/year", roles=READERS, query=YearReportQuery(),
           response=c.YearReportOut,
           summary="The year-end report (决算): activities, subsidies and every fund, the "
                   "lecture programme and the reading network, each money total reconciled "
                   "with the ledger; ?format=xlsx for a workbook")
    def year_report(self, call):
        year, county = call.query["year"], _county_scope(call.user, call.query["county"])
        report = self._year_report(year, county)
        if call.query["format"] == "xlsx":
            name = "year-report-%d%s.xlsx" % (year, "" if county is None else "-county")
            return Response(workbook(report), mimetype=XLSX, headers={
                "Content-Disposition": 'attachment; filename="%s"' % name})
        return report

    def _year_report(self, year, county):
        ask = functools.partial
        stats, coverage, lectures, extra, subsidies, network = _together(
            ask(self._rpc, "activities", "statistics", year, county),
            ask(self._rpc, "activities", "coverage", year, county),
            ask(self._rpc, "activities", "lecture_report", year, county),
            ask(self._rpc, "activities", "year_figures", year, county),
            ask(self._rpc, "subsidies", "year_report", {"year": year, "county": county}),
            ask(self._rpc, "library", "year_figures", year, county))
        agreement = [
            _agreement("approved_decided", "审核通过的活动与其补助决定",
                       activities=stats["published"]["activities_approved"],
                       subsidies=subsidies["activities"]["decisions"]),
            _agreement("held_at_venues", "在阅读阵地举办并审核通过的活动",
                       activities=extra["approved_at_venues"],
                       library=network["activities_at_venues"])]
        findings = [_finding(a) for a in agreement if not a["agrees"]]
        findings += subsidies["reconciliation"]["problems"]
        return {"year": year, "county": county, "generated_at": iso(utcnow()),
                "consistent": not findings, "findings": findings, "activities": stats,
                "coverage": coverage, "lectures": lectures, "activities_extra": extra,
                "subsidies": subsidies, "reading_network": network, "agreement": agreement}


def _county_scope(user, county):
    """A county reviewer reads its own county's report only; the others any, or the city's."""
    if user.role != "county_reviewer":
        return county
    if county not in (None, user.county):
        raise forbidden("a county reviewer reads only its own county's report")
    return user.county


def _together(*calls):
    """The parts at the same time (callables without arguments); their answers in order,
    the first failure raised: one after the other the report would wait for their sum."""
    pile = eventlet.GreenPile(len(calls))
    for call in calls:
        pile.spawn(call)
    return list(pile)


def _agreement(check, label, **figures):
    return {"check": check, "label": label, "figures": figures,
            "agrees": len(set(figures.values())) == 1}


def _finding(agreement):
    figures = agreement["figures"]
    text = "%s不一致：%s" % (agreement["label"], "，".join(
        "%s %d 场" % (SERVICE_NAMES[service], count) for service, count in figures.items()))
    behind = figures.get("activities", 0) - figures.get("subsidies", figures.get("activities"))
    if agreement["check"] == "approved_decided" and behind > 0:
        text += "（%d 场尚无补助决定：补助服务可能仍在处理）" % behind
    return text


# the workbook ------------------------------------------------------------------------------
def safe_text(value):
    """Text as text: a cell that a spreadsheet would read as a formula gets a leading '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Sheet:
    """One worksheet written top to bottom: titles, tables of typed columns."""

    def __init__(self, book, name, styles):
        self.sheet, self.styles, self.row = book.add_worksheet(name), styles, 0
        self.sheet.set_column(0, 0, 28)
        self.sheet.set_column(1, 20, 14)

    def title(self, text):
        self.sheet.write_string(self.row, 0, safe_text(text), self.styles["title"])
        self.row += 1

    def table(self, headers, rows):
        """headers: [(Chinese header, kind)]; kind: text, int, money (yuan strings), points
        ("4.60") or ratio ("0.9583" strings); None leaves a cell empty."""
        for column, (header, _) in enumerate(headers):
            self.sheet.write_string(self.row, column, header, self.styles["header"])
        self.row += 1
        for values in rows:
            for column, ((_, kind), value) in enumerate(zip(headers, values)):
                self.cell(column, kind, value)
            self.row += 1
        self.row += 1

    def cell(self, column, kind, value):
        if value is None:
            self.sheet.write_blank(self.row, column, None)
        elif kind == "text":
            self.sheet.write_string(self.row, column, safe_text(value))
        elif kind == "int":
            self.sheet.write_number(self.row, column, int(value))
        else:  # money, points and ratios: exact decimal strings, shown with their format
            self.sheet.write_number(self.row, column, float(Decimal(value)), self.styles[kind])


def workbook(report):
    """The report as an .xlsx: one sheet per part, Chinese headers, money as numbers."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    styles = {"title": book.add_format({"bold": True, "font_size": 13}),
              "header": book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1}),
              "money": book.add_format({"num_format": "0.00"}),
              "points": book.add_format({"num_format": "0.00"}),
              "ratio": book.add_format({"num_format": "0.00%"})}
    for name, write in SHEETS:
        write(Sheet(book, name, styles), report)
    book.close()
    return out.getvalue()


def _overview(sheet, report):
    published, money = report["activities"]["published"], report["subsidies"]
    network, programme = report["reading_network"], report["lectures"]["programme"]
    sheet.title("%d年度职工文化服务决算（%s）" % (report["year"], report["county"] or "全市"))
    sheet.table([("项目", "text"), ("数值", "text")], [
        ("生成时间（UTC）", report["generated_at"]),
        ("核对结论", "一致" if report["consistent"] else "不一致，见“核对”")])
    sheet.table([("指标", "text"), ("数量", "int")], [
        ("上报活动（场）", report["activities"]["reported"]),
        ("举办活动（场，未驳回）", published["activities_held"]),
        ("审核通过活动（场）", published["activities_approved"]),
        ("参与职工（人次）", published["participants"]),
        ("获补助活动（场）", money["activities"]["subsidised"]),
        ("大思政课（场）", published["lecture_sessions"]),
        ("授课宣讲人（人）", programme["lecturers"]),
        ("宣讲人库（人）", report["activities_extra"]["lecturer_pool"]),
        ("县区工人文化宫（个）", network["culture_palaces"]),
        ("职工俱乐部（个）", network["worker_clubs"]),
        ("文化宫与俱乐部面积（平方米）", network["palace_and_club_area_m2"]),
        ("户外劳动者驿站读书角（个）", network["rest_station_corners"]),
        ("四好评估（次）", network["evaluations"]["evaluations"])])
    sheet.table([("金额", "text"), ("元", "money")], [
        ("活动补助核定", money["activities"]["granted"]),
        ("活动补助已拨付", money["activities"]["paid"]),
        ("活动补助场均", money["activities"]["average"]),
        ("阵地补助核定", money["venues"]["granted"]),
        ("阵地补助已拨付", money["venues"]["paid"]),
        ("银行退回", money["ledger"]["returned"]),
        ("追回（已拨付后撤销）", money["ledger"]["refunded"])])
    sheet.table([("满意度", "text"), ("比例", "ratio")], [
        ("讲座满意度（4、5 分占比）", programme["satisfaction"]),
        ("目标", programme["target"])])
    sheet.table([("未一致或未核平的项目", "text")], [(line,) for line in report["findings"]])


def _activities(sheet, report):
    stats = report["activities"]
    names = {"by_county": ("按县区", {}), "by_tier": ("按层级", c.TIER_NAMES),
             "by_season": ("按季节", SEASON_NAMES), "by_category": ("按类别", c.CATEGORY_NAMES)}
    for key, (title, words) in names.items():
        sheet.title("活动%s" % title)
        sheet.table([("分组", "text"), ("上报（场）", "int"), ("通过（场）", "int"),
                     ("参与（人次）", "int")],
                    [(words.get(k, k), v["total"], v["approved"], v["participants"])
                     for k, v in stats[key].items()])


def _coverage(sheet, report):
    coverage = report["coverage"]
    sheet.title("月月有活动：各县区每月审核通过的活动（场）")
    headers = [("县区", "text")] + [("%d月" % m, "int") for m in range(1, 13)] + [
        ("合计", "int"), ("有活动月数", "int"), ("缺口月份", "text")]
    sheet.table(headers, [[row["county"]] + [row["months"][str(m)] for m in range(1, 13)]
                          + [row["total"], row["months_covered"],
                             "、".join("%d月" % m for m in row["gaps"])]
                          for row in coverage["counties"]])


def _decisions(sheet, report):
    part = report["subsidies"]
    headers = [("分组", "text"), ("决定（项）", "int"), ("获补助（项）", "int"),
               ("已拨付（项）", "int"), ("未补助（项）", "int"), ("追回（项）", "int"),
               ("核定（元）", "money"), ("已拨付（元）", "money"), ("平均（元）", "money")]

    def row(label, t):
        return (label, t["decisions"], t["subsidised"], t["paid_count"], t["declined"],
                t["reversed"], t["granted"], t["paid"], t["average"])
    sheet.title("补助决定")
    sheet.table(headers, [row("活动补助", part["activities"]), row("阵地补助", part["venues"])])
    sheet.title("活动补助按县区")
    sheet.table(headers, [row(t["county"], t) for t in part["by_county"]])
    sheet.title("活动补助按层级")
    sheet.table(headers, [row(t["tier_name"], t) for t in part["by_tier"]])
    sheet.title("未补助原因")
    sheet.table([("原因", "text"), ("项", "int")],
                [(DECLINE_NAMES.get(r["reason"], r["reason"]), r["count"])
                 for r in part["declined_by_reason"]])


def _funds(sheet, report):
    part = report["subsidies"]
    sheet.title("资金：期初预算、调整与结余")
    sheet.table([("编号", "int"), ("名称", "text"), ("类型", "text"), ("县区", "text"),
                 ("状态", "text"), ("期初预算", "money"), ("调整（次）", "int"),
                 ("调整金额", "money"), ("预算", "money"), ("核定", "money"),
                 ("已拨付", "money"), ("结余", "money"), ("银行退回", "money"),
                 ("追回", "money"), ("核对", "text")],
                [(f["id"], f["name"], c.SUBJECT_NAMES.get(f["policy"], f["policy"]),
                  f["county"] or "全市", FUND_STATUS_NAMES.get(f["status"], f["status"]),
                  f["opening_budget"], f["adjustments"],
                  f["adjusted"], f["budget"], f["granted"], f["paid"], f["remaining"],
                  f["returned"], f["reversed"], "一致" if f["consistent"] else "不一致")
                 for f in part["funds"]])
    ledger = part["ledger"]
    sheet.title("流水合计（%d 笔）" % ledger["entries"])
    sheet.table([("项目", "text"), ("金额（元）", "money")], [
        ("预留（核定）", ledger["reserved"]), ("释放（撤销）", ledger["released"]),
        ("拨付", ledger["paid_out"]), ("银行退回", ledger["returned"]),
        ("追回", ledger["refunded"]), ("预算调整", ledger["adjusted"]),
        ("核定净额", ledger["granted"]), ("拨付净额", ledger["paid"])])


def _lectures(sheet, report):
    lectures = report["lectures"]
    programme = lectures["programme"]
    sheet.title("金张掖职工大思政课")
    sheet.table([("项目", "text"), ("数量", "int")], [
        ("举办场次", programme["sessions"]), ("审核通过场次", programme["sessions_approved"]),
        ("授课宣讲人", programme["lecturers"]), ("反馈人次", programme["responses"]),
        ("满意人次（4、5 分）", programme["satisfied"])])
    sheet.table([("宣讲人", "text"), ("县区", "text"), ("场次", "int"), ("有反馈场次", "int"),
                 ("反馈人次", "int"), ("满意度", "ratio"), ("平均分", "points"),
                 ("达到目标", "text")],
                [(r["name"], r["county"], r["sessions"], r["sessions_with_feedback"],
                  r["responses"], r["satisfaction"], r["average"],
                  {True: "是", False: "否"}.get(r["meets_target"], "无反馈"))
                 for r in lectures["lecturers"]])


def _network(sheet, report):
    network = report["reading_network"]
    sheet.title("阅读阵地（开放中）")
    sheet.table([("类型", "text"), ("数量", "int"), ("面积（平方米）", "int"), ("座位", "int"),
                 ("电子阅读设备", "int")],
                [(k["kind_name"], k["venues"], k["floor_area_m2"], k["seats"],
                  k["e_reading_devices"]) for k in network["by_kind"]])
    evaluations = network["evaluations"]
    sheet.title("四好评估（%d 次，%d 个阵地，平均 %s 分）" % (
        evaluations["evaluations"], evaluations["venues_evaluated"],
        evaluations["average_total"] or "—"))
    sheet.table([("等级", "text"), ("次数", "int")],
                [(r["rating_name"], r["count"]) for r in evaluations["by_rating"]])
    sheet.table([("在阵地举办的活动", "text"), ("场", "int")], [
        ("审核通过（阅读阵地服务记录）", network["activities_at_venues"]),
        ("其中读书活动", network["reading_activities_at_venues"])])


def _checks(sheet, report):
    part = report["subsidies"]["reconciliation"]
    sheet.title("金额与流水核对：%s" % ("全部一致" if part["consistent"] else "有不符"))
    sheet.table([("核对项", "text"), ("报表（元）", "money"), ("流水（元）", "money"),
                 ("结论", "text")],
                [(k["label"], k["report"], k["ledger"], "一致" if k["agrees"] else "不符")
                 for k in part["checks"]])
    sheet.title("各服务口径核对")
    sheet.table([("核对项", "text"), ("各服务数字", "text"), ("结论", "text")],
                [(a["label"], "，".join("%s %d" % (SERVICE_NAMES[s], n)
                                       for s, n in a["figures"].items()),
                  "一致" if a["agrees"] else "不一致") for a in report["agreement"]])
    sheet.table([("不一致或未核平的项目", "text")], [(line,) for line in report["findings"]])


SHEETS = (("概览", _overview), ("活动", _activities), ("覆盖", _coverage),
          ("补助决定", _decisions), ("资金", _funds), ("大思政课", _lectures),
          ("阅读阵地", _network), ("核对", _checks))
