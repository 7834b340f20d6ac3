"""Finding calls by the words said in them (Russian and English).

On PostgreSQL, full-text search: the transcript's text as Russian and as English words together (each
language's stems), against the words asked for read the same two ways; a GIN index holds the vector
(migration 0010). On SQLite, every word asked for must appear in the text, folded as names are.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnClause, and_, func, literal_column, or_, select

from callcenter.db.folding import folded
from callcenter.models import Transcript
from callcenter.names import search_form

# Written out so that the query's expression is the indexed one, character for character.
WORDS = "(to_tsvector('russian'::regconfig, transcripts.text) || to_tsvector('english'::regconfig, transcripts.text))"


def calls_saying(dialect: str, words: str) -> Any:
    """The ids of the calls whose transcript holds ``words``, as a subquery."""
    if dialect == "postgresql":
        vector: ColumnClause[Any] = literal_column(WORDS)
        matches = [vector.op("@@")(func.websearch_to_tsquery(literal_column(f"'{config}'::regconfig"), words))
                   for config in ("russian", "english")]
        return select(Transcript.call_id).where(or_(*matches))
    wanted = [search_form(w) for w in words.split() if search_form(w)]
    return select(Transcript.call_id).where(and_(*(folded(Transcript.text).contains(w, autoescape=True)
                                                   for w in wanted)))
