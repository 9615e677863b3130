"""The bank file (domain/exports.py): formula-safe cells, its rows, and the same rows as CSV
(UTF-8, BOM, the 明细 section after a blank row) and XLSX (read back with openpyxl)."""
import csv
import io

import openpyxl
import pytest

from services.subsidies.domain.exports import (FORMULA_STARTS, Money, bank_rows, csv_text,
                                               detail_rows, neutralise, xlsx_bytes)

DANGEROUS = ("=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3", "@SUM(A1)", "\tcmd", "\rcmd")
BATCH = {"id": 12, "fund_name": "=2026年度职工文体活动补助资金", "status": "open",
         "created_by": "finance", "paid_by": None, "reference": None, "count": 3,
         "total": 2_099_000}
LINES = [
    {"number": 1, "account_name": "@国网甘州供电公司工会委员会", "bank": "-中国工商银行张掖甘州支行",
     "account_number": "0271001234567890", "total": 64_000, "count": 2,
     "payee_name": DANGEROUS[0], "payee_kind": "union", "status": "pending"},
    {"number": 2, "account_name": "甘州区职工书屋", "bank": "+农行", "account_number": "00000001",
     "total": 2_035_000, "count": 1, "payee_name": "\t甘州区职工书屋", "payee_kind": "venue",
     "status": "returned"},
]
DETAILS = [
    {"line_number": 1, "payee_name": DANGEROUS[0], "subsidy_id": 2, "subject_name": "文体活动",
     "subject_id": 7001, "title": "=1+1", "county": "甘州区", "tier_name": "基层", "amount": 29_000,
     "policy_version": 1, "approved_on": "2026-04-23"},
    {"line_number": 1, "payee_name": DANGEROUS[0], "subsidy_id": 5, "subject_name": "文体活动",
     "subject_id": 7002, "title": "\r读书会", "county": "甘州区", "tier_name": "基层",
     "amount": 35_000, "policy_version": None, "approved_on": "2026-04-24"},
    {"line_number": 2, "payee_name": "\t甘州区职工书屋", "subsidy_id": 4, "subject_name": "宣教阵地",
     "subject_id": 9, "title": "甘州区职工书屋", "county": "甘州区", "tier_name": "阵地",
     "amount": 2_035_000, "policy_version": 2, "approved_on": "2026-05-01"},
]


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_text_gets_a_leading_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["国网工会", "1-2", "a=b", "", " =1", "'quoted", "0012"])
def test_other_text_is_left_alone(text):
    assert neutralise(text) == text


def test_none_is_an_empty_cell():
    assert neutralise(None) == ""


def test_the_bank_rows_carry_the_control_count_and_total_and_a_final_total_row():
    rows = bank_rows(BATCH, LINES)
    block = {row[0]: row[1] for row in rows if len(row) == 2}
    assert block["拨付批次"] == 12 and block["补助笔数"] == 3 and block["付款笔数（收款单位）"] == 2
    assert block["控制总额（元）"] == Money(2_099_000) and block["制单人"] == "finance"
    header = rows.index(next(r for r in rows if r and r[0] == "序号"))
    assert rows[header][:6] == ["序号", "户名", "开户行", "账号", "金额（元）", "笔数"]
    assert [r[0] for r in rows[header + 1:]] == [1, 2, "合计"]
    assert rows[-1][4] == Money(2_099_000) and rows[-1][5] == 3
    assert rows[header + 2][-1] == "银行退回" and rows[header + 1][7] == "工会"


def _csv_rows():
    text = csv_text(bank_rows(BATCH, LINES), detail_rows(DETAILS))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_has_the_lines_a_total_row_then_the_detail_after_a_blank_row():
    rows = _csv_rows()
    header = rows.index(next(r for r in rows if r and r[0] == "序号"))
    assert rows[header + 1][:6] == ["1", "'@国网甘州供电公司工会委员会", "'-中国工商银行张掖甘州支行",
                                    "0271001234567890", "640.00", "2"]
    total = rows[header + 3]
    assert total[0] == "合计" and total[4] == "20990.00" and total[5] == "3"
    assert rows[header + 4] == [] and rows[header + 5] == ["明细"]
    detail = rows[header + 6:]
    assert detail[0][:3] == ["清单序号", "收款单位", "补助编号"]
    assert [(r[0], r[2], r[8]) for r in detail[1:]] == [
        ("1", "2", "290.00"), ("1", "5", "350.00"), ("2", "4", "20350.00")]
    assert detail[2][9] == ""  # no policy version


def test_no_csv_cell_begins_like_a_formula():
    cells = [cell for row in _csv_rows() for cell in row]
    assert cells and not [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in cells and "'\t甘州区职工书屋" in cells


def _workbook():
    return openpyxl.load_workbook(io.BytesIO(xlsx_bytes(bank_rows(BATCH, LINES),
                                                        detail_rows(DETAILS))))


def test_the_workbook_has_the_lines_and_the_detail_sheets_typed_right():
    book = _workbook()
    assert book.sheetnames == ["拨付清单", "明细"]
    sheet = book["拨付清单"]
    rows = [[cell for cell in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(rows) if row[0].value == "序号")
    first = rows[header + 1]
    assert first[3].value == "0271001234567890" and first[3].data_type == "s"
    assert first[4].value == 640.0 and first[4].number_format == "0.00"
    assert first[5].value == 2 and first[0].value == 1
    assert rows[header + 2][3].value == "00000001"
    total = rows[header + 3]
    assert total[0].value == "合计" and total[4].value == 20990.0
    assert total[4].number_format == "0.00"
    control = next(row for row in rows if row[0].value == "控制总额（元）")
    assert control[1].value == 20990.0 and control[1].number_format == "0.00"
    detail = [[c.value for c in row] for row in book["明细"].iter_rows()]
    assert detail[0][:3] == ["清单序号", "收款单位", "补助编号"] and len(detail) == 4
    assert [row[8] for row in detail[1:]] == [290.0, 350.0, 20350.0]


def test_no_workbook_cell_begins_like_a_formula_and_none_is_a_formula():
    book = _workbook()
    cells = [cell for sheet in book for row in sheet.iter_rows() for cell in row]
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith(FORMULA_STARTS)]
    assert not [c for c in cells if c.data_type == "f"]
    assert "'=2026年度职工文体活动补助资金" in texts and "'=1+1" in texts
    assert "'_x000D_读书会" in texts  # a CR as the workbook stores it, after the quote
    numbers = [c.value for c in cells if isinstance(c.value, (int, float))]
    assert numbers and min(numbers) > 0  # amounts are positive numbers, never "-" text
