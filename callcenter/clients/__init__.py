"""Clients and contact persons: validation, duplicates, search and storage."""
