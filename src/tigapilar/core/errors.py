"""Domain errors with a stable machine-readable code and messages in English and Indonesian.

Capabilities raise these; the web layer turns them into JSON (``{"error": {...}}``) and the CLI
prints them. ``code`` never changes once published: API clients branch on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class TigapilarError(Exception):
    code: str
    message: str
    pesan: str = ""
    status: int = 400
    details: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "pesan": self.pesan or self.message,
        }
        if self.details:
            body["details"] = self.details
        return body


class NotFound(TigapilarError):
    def __init__(self, code: str, message: str, pesan: str = "") -> None:
        super().__init__(code=code, message=message, pesan=pesan, status=404)


class Forbidden(TigapilarError):
    def __init__(self, message: str = "You may not do this.", pesan: str = "Anda tidak berwenang.") -> None:
        super().__init__(code="auth.forbidden", message=message, pesan=pesan, status=403)


class Invalid(TigapilarError):
    def __init__(
        self, code: str, message: str, pesan: str = "", details: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(code=code, message=message, pesan=pesan, status=422, details=details or [])


@dataclass(frozen=True)
class RowError:
    """One problem in one row of an imported file: where it is and why, for people to fix."""

    line: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"


class ImportRejected(TigapilarError):
    """A file was refused as a whole: nothing from it was saved."""

    def __init__(self, source: str, errors: list[RowError], total_errors: int | None = None) -> None:
        total = total_errors if total_errors is not None else len(errors)
        super().__init__(
            code="import.rejected",
            message=f"{source}: {total} problem(s) found; nothing was imported.",
            pesan=f"{source}: ditemukan {total} masalah; tidak ada data yang diimpor.",
            status=422,
            details=[e.as_dict() for e in errors],
        )
        self.errors = errors
        self.total_errors = total
