"""What no field may hold, whatever its model says: checks run on every JSON body and query of the API.

PostgreSQL refuses a NUL character in text and in JSON, and asyncpg cannot bind an integer beyond 64 bits;
either would reach the database as a server error. Both are refused here as field errors, before any
handler runs. Other C0 control characters (all below U+0020 except tab, line feed and carriage return)
are refused too: no one types them, and a stored one would break the CSV export and the pages' text.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text_problem(text: str) -> str | None:
    found = _CONTROL.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "must not contain NUL (\\u0000)"
    return f"must not contain control character U+{ord(found.group()):04X}"


def text_errors(value: Any, path: str = "") -> dict[str, str]:
    """Field errors for strings (and object keys) holding NUL or other control characters, by field path."""
    errors: dict[str, str] = {}
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            errors[path or "body"] = problem
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            problem = _text_problem(str(key))
            if problem:
                errors[where] = f"name {problem}"
            errors.update(text_errors(item, where))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            errors.update(text_errors(item, f"{path}.{index}" if path else str(index)))
    return errors


def integer_errors(value: Any, path: str = "") -> dict[str, str]:
    """Field errors for integers a 64-bit column cannot hold, in a validated model, by the names sent."""
    errors: dict[str, str] = {}
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            key = info.alias or name
            errors.update(integer_errors(getattr(value, name), f"{path}.{key}" if path else key))
    elif isinstance(value, int) and not isinstance(value, bool):
        if not INT64_MIN <= value <= INT64_MAX:
            errors[path or "body"] = "is out of range"
    elif isinstance(value, dict):
        for key, item in value.items():
            errors.update(integer_errors(item, f"{path}.{key}" if path else str(key)))
    elif isinstance(value, (list, tuple, set, frozenset)):
        for index, item in enumerate(value):
            errors.update(integer_errors(item, f"{path}.{index}" if path else str(index)))
    return errors
