"""The one CSV writer: Excel-friendly and safe against spreadsheet formula injection."""

from __future__ import annotations

import csv
import io

import pytest

from core.exports import csv_bytes, csv_cell, csv_response


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        (
            '=HYPERLINK("http://evil.example","押して")',
            '\'=HYPERLINK("http://evil.example","押して")',
        ),
        ("+81-3-1234", "'+81-3-1234"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("横糸 花子", "横糸 花子"),
        ("a=b", "a=b"),  # only the first character matters
        ("", ""),
        (None, ""),
        (True, "はい"),
        (False, "いいえ"),
        (12, "12"),
    ],
)
def test_cells(value, cell):
    assert csv_cell(value) == cell


def test_the_file_is_utf8_with_bom_and_crlf_and_quotes_what_it_must():
    body = csv_bytes(
        ["氏名", "回答"], [["横糸, 花子", '=cmd|"/c calc"!A1'], ["次の人", "改行\nあり"]]
    )
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8")
    assert text.startswith("\ufeff氏名,回答\r\n")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"), newline="")))
    assert rows == [
        ["氏名", "回答"],
        ["横糸, 花子", '\'=cmd|"/c calc"!A1'],
        ["次の人", "改行\nあり"],
    ]


def test_headers_are_escaped_too():
    text = csv_bytes(["=1+1"], []).decode("utf-8-sig")
    assert text == "'=1+1\r\n"


def test_response_is_a_download_unless_inline():
    response = csv_response(header=["a"], rows=[["b"]], filename="x.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    inline = csv_response(header=["a"], rows=[], filename="y.csv", inline=True)
    assert inline["Content-Disposition"] == 'inline; filename="y.csv"'
