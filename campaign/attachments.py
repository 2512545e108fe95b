"""Photos and minutes of outreach events: what may be uploaded, and how it is stored.

Only JPEG, PNG and WebP images and PDF documents of at most 10 MB are kept, recognised by
their first bytes (a renamed program is refused whatever its name says). Stored under
MEDIA_ROOT with a random name, never served from there: the admin hands a file only to
users who may see its event (campaign.admin, `attachment_view`).
"""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

MAX_BYTES = 10 * 1024 * 1024
# Extension → content type; the extensions a kind of file may be named with.
CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "pdf": "application/pdf",
}
_EXTENSIONS = {"jpg": "jpg", "jpeg": "jpg", "png": "png", "webp": "webp", "pdf": "pdf"}


def sniff(head: bytes) -> str | None:
    """The kind of file its first bytes say ("jpg", "png", "webp", "pdf"), else None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def attachment_clean(upload: UploadedFile) -> UploadedFile:
    """The upload, checked and renamed `<random>.<kind>`; ValidationError saying why not."""
    if upload.size is not None and upload.size > MAX_BYTES:
        raise ValidationError(
            _("The file is %(size).1f MB; the limit is 10 MB.")
            % {"size": upload.size / 1024 / 1024},
            code="too_big",
        )
    named = _EXTENSIONS.get((upload.name or "").rsplit(".", 1)[-1].lower())
    upload.seek(0)
    found = sniff(upload.read(16))
    upload.seek(0)
    if found is None or named is None:
        raise ValidationError(
            _("Upload a photo (JPG, PNG or WebP) or a PDF document."), code="file_type"
        )
    if found != named:
        raise ValidationError(
            _("The file is named .%(named)s but its content is not: upload the file itself.")
            % {"named": named},
            code="file_mismatch",
        )
    upload.name = f"{secrets.token_hex(16)}.{found}"
    return upload
