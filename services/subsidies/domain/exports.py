"""The bank file of a disbursement batch: its rows, and the same rows as CSV or XLSX.

Layout (docs/disbursement.md): a header block (batch, fund, people, the control count and
total), the payee lines (one transfer per payee: 序号, 户名, 开户行, 账号, 金额（元）, 笔数,
收款单位 ...), a final 合计 row, then the decisions behind each line (明细: in the CSV
after a blank row, in the workbook a second sheet).

No cell of any export begins with =, +, -, @, a tab or a carriage return: a spreadsheet
would run such text as a formula (a union admin titles an activity `=HYPERLINK(...)`).
Text cells that do are prefixed with a single quote, as OWASP's "CSV Injection" advises;
numbers stay numbers (amounts are positive, written as numbers in the workbook). Pure: no
nameko, no SQLAlchemy (XlsxWriter writes to memory).
"""
import csv
import io
from dataclasses import dataclass

import xlsxwriter

from services.common.money import to_yuan

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"
LINES_SHEET, DETAIL_SHEET = "拨付清单", "明细"

LINE_HEADER = ["序号", "户名", "开户行", "账号", "金额（元）", "笔数", "收款单位", "收款单位类型",
               "用途/摘要", "状态"]
DETAIL_HEADER = ["清单序号", "收款单位", "补助编号", "补助对象", "活动或阵地编号", "活动或阵地名称",
                 "县区", "层级或类型", "补助金额（元）", "政策版本", "核定日期"]
BATCH_STATUS_NAMES = {"open": "待拨付", "paid": "已拨付", "cancelled": "已取消"}
LINE_STATUS_NAMES = {"pending": "待拨付", "paid": "已拨付", "returned": "银行退回"}
PAYEE_KIND_NAMES = {"union": "工会", "venue": "阵地"}


@dataclass(frozen=True)
class Money:
    """An amount in fen: "290.00" in a CSV, the number 290.00 (format 0.00) in a workbook."""
    fen: int


def neutralise(text):
    """Text a spreadsheet takes as text: a leading ' before =, +, -, @, tab or CR."""
    text = "" if text is None else str(text)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# the rows ------------------------------------------------------------------------------
def bank_rows(batch, lines):
    """The first sheet: header block, the payee lines and the 合计 row.

    batch: {id, fund_name, status, created_by, paid_by, reference, count, total (fen)};
    lines: [{number, account_name, bank, account_number, total (fen), count, payee_name,
    payee_kind, status}]. Cells are str (text), int (a count) or Money."""
    purpose = "%s 拨付批次 %d" % (batch["fund_name"], batch["id"])
    rows = [
        ["拨付批次", batch["id"]],
        ["资金", batch["fund_name"]],
        ["批次状态", BATCH_STATUS_NAMES.get(batch["status"], batch["status"])],
        ["制单人", batch["created_by"]],
        ["复核拨付人", batch.get("paid_by") or ""],
        ["银行回单号", batch.get("reference") or ""],
        ["付款笔数（收款单位）", len(lines)],
        ["补助笔数", batch["count"]],
        ["控制总额（元）", Money(batch["total"])],
        [],
        list(LINE_HEADER),
    ]
    for line in lines:
        rows.append([line["number"], line["account_name"], line["bank"], line["account_number"],
                     Money(line["total"]), line["count"], line["payee_name"],
                     PAYEE_KIND_NAMES.get(line["payee_kind"], line["payee_kind"]), purpose,
                     LINE_STATUS_NAMES.get(line["status"], line["status"])])
    rows.append(["合计", "", "", "", Money(sum(line["total"] for line in lines)),
                 sum(line["count"] for line in lines), "", "", "", ""])
    return rows


def detail_rows(details):
    """The decisions behind the lines: [{line_number, payee_name, subsidy_id, subject_name,
    subject_id, title, county, tier_name, amount (fen), policy_version, approved_on}]."""
    rows = [list(DETAIL_HEADER)]
    for d in details:
        rows.append([d["line_number"], d["payee_name"], d["subsidy_id"], d["subject_name"],
                     d["subject_id"], d["title"], d["county"], d["tier_name"],
                     Money(d["amount"]), "" if d["policy_version"] is None
                     else d["policy_version"], d["approved_on"]])
    return rows


# CSV -----------------------------------------------------------------------------------
def csv_text(bank, detail):
    """One CSV (UTF-8 with a BOM, for Excel): the bank sheet, a blank row, a 明细 title row
    and the detail rows."""
    out = io.StringIO()
    writer = csv.writer(out)
    for row in bank + [[], [DETAIL_SHEET]] + detail:
        writer.writerow([csv_cell(cell) for cell in row])
    return BOM + out.getvalue()


def csv_cell(cell):
    if isinstance(cell, Money):
        return to_yuan(cell.fen)
    if isinstance(cell, bool) or not isinstance(cell, int):
        return neutralise(cell)
    return str(cell)


# XLSX ----------------------------------------------------------------------------------
def xlsx_bytes(bank, detail):
    """A workbook: sheet 拨付清单 (the bank rows), sheet 明细 (the detail rows). Text as
    strings (account numbers keep their leading zeros), money as numbers in format 0.00."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False,
                                     "strings_to_numbers": False, "strings_to_urls": False})
    money = book.add_format({"num_format": "0.00"})
    text = book.add_format({"num_format": "@"})
    for name, rows, widths in ((LINES_SHEET, bank, (22, 28, 30, 24, 14, 8, 28, 12, 36, 10)),
                               (DETAIL_SHEET, detail,
                                (10, 28, 10, 10, 14, 36, 14, 12, 14, 10, 12))):
        sheet = book.add_worksheet(name)
        for column, width in enumerate(widths):
            sheet.set_column(column, column, width)
        for row_number, row in enumerate(rows):
            for column, cell in enumerate(row):
                _write(sheet, row_number, column, cell, money, text)
    book.close()
    return out.getvalue()


def _write(sheet, row, column, cell, money, text):
    if isinstance(cell, Money):
        sheet.write_number(row, column, cell.fen / 100, money)
    elif isinstance(cell, int) and not isinstance(cell, bool):
        sheet.write_number(row, column, cell)
    else:
        sheet.write_string(row, column, neutralise(cell), text)
