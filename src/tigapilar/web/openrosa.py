"""OpenRosa endpoints for ODK Collect: placeholder, filled in by the field-reports work (issue 3)."""

from __future__ import annotations

from fastapi import APIRouter

openrosa_router = APIRouter(include_in_schema=False)
