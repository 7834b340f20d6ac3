"""Reading rows for the API: equality filters, a page of rows with the total, and their plain-dict form."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession


def plain(value: Any) -> Any:
    """A JSON-ready form of a column value: enums by value, dates in ISO 8601, money as a string."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def as_dict(obj: object, exclude: Iterable[str] = ()) -> dict[str, Any]:
    """Every mapped column of ``obj`` except ``exclude``, in plain form."""
    skip = set(exclude)
    return {
        attr.key: plain(getattr(obj, attr.key))
        for attr in inspect(obj).mapper.column_attrs
        if attr.key not in skip
    }


def where_equal(query: Select[Any], pairs: Iterable[tuple[Any, Any]]) -> Select[Any]:
    """``query`` narrowed to rows whose column equals the value, for each ``(column, value)``; a None value is no filter."""
    for column, value in pairs:
        if value is not None:
            query = query.where(column == value)
    return query


async def fetch_page(
    db: AsyncSession, query: Select[Any], order_by: Iterable[Any], *, limit: int, offset: int
) -> tuple[list[Any], int]:
    """One page of ``query`` (a select of one entity) and the total number of matching rows."""
    total = await db.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = list(await db.scalars(query.order_by(*order_by).limit(limit).offset(offset)))
    return rows, total
