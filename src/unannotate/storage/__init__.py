"""Storage on SQLAlchemy 2: the schema, the migrator and repository functions."""
