"""CSV cells a spreadsheet would run as formulas are neutralised; numbers stay numbers."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from portal.spreadsheets import cell, csv_text


@pytest.mark.parametrize(("value", "safe"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1+1", "'-1+1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tTab", "'\tTab"), ("\rReturn", "'\rReturn"), ("-", "'-"),
    ("-12.50", "-12.50"), ("12.50", "12.50"), ("Мурка", "Мурка"), ("a=b", "a=b"),
    (None, ""), (-5, -5), (Decimal("-1.5"), Decimal("-1.5")), (True, "True"),
])
def test_a_cell_starting_like_a_formula_gets_an_apostrophe(value, safe):
    assert cell(value) == safe


def test_the_text_starts_with_a_byte_order_mark_and_reads_back(tmp_path):
    text = csv_text([["name", "reason"], ["Мурка", "=cmd|' /C calc'!A0"], ["Барсик", 'says "hi", twice']])
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows == [["name", "reason"], ["Мурка", "'=cmd|' /C calc'!A0"], ["Барсик", 'says "hi", twice']]
