"""The city federation's overview pages: the lecture programme (each lecturer's sessions
and satisfaction against the 95 % target), the reading network by county and kind with
its four-goods ratings, and the users. Through the JSON API's own routes."""
from gateway.console.views import PAGE_SIZE, Pager, _int
from gateway.console.web import page, percent
from services.common.clock import local_today
from services.library import contract as lc

ROLE_NAMES = {"city_admin": "市总工会管理员", "county_reviewer": "县区审核员",
              "union_admin": "基层工会管理员", "finance": "财务", "worker": "职工",
              "ops": "运维"}


class CityViews:
    @page("GET", "/lectures")
    def lectures_page(self, page):
        year = _int(page.query.get("year")) or local_today().year
        report = self._api(page, "lecture_statistics", query={"year": str(year)})
        return self._frame(page, "lectures.html", year=year, report=report, percent=percent)

    @page("GET", "/network")
    def network_page(self, page):
        summary = self._api(page, "network_summary")
        evaluations = self._api(page, "list_evaluations", query={"limit": "100"})["items"]
        kinds = sorted({cell["kind"]: cell["kind_name"]
                        for cell in summary["by_county_and_kind"]}.items())
        cells = {(cell["county"], cell["kind"]): cell for cell in summary["by_county_and_kind"]}
        return self._frame(page, "network.html", summary=summary, kinds=kinds, cells=cells,
                           evaluations=evaluations, ratings=lc.RATINGS)

    @page("GET", "/users")
    def users_page(self, page):
        offset = max(0, _int(page.query.get("offset"), 0))
        query = {"limit": str(PAGE_SIZE), "offset": str(offset)}
        if page.query.get("role") in ROLE_NAMES:
            query["role"] = page.query["role"]
        found = self._api(page, "list_users", query=query)
        return self._frame(page, "users.html", found=found, role_names=ROLE_NAMES,
                           role=page.query.get("role", ""),
                           pager=Pager("/users", page.query, found["total"]))
