"""CLI: organisation."""

from __future__ import annotations
