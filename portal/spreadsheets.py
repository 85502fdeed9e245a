"""CSV files that people open in a spreadsheet: no cell runs as a formula, Cyrillic reads right.

Every CSV the portal sends goes through ``csv_response``. Names, emails and reasons are typed
by clients, workers and managers; a spreadsheet runs a cell starting with ``=``, ``+``, ``-``
or ``@`` (and tab or CR, which some strip first) as a formula, so such a cell gets a leading
apostrophe, as OWASP's advice on CSV injection says. A plain number (``-12.50``) stays a number.
Excel reads a CSV as the local 8-bit code page unless it starts with a UTF-8 byte-order mark.
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Iterable

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
_PLAIN_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def cell(value: object) -> object:
    """``value`` as a spreadsheet may safely read it."""
    if value is None:
        return ""
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as CSV text, starting with the byte-order mark, every cell neutralised."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


def csv_response(rows: Iterable[Iterable[object]], filename: str) -> Response:
    """A download of ``rows`` as ``filename`` (ASCII: it goes into a header)."""
    return Response(csv_text(rows).encode("utf-8"), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
