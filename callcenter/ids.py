"""Row ids as the outside world may send them: positive and within a 64-bit integer."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ID = 2**63 - 1

# Larger numbers overflow SQLite's and PostgreSQL's BIGINT; they can name no row, so refuse them early.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

# The largest value of a 32-bit INTEGER column (counts of seconds, among others); a filter beyond it is refused.
INT32_MAX = 2**31 - 1
