"""CLI: tps."""

from __future__ import annotations
