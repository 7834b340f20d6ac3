"""JSON-building SQL that compiles to PostgreSQL's or SQLite's own functions.

Both backends can assemble a whole document in one statement; only the function names differ.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import JSON


class json_obj(GenericFunction[Any]):
    """``json_obj('k', v, ...)``: an object from alternating keys and values."""

    type = JSON()
    inherit_cache = True


class json_arr(GenericFunction[Any]):
    """``json_arr(obj)``: aggregate objects into an array, ``[]`` when there are no rows."""

    type = JSON()
    inherit_cache = True


@compiles(json_obj, "postgresql")
def _obj_pg(element: json_obj, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_obj, "sqlite")
def _obj_sqlite(element: json_obj, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_arr, "postgresql")
def _arr_pg(element: json_arr, compiler: SQLCompiler, **kw: Any) -> str:
    return f"coalesce(json_agg({compiler.process(element.clauses, **kw)}), '[]'::json)"


@compiles(json_arr, "sqlite")
def _arr_sqlite(element: json_arr, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


def obj(**fields: Any) -> json_obj:
    """``obj(id=table.c.id, name=...)`` → a JSON object expression."""
    args: list[Any] = []
    for key, value in fields.items():
        # Keys are identifiers written in code, so they go into the SQL text rather than as parameters.
        assert key.isidentifier()
        args.extend([literal_column(f"'{key}'"), value])
    return json_obj(*args)
