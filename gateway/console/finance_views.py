"""The console's money pages (finance, the city): funds with their budget, granted, paid
and remaining money, a burn-down of granted money by month against an even plan, and the
fund's disbursement batches (listed here; their scope, preview, payment and bank file are
gateway.console.payment_views). Every read and change is the JSON API's own route
(gateway.console.api)."""
from collections import defaultdict
from functools import partial
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from gateway.console.views import _int
from gateway.console.web import page
from services.common.clock import LOCAL, local_today

LEDGER_PAGE = 500
LEDGER_PAGES = 20  # a year of grants (10,000 entries) read for the burn-down
BATCH_STATUS_NAMES = {"open": "待拨付", "paid": "已拨付", "cancelled": "已取消"}
POLICY_NAMES = {"activity": "活动补助", "venue": "阵地补助"}
CHART = {"width": 640, "height": 240, "left": 70, "bottom": 30, "top": 10, "right": 10}


class FinanceViews:
    @page("GET", "/funds")
    def funds_page(self, page):
        year = _int(page.query.get("year")) or local_today().year
        funds = self._api(page, "list_funds", query={"year": str(year), "limit": "100"})
        return self._frame(page, "funds.html", funds=funds["items"], year=year,
                           policy_names=POLICY_NAMES)

    @page("GET", "/funds/<int:fund_id>")
    def fund_page(self, page, fund_id, error=None, flash=None, scope=None, adjustment=None):
        fund = self._api(page, "get_fund", fund_id=fund_id)
        months, batches, adjustments, waiting = self._together(
            partial(self._granted_by_month, page, fund_id),
            partial(self._api, page, "list_batches", query={"fund_id": str(fund_id),
                                                            "limit": "100"}),
            partial(self._api, page, "list_adjustments", query={"limit": "100"},
                    fund_id=fund_id),
            partial(self._api, page, "pending_redecisions", query={"limit": "1"},
                    fund_id=fund_id))
        batches = batches["items"]
        return self._frame(page, "fund.html", fund=fund, batches=batches,
                           adjustments=adjustments, waiting=waiting["total"],
                           adjustment=adjustment or {},
                           burn=burn_down(fund, months), error=error,
                           counties=self.config.counties, scope=scope or {},
                           flash=flash or page.query.get("done"),
                           batch_names=BATCH_STATUS_NAMES, policy_names=POLICY_NAMES)

    def _granted_by_month(self, page, fund_id):
        """Granted money (reserved less released) by local month, from the fund's ledger."""
        by_month = defaultdict(Decimal)
        for number in range(LEDGER_PAGES):
            found = self._api(page, "fund_ledger", query={
                "limit": str(LEDGER_PAGE), "offset": str(number * LEDGER_PAGE)},
                fund_id=fund_id)
            for entry in found["items"]:
                sign = {"reserve": 1, "release": -1}.get(entry["kind"], 0)
                month = datetime.fromisoformat(entry["at"].replace("Z", "+00:00")).astimezone(
                    LOCAL).month
                by_month[month] += sign * Decimal(entry["amount"])
            if (number + 1) * LEDGER_PAGE >= found["total"]:
                break
        return by_month


def burn_down(fund, by_month):
    """The chart and its table: granted money cumulated by month against an even plan
    (budget / 12 a month), as numbers and as SVG coordinates."""
    budget = Decimal(fund["budget"])
    rows, total = [], Decimal(0)
    for month in range(1, 13):
        total += by_month.get(month, Decimal(0))
        rows.append({"month": month, "granted": by_month.get(month, Decimal(0)),
                     "cumulative": total,
                     "plan": (budget * month / 12).quantize(Decimal("0.01"), ROUND_HALF_UP)})
    top = max([budget] + [row["cumulative"] for row in rows]) or Decimal(1)
    width = CHART["width"] - CHART["left"] - CHART["right"]
    height = CHART["height"] - CHART["top"] - CHART["bottom"]

    def point(index, value):
        x = CHART["left"] + width * index / 11
        y = CHART["top"] + height * (1 - float(value / top))
        return "%.1f,%.1f" % (x, y)
    return {"rows": rows, "chart": CHART, "top": top,
            "granted_points": " ".join(point(i, r["cumulative"]) for i, r in enumerate(rows)),
            "plan_points": " ".join(point(i, r["plan"]) for i, r in enumerate(rows)),
            "x_labels": [(CHART["left"] + width * i / 11, "%d月" % (i + 1)) for i in range(12)],
            "y_labels": [(CHART["top"] + height * (1 - f), "%.0f" % (float(top) * f))
                         for f in (0, 0.5, 1)]}
