"""The one rule for files that people upload (discussion attachments, training materials).

A file is accepted only when its name *and* its content say it is one of the allowed
types: PDF, raster images (JPEG, PNG, GIF, WebP; never SVG, which can carry script),
Office documents (Word, Excel, PowerPoint, old and new, and their OpenDocument
counterparts), plain text and CSV, and ZIP archives. HTML, SVG, scripts and programs are
refused whatever they are called. The content check reads magic bytes (the `filetype`
package) and, for the ZIP-based formats, the archive's directory.

The stored name is never the uploaded name (`stored_name`): the original name is kept
only as data, cleaned (`clean_name`), for the download's `Content-Disposition`.

    checked = check_upload(request.FILES["file"], max_bytes=10 * MB)   # ValidationError
    path = stored_name(checked.extension)
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

import filetype
from django.core.exceptions import ValidationError

MB = 1024 * 1024
MAX_ATTACHMENT_BYTES = 10 * MB
HEAD_BYTES = 64 * 1024

# extension → (kind, content type served)
TYPES: dict[str, tuple[str, str]] = {
    ".pdf": ("pdf", "application/pdf"),
    ".jpg": ("image", "image/jpeg"),
    ".jpeg": ("image", "image/jpeg"),
    ".png": ("image", "image/png"),
    ".gif": ("image", "image/gif"),
    ".webp": ("image", "image/webp"),
    ".doc": ("office", "application/msword"),
    ".xls": ("office", "application/vnd.ms-excel"),
    ".ppt": ("office", "application/vnd.ms-powerpoint"),
    ".docx": (
        "office",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": ("office", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (
        "office",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ".odt": ("office", "application/vnd.oasis.opendocument.text"),
    ".ods": ("office", "application/vnd.oasis.opendocument.spreadsheet"),
    ".odp": ("office", "application/vnd.oasis.opendocument.presentation"),
    ".txt": ("text", "text/plain; charset=utf-8"),
    ".csv": ("text", "text/csv; charset=utf-8"),
    ".zip": ("zip", "application/zip"),
}
KIND_LABELS = {
    "pdf": "PDF",
    "image": "画像",
    "office": "Office文書",
    "text": "テキスト",
    "zip": "ZIP",
}
ALLOWED_TEXT = (
    "PDF、画像（JPEG・PNG・GIF・WebP）、Office文書（Word・Excel・PowerPoint）、"
    "テキスト（.txt・.csv）、ZIP"
)

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old Office (OLE compound file)
_IMAGE_MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
               ".gif": "image/gif", ".webp": "image/webp"}  # fmt: skip
_OOXML_PART = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
_ODF_MIME = {
    ".odt": b"application/vnd.oasis.opendocument.text",
    ".ods": b"application/vnd.oasis.opendocument.spreadsheet",
    ".odp": b"application/vnd.oasis.opendocument.presentation",
}
_MARKUP = re.compile(
    rb"^\s*(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|svg|script|\?xml|head|body)", re.I
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class CheckedUpload:
    kind: str  # pdf / image / office / text / zip
    content_type: str
    extension: str
    size: int
    original_name: str


def clean_name(name: str, *, limit: int = 200) -> str:
    """The uploaded name as data: no directories, no control characters, NFC, bounded."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _CONTROL.sub("", name).strip().strip(".") or "file"
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: limit - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else name[:limit]
    return name


def extension_of(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).lower().strip()
    _, dot, ext = name.rpartition(".")
    return f".{ext}" if dot else ""


def stored_name(extension: str) -> str:
    """A fresh random file name with the checked extension (never the uploaded name)."""
    return f"{uuid.uuid4().hex}{extension}"


def _read_head(file) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def _zip_names(file) -> list[str] | None:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        file.seek(0)


def _zip_member(file, name: str) -> bytes:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive, archive.open(name) as member:
            return member.read(200)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return b""
    finally:
        file.seek(0)


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head or filetype.guess(head) is not None:
        return False
    if _MARKUP.match(head[:1024]):
        return False  # HTML, SVG or XML in disguise
    for encoding in ("utf-8-sig", "cp932"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _content_matches(ext: str, file, head: bytes) -> bool:
    if ext == ".pdf":
        return b"%PDF-" in head[:1024]
    if ext in _IMAGE_MIME:
        guessed = filetype.guess(head)
        return guessed is not None and guessed.mime == _IMAGE_MIME[ext]
    if ext in (".doc", ".xls", ".ppt"):
        return head.startswith(_CFB)
    if ext in _OOXML_PART:
        names = _zip_names(file)
        return (
            names is not None
            and "[Content_Types].xml" in names
            and any(n.startswith(_OOXML_PART[ext]) for n in names)
        )
    if ext in _ODF_MIME:
        names = _zip_names(file)
        return (
            names is not None
            and "mimetype" in names
            and _zip_member(file, "mimetype").startswith(_ODF_MIME[ext])
        )
    if ext == ".zip":
        return head.startswith((b"PK\x03\x04", b"PK\x05\x06")) and _zip_names(file) is not None
    if ext in (".txt", ".csv"):
        return _looks_like_text(head)
    return False


def check_upload(file, *, max_bytes: int = MAX_ATTACHMENT_BYTES) -> CheckedUpload:
    """Accept `file` (a Django UploadedFile or File) or raise ValidationError with a
    Japanese message that says what is allowed."""
    original = clean_name(getattr(file, "name", "") or "")
    ext = extension_of(original)
    if ext not in TYPES:
        raise ValidationError(
            f"「{original}」はアップロードできない種類のファイルです。"
            f"使えるのは {ALLOWED_TEXT} です。",
            code="type",
        )
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, 2)
        size = file.tell()
        file.seek(0)
    if size == 0:
        raise ValidationError(f"「{original}」は空のファイルです。", code="empty")
    if size > max_bytes:
        raise ValidationError(
            f"「{original}」は大きすぎます（{size / MB:.1f} MB）。"
            f"1ファイル {max_bytes // MB} MB までです。",
            code="size",
        )
    head = _read_head(file)
    if not _content_matches(ext, file, head):
        kind = KIND_LABELS[TYPES[ext][0]]
        raise ValidationError(
            f"「{original}」の中身が{kind}（{ext}）ではありません。"
            f"ファイルの種類を確かめてください（使えるのは {ALLOWED_TEXT} です）。",
            code="content",
        )
    kind, content_type = TYPES[ext]
    return CheckedUpload(kind, content_type, ext, size, original)


def validator(max_bytes: int = MAX_ATTACHMENT_BYTES):
    """A form-field validator running `check_upload`."""

    def validate(file) -> None:
        check_upload(file, max_bytes=max_bytes)

    return validate
