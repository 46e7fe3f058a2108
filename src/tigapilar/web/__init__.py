"""Web layer: the JSON API under /api/v1 and the server-rendered pages. Depends on capabilities only."""
