"""Storage: the declarative base, column types, the engine and migrations."""
