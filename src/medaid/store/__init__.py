"""Storage: SQLAlchemy 2 engine/session, Alembic migrations (the only way the schema changes)."""
