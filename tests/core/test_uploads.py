"""core.uploads: the one rule for uploaded files (name and content)."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from core import uploads

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
GIF = b"GIF89a" + b"\x00" * 20
CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40


def _zip(**members) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name.replace("__", "/"), data)
    return buffer.getvalue()


XLSX = _zip(**{"[Content_Types].xml": "<Types/>", "xl__workbook.xml": "<workbook/>"})
ODT = _zip(mimetype="application/vnd.oasis.opendocument.text", **{"content.xml": "<x/>"})


def check(name, content, **kwargs):
    return uploads.check_upload(SimpleUploadedFile(name, content), **kwargs)


@pytest.mark.parametrize(
    "name, content, kind",
    [
        ("a.pdf", PDF, "pdf"), ("写真.PNG", PNG, "image"), ("b.jpg", JPEG, "image"),
        ("b.jpeg", JPEG, "image"), ("c.gif", GIF, "image"), ("d.doc", CFB, "office"),
        ("e.xlsx", XLSX, "office"), ("f.odt", ODT, "office"), ("g.zip", _zip(a="b"), "zip"),
        ("h.txt", "日本語のメモ".encode(), "text"), ("i.csv", "市,件数\n".encode("cp932"), "text"),
        ("ｊ．ｐｄｆ", PDF, "pdf"),
    ],
)  # fmt: skip
def test_allowed_types_by_name_and_content(name, content, kind):
    assert check(name, content).kind == kind


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("a.svg", b"<svg/>", "type"), ("a.html", b"<html/>", "type"), ("a.htm", b"x", "type"),
        ("a.js", b"alert(1)", "type"), ("a.exe", b"MZ", "type"), ("a", PDF, "type"),
        ("a.pdf", b"<html><script>", "content"), ("a.png", PDF, "content"),
        ("a.jpg", PNG, "content"), ("a.docx", _zip(a="b"), "content"),
        ("a.xlsx", b"PK\x03\x04broken", "content"), ("a.zip", b"not a zip", "content"),
        ("a.txt", b"<!DOCTYPE html><script>alert(1)</script>", "content"),
        ("a.txt", b"\xef\xbb\xbf <svg onload=alert(1)>", "content"),
        ("a.txt", b"MZ\x90\x00\x03\x00\x00\x00", "content"), ("a.txt", PNG, "content"),
        ("a.pdf", b"", "empty"),
    ],
)  # fmt: skip
def test_refused_with_a_japanese_message(name, content, code):
    with pytest.raises(ValidationError) as exc:
        check(name, content)
    assert exc.value.code == code
    assert "使える" in exc.value.messages[0] or code == "empty"


def test_size_limit():
    check("a.pdf", PDF + b"0" * (uploads.MB - len(PDF)), max_bytes=uploads.MB)
    with pytest.raises(ValidationError, match="1 MB まで"):
        check("a.pdf", PDF + b"0" * uploads.MB, max_bytes=uploads.MB)


def test_names_are_cleaned_and_never_stored():
    assert uploads.clean_name("..\\..\\etc/passwd\x00.pdf") == "passwd.pdf"
    assert uploads.clean_name("<script>.pdf") == "<script>.pdf"  # data, escaped where shown
    assert len(uploads.clean_name("あ" * 500 + ".pdf")) == 200
    assert uploads.clean_name("あ" * 500 + ".pdf").endswith(".pdf")
    a, b = uploads.stored_name(".pdf"), uploads.stored_name(".pdf")
    assert a != b and a.endswith(".pdf") and len(a) == 36
