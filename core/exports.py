"""The one CSV writer: every CSV the project writes goes through here.

What a person opens in Excel (the staff registrant lists, the coverage open data):

- UTF-8 with a BOM, so that Japanese Excel detects the encoding;
- CRLF line ends, every field quoted only when it must be (RFC 4180);
- Japanese headers and values (the caller's job: `True`/`False` become はい/いいえ here);
- no formula injection: a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading ``'``, so a spreadsheet shows it as text instead of
  running it (``=HYPERLINK(...)`` in a 事前質問 answer comes out as ``'=HYPERLINK(...)``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
YES, NO = "はい", "いいえ"


def csv_cell(value: Any) -> str:
    """One cell as text: None is empty, booleans are はい/いいえ, and text that a
    spreadsheet would read as a formula is prefixed with ``'``."""
    if value is None:
        return ""
    if value is True:
        return YES
    if value is False:
        return NO
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """The whole file: BOM, header, rows, CRLF line ends, UTF-8."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(v) for v in header])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def csv_response(
    *,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    filename: str,
    inline: bool = False,
) -> HttpResponse:
    """A download (``attachment``) or, with `inline`, a file the browser may show."""
    return csv_file_response(csv_bytes(header, rows), filename=filename, inline=inline)


def csv_file_response(body: bytes, *, filename: str, inline: bool = False) -> HttpResponse:
    """A response for a body already written by `csv_bytes` (e.g. a cached one)."""
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response
