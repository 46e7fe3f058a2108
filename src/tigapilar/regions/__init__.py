"""Regions capability: Indonesia's administrative hierarchy with Kemendagri codes."""
