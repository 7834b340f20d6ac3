"""The default result catalogue and funnel, and making sure they exist before demo data refers to them.

Migration 0002 inserts the same rows into a new database; seeding restores any that were deleted so
that demo interactions and deals always find the codes they use.
"""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from callcenter.models import Disposition, FunnelStage

# (code, name, counts as a result contact)
DEFAULT_DISPOSITIONS: tuple[tuple[str, str, bool], ...] = (
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
)

# (code, name, closed)
DEFAULT_STAGES: tuple[tuple[str, str, bool], ...] = (
    ("lead", "Лид", False),
    ("qualified", "Квалифицирован", False),
    ("proposal", "Коммерческое предложение", False),
    ("negotiation", "Переговоры", False),
    ("won", "Успешно закрыта", True),
    ("lost", "Проиграна", True),
)


async def ensure_catalogues(conn: AsyncConnection) -> tuple[dict[str, int], dict[str, int]]:
    """Insert the default dispositions and stages that are missing; return ``code → id`` for both."""
    have = set((await conn.scalars(select(Disposition.code))).all())
    missing = [
        {"code": code, "name": name, "counts_as_result": counts, "is_active": True, "sort_order": (i + 1) * 10}
        for i, (code, name, counts) in enumerate(DEFAULT_DISPOSITIONS)
        if code not in have
    ]
    if missing:
        await conn.execute(insert(Disposition), missing)
    have = set((await conn.scalars(select(FunnelStage.code))).all())
    missing = [
        {"code": code, "name": name, "sort_order": (i + 1) * 10, "is_closed": closed}
        for i, (code, name, closed) in enumerate(DEFAULT_STAGES)
        if code not in have
    ]
    if missing:
        await conn.execute(insert(FunnelStage), missing)
    dispositions = {code: id_ for code, id_ in (await conn.execute(select(Disposition.code, Disposition.id))).all()}
    stages = {code: id_ for code, id_ in (await conn.execute(select(FunnelStage.code, FunnelStage.id))).all()}
    return dispositions, stages
