"""Interactions: every call, meeting, e-mail or note with a client, and its result."""
