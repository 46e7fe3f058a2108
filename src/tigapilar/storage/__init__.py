"""Storage layer: database engine, ORM tables and migrations. Knows nothing about capabilities."""
