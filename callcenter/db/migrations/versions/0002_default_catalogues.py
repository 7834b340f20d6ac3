"""default catalogues: dispositions and funnel stages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00

The rows are written out here rather than imported, so that this revision keeps inserting the same
catalogue whatever later code does with its own defaults.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_dispositions = sa.table(
    "dispositions",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("counts_as_result", sa.Boolean),
    sa.column("is_active", sa.Boolean),
    sa.column("sort_order", sa.Integer),
)
_stages = sa.table(
    "funnel_stages",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("sort_order", sa.Integer),
    sa.column("is_closed", sa.Boolean),
)

# (code, name, counts as a result contact)
DISPOSITIONS = [
    ("sale", "Заказ оформлен", True),
    ("meeting_set", "Назначена встреча", True),
    ("offer_sent", "Отправлено коммерческое предложение", True),
    ("callback_promised", "Договорились перезвонить", False),
    ("interested", "Интересуется, думает", False),
    ("info_provided", "Проконсультирован", False),
    ("not_interested", "Не интересно", False),
    ("no_decision_maker", "Нет лица, принимающего решение", False),
    ("no_answer", "Не дозвонились", False),
    ("wrong_number", "Ошибочный номер", False),
    ("complaint", "Жалоба", False),
    ("do_not_call", "Просит больше не звонить", False),
]

# (code, name, closed)
STAGES = [
    ("lead", "Лид", False),
    ("qualified", "Квалифицирован", False),
    ("proposal", "Коммерческое предложение", False),
    ("negotiation", "Переговоры", False),
    ("won", "Успешно закрыта", True),
    ("lost", "Проиграна", True),
]


def upgrade() -> None:
    op.bulk_insert(
        _dispositions,
        [
            {"code": code, "name": name, "counts_as_result": counts, "is_active": True, "sort_order": (i + 1) * 10}
            for i, (code, name, counts) in enumerate(DISPOSITIONS)
        ],
    )
    op.bulk_insert(
        _stages,
        [
            {"code": code, "name": name, "sort_order": (i + 1) * 10, "is_closed": closed}
            for i, (code, name, closed) in enumerate(STAGES)
        ],
    )


def downgrade() -> None:
    op.execute(_stages.delete().where(_stages.c.code.in_([code for code, _, _ in STAGES])))
    op.execute(_dispositions.delete().where(_dispositions.c.code.in_([code for code, _, _ in DISPOSITIONS])))
