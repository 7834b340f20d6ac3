"""Text folded in SQL the way :func:`callcenter.names.search_form` folds it in Python.

For columns stored as typed (user names, logins), so a pattern from :func:`callcenter.names.like_fragment`
meets them. SQLite's ``lower()`` folds ASCII letters only, so on SQLite the fold is ``search_form`` itself,
registered on every connection by :mod:`callcenter.db.engine`; PostgreSQL's ``lower()`` folds every
alphabet under a UTF-8 locale, and "ё" and runs of white space are folded as ``search_form`` does.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import GenericFunction
from sqlalchemy.types import String

from callcenter.names import search_form

SQLITE_FUNCTION = "search_form"


def sqlite_search_form(value: str | None) -> str | None:
    """The SQLite function behind :class:`folded`."""
    return None if value is None else search_form(value)


class folded(GenericFunction[str]):
    """``folded(column)``: the column's text in :func:`~callcenter.names.search_form`'s form."""

    type = String()
    inherit_cache = True


@compiles(folded, "sqlite")
def _folded_sqlite(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_FUNCTION}({compiler.process(element.clauses, **kw)})"


@compiles(folded, "postgresql")
def _folded_pg(element: folded, compiler: SQLCompiler, **kw: Any) -> str:
    [column] = element.clauses
    text = func.replace(func.lower(column), "ё", "е")
    return compiler.process(func.btrim(func.regexp_replace(text, r"\s+", " ", "g")), **kw)
