"""JSON responses that keep Cyrillic readable and know dates and decimals."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from starlette.responses import JSONResponse


def _default(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, separators=(",", ":"), default=_default).encode()


def error(status: int, error_id: str, message: str, **details: Any) -> Json:
    """The one shape of every API error: ``{"error": id, "message": text, ...details}``."""
    return Json({"error": error_id, "message": message, **details}, status_code=status)
