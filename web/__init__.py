"""The Starlette application: JSON API, pages and static assets."""
