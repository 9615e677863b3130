"""覆盖情况: every month activities in every county (月月有活动), as a county × month heatmap
with each season's theme beside it; an empty cell opens the county's grassroots unions
that reported nothing that month. Through the JSON API's own routes."""
from urllib.parse import quote

from gateway.console.views import _int, first
from gateway.console.web import View, page, redirect
from gateway.errors import ApiError
from gateway.i18n import translate
from services.activities import contract as ac
from services.common.clock import local_today

LEVELS = (0, 1, 3, 6)  # shading classes: none, few, some, many approved activities


def level_of(count):
    return sum(1 for floor in LEVELS[1:] if count >= floor)


class CoverageViews:
    @page("GET", "/coverage")
    def coverage_page(self, page):
        year = _int(page.query.get("year")) or local_today().year
        query = {"year": str(year)}
        if page.user.role == "county_reviewer":
            query["county"] = page.user.county
        coverage = self._api(page, "coverage", query=query)
        seasons = self._api(page, "season_themes", year=year)["seasons"]
        due = set(coverage["months_due"])
        rows = [{"county": row["county"], "total": row["total"], "cells": [
            {"month": month, "count": int(row["months"].get(str(month), 0)),
             "level": level_of(int(row["months"].get(str(month), 0))), "due": month in due}
            for month in range(1, 13)]} for row in coverage["counties"]]
        return self._frame(page, "coverage.html", year=year, rows=rows, seasons=seasons,
                           gaps=len(coverage["gaps"]), complete=coverage["complete"],
                           season_names=ac.SEASON_NAMES)

    @page("GET", "/coverage/<string:county>/<int:month>")
    def coverage_gap(self, page, county, month):
        year = _int(page.query.get("year")) or local_today().year
        if not 1 <= month <= 12:
            return View("error.html", {"message": "月份应在 1 到 12 之间"}, 404)
        if page.user.role == "county_reviewer" and county != page.user.county:
            return View("error.html", {"message": "县区审核员只能查看本县区"}, 403)
        unions = self._api(page, "list_unions", query={
            "county": county, "level": "grassroots", "limit": "500"})["items"]
        reported = set()
        offset = 0
        while True:  # the county's activities of the year; those held in the month count
            found = self._api(page, "list_activities", query={
                "county": county, "year": str(year), "limit": "500", "offset": str(offset)})
            reported |= {a["union_id"] for a in found["items"]
                         if int(a["held_on"][5:7]) == month}
            offset += 500
            if offset >= found["total"]:
                break
        silent = [u for u in unions if u["id"] not in reported]
        return self._frame(page, "coverage_gap.html", county=county, month=month, year=year,
                           silent=silent, total=len(unions), flash=page.query.get("done"))

    @page("POST", "/coverage/<string:county>/<int:month>/remind")
    def coverage_remind(self, page, county, month):
        year = _int(first(page.form, "year")) or local_today().year
        ids = [i for i in (_int(v) for v in page.form.get("union_ids", [])) if i]
        try:
            sent = self._api(page, "send_reminder", {"union_ids": ids, "year": year,
                                                     "month": month, "county": county})
        except ApiError as exc:
            return View("error.html", {"message": translate(exc.message, "zh")}, exc.status)
        return redirect("/coverage/%s/%d?year=%d&done=%s" % (
            quote(county), month, year, quote("已向 %d 个基层工会发送提醒" % sent["sent"])))
