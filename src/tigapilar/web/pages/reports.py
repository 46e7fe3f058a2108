"""Pages: field reports (placeholder, filled in by the field-reports work, issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
