"""Plain-Python domain types. Imports nothing from Qt, SQLAlchemy or spaCy."""
