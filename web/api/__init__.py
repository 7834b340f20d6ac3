"""The JSON API: one module per domain, each with an ``router`` of its operations."""
