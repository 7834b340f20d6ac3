"""Control characters out of text: PostgreSQL refuses NUL, and none of them is anything a person typed."""

from __future__ import annotations

import re

# For str.translate: every C0 control character but tab, line feed and carriage return, which text may hold.
TEXT_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
_ALL = re.compile(r"[\x00-\x1f\x7f]")


def without_controls(text: str) -> str:
    """``text`` without any control character (C0 and DEL): for one-line values such as a caller id."""
    return _ALL.sub("", text) if _ALL.search(text) else text
