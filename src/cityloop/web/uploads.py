"""Photo uploads: size and type checks by content, storage under var/uploads, metadata for CaseIn."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from fastapi.responses import FileResponse
from starlette.datastructures import UploadFile

from cityloop.cases.models import FILES_PREFIX
from cityloop.cases.schemas import AttachmentIn
from cityloop.config import get_settings
from cityloop.kit.errors import NotFound, ValidationFailed

# Accepted types, recognised by their first bytes (the browser's declared type is not trusted).
_SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
]
_NAME = re.compile(r"^[A-Za-z0-9_-]{16,64}\.(jpg|png|gif|webp)$")
MAX_FILES = 3


def upload_dir() -> Path:
    """Where attachments are kept."""
    path = get_settings().var_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sniff(head: bytes) -> tuple[str, str] | None:
    for magic, content_type, ext in _SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def _error(field: str, zh: str, en: str) -> ValidationFailed:
    return ValidationFailed({field: (zh, en)})


def save_photos(files: list[UploadFile], field: str = "photo") -> list[AttachmentIn]:
    """Validate and store uploaded photos; nothing is kept if any file is rejected."""
    chosen = [f for f in files if f.filename]
    if len(chosen) > MAX_FILES:
        raise _error(field, f"最多上传{MAX_FILES}张照片", f"At most {MAX_FILES} photos")
    limit = get_settings().upload_max_bytes
    blobs: list[tuple[UploadFile, bytes, str, str]] = []
    for upload in chosen:
        data = upload.file.read(limit + 1)
        if len(data) > limit:
            mb = round(limit / 1_000_000, 1)
            raise _error(field, f"照片不能超过{mb}MB", f"Photos must be at most {mb} MB")
        kind = _sniff(data[:16])
        if not data or kind is None:
            raise _error(field, "只接受 JPG、PNG、GIF 或 WebP 图片", "Only JPG, PNG, GIF or WebP images are accepted")
        blobs.append((upload, data, *kind))
    saved = []
    for upload, data, content_type, ext in blobs:
        name = secrets.token_urlsafe(18) + ext
        (upload_dir() / name).write_bytes(data)
        saved.append(AttachmentIn(name=(upload.filename or name)[:200], content_type=content_type, size=len(data),
                                  url=FILES_PREFIX + name))
    return saved


def file_response(name: str) -> FileResponse:
    """Serve a stored attachment by its generated name."""
    path = upload_dir() / name
    if not _NAME.match(name) or not path.is_file():
        raise NotFound("文件不存在", "File not found")
    return FileResponse(path, headers={"Cache-Control": "private, max-age=3600",
                                       "X-Content-Type-Options": "nosniff"})
