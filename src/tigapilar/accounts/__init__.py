"""Accounts capability: users, roles, area scopes, passwords, tokens and login rate limiting."""
