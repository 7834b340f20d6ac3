"""Building blocks for the campaign tests: clients with phones, a segment whose members the test decides,
and a campaign over it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import SYSTEM
from callcenter.campaigns import membership, services
from callcenter.campaigns.schemas import CampaignIn
from callcenter.enums import AbcClass, ClientKind
from callcenter.models import Campaign, Client, Phone, Segment


async def add_client(db: AsyncSession, name: str, *numbers: str, abc: AbcClass | None = None,
                     timezone: str | None = None, **kw: Any) -> Client:
    client = Client(kind=ClientKind.COMPANY, name=name, name_search=name.lower(), name_key=name.lower(),
                    abc_class=abc, timezone=timezone, **kw)
    db.add(client)
    await db.flush()
    db.add_all(Phone(client_id=client.id, raw=n, e164=n) for n in numbers)
    await db.commit()
    return client


class Members:
    """The segments' service, faked: the test says who is in each segment."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.by_segment: dict[int, list[int]] = {}
        monkeypatch.setattr(membership, "segment_client_ids", self._client_ids)

    async def _client_ids(self, db: AsyncSession, segment: Segment) -> list[int]:
        return sorted(self.by_segment.get(segment.id, []))

    def set(self, segment_id: int, client_ids: Iterable[int]) -> None:
        self.by_segment[segment_id] = list(client_ids)


@pytest.fixture
def members(monkeypatch: pytest.MonkeyPatch) -> Members:
    return Members(monkeypatch)


async def add_segment(db: AsyncSession, name: str = "Everyone") -> Segment:
    segment = Segment(name=name, filters={})
    db.add(segment)
    await db.commit()
    return segment


async def running_campaign(db: AsyncSession, members: Members, clients: Iterable[Client], *, now: datetime,
                           name: str = "Spring", **fields: Any) -> Campaign:
    """A campaign over exactly ``clients``, started at ``now``."""
    segment = await add_segment(db, f"{name} segment")
    members.set(segment.id, [c.id for c in clients])
    data = CampaignIn.model_validate({"name": name, "segment_id": segment.id, "caller_id": "+74951234567", **fields})
    made = await services.create_campaign(db, SYSTEM, data)
    await services.start_campaign(db, SYSTEM, made["id"], now=now)
    campaign = await db.get(Campaign, made["id"])
    assert campaign is not None
    await db.refresh(campaign)
    return campaign


ALL_DAY = {"windows": {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}}


async def dialling_campaign(db: AsyncSession, members: Members, clients: Iterable[Client], operator_ids: list[int],
                            *, mode: str, now: datetime, **rules: Any) -> Campaign:
    """A running campaign calling all day, its operators joined: what the dialer takes up."""
    from sqlalchemy import update

    from callcenter.models import CampaignOperator

    campaign = await running_campaign(db, members, clients, now=now, mode=mode, operator_ids=operator_ids,
                                      rules={**ALL_DAY, **rules})
    await db.execute(update(CampaignOperator).where(CampaignOperator.campaign_id == campaign.id).values(joined_at=now))
    await db.commit()
    return campaign
