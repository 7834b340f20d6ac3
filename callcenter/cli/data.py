"""Data in and out: seeding, import and export."""

from __future__ import annotations

COMMANDS: list = []
