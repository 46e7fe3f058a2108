"""Photos and files sent with reports: checked for type and size, stored once by SHA-256."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from tigapilar.reports.draft import Problem

# What a field phone sends: photos, short audio or video, and documents. Anything else is refused.
ALLOWED_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "audio/mpeg",
        "audio/mp4",
        "audio/amr",
        "audio/ogg",
        "video/mp4",
        "video/3gpp",
        "application/pdf",
    }
)
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class IncomingFile:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def safe_name(self) -> str:
        name = _SAFE_NAME.sub("_", os.path.basename(self.filename or "")).strip("._") or "lampiran"
        return name[:200]


def file_problems(files: list[IncomingFile], max_bytes: int) -> list[Problem]:
    problems = []
    for f in files:
        kind = f.content_type.split(";")[0].strip().lower()
        if kind not in ALLOWED_TYPES:
            problems.append(
                Problem(
                    "attachments",
                    "report.attachment_type",
                    f"Attachment {f.safe_name}: type {kind or 'unknown'} is not accepted.",
                    f"Lampiran {f.safe_name}: jenis berkas {kind or 'tidak dikenal'} tidak diterima.",
                )
            )
        if len(f.data) > max_bytes:
            problems.append(
                Problem(
                    "attachments",
                    "report.attachment_too_large",
                    f"Attachment {f.safe_name} is larger than {_size(max_bytes)}.",
                    f"Lampiran {f.safe_name} lebih dari {_size(max_bytes)}.",
                )
            )
    return problems


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"


class AttachmentStore:
    """Files under ``<data dir>/attachments/ab/abcdef...``: writing the same bytes twice is a no-op."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def save(self, file: IncomingFile) -> str:
        digest = file.sha256
        target = self.path_of(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(file.data)
            partial.replace(target)  # atomic: a reader never sees half a file
        return digest

    def read(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()
