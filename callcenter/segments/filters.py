"""A segment's filter document as SQL: one ``select`` of client ids, for SQLite and PostgreSQL alike.

Every condition is a predicate on ``clients`` (a column, or EXISTS over the client's interactions, deals,
sales or phones), so counting a segment is one COUNT over ``clients`` and no client is loaded into Python.
JSON columns differ by backend: ``tags`` and ``custom`` are JSONB on PostgreSQL (its operators ``?|``,
``@>``, ``->>``) and JSON text on SQLite (read with ``json_each``).

Days are turned into moments at midnight in the CRM's time zone (``Settings.time_zone``): "last contact
before 1 October" means before the first of October as the office counts days.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, cast, exists, func, literal, not_, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB, array

from callcenter.enums import DealStatus, InteractionKind, InteractionStatus
from callcenter.models import Client, Deal, FunnelStage, Interaction, Phone, Sale, User
from callcenter.names import like_fragment, search_form
from callcenter.segments.schemas import SegmentFilter, resolve_bound
from callcenter.segments.zones import number_in_zones

# What counts as a contact for "last contact": what an operator did with the client, not a note about them.
CONTACT_KINDS = (InteractionKind.CALL, InteractionKind.MEETING, InteractionKind.EMAIL)


@dataclass(frozen=True, slots=True)
class Backdrop:
    """What a filter is compiled against: the backend, and the day and zone relative dates are read in."""

    postgres: bool
    today: date
    zone: ZoneInfo

    @classmethod
    def now(cls, dialect: str, time_zone: str) -> Backdrop:
        zone = ZoneInfo(time_zone)
        return cls(postgres=dialect == "postgresql", today=datetime.now(zone).date(), zone=zone)

    def day(self, bound: str) -> date:
        return resolve_bound(bound, self.today)

    def moment(self, bound: str) -> datetime:
        """Midnight of the day ``bound`` names, in the CRM's zone, as UTC; a day at the calendar's edge
        (0001-01-01 east of Greenwich) that has no UTC instant is the earliest or latest one there is."""
        day = self.day(bound)
        try:
            return datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)
        except OverflowError:
            return (datetime.min if day.year == 1 else datetime.max).replace(tzinfo=UTC)


def property_text(value: str | int | float | bool) -> str:
    """A custom property's value as compared: strings as they are, numbers and booleans as JSON writes them."""
    return value if isinstance(value, str) else json.dumps(value)


def _contacted_since(moment: datetime, kinds: tuple[InteractionKind, ...] = CONTACT_KINDS) -> Any:
    return exists().where(
        Interaction.client_id == Client.id,
        Interaction.kind.in_(kinds),
        Interaction.status == InteractionStatus.DONE,
        Interaction.occurred_at >= moment,
    )


def _ever_called() -> Any:
    return exists().where(
        Interaction.client_id == Client.id,
        Interaction.kind == InteractionKind.CALL,
        Interaction.status == InteractionStatus.DONE,
    )


def _open_deal() -> Any:
    return exists().where(
        Deal.client_id == Client.id,
        Deal.status == DealStatus.OPEN,
        FunnelStage.id == Deal.stage_id,
        FunnelStage.is_closed.is_(False),
    )


def _bought_since(day: date) -> Any:
    return exists().where(Sale.client_id == Client.id, Sale.sold_on >= day)


def _tags(tags: list[str], every: bool, postgres: bool) -> Any:
    if postgres:
        column = type_coerce(Client.tags, JSONB)
        return column.contains(tags) if every else column.has_any(array(tags))
    items = func.json_each(Client.tags).table_valued("value")
    if every:
        found = select(func.count(func.distinct(items.c.value))).where(items.c.value.in_(tags)).scalar_subquery()
        return found == len(tags)
    return exists(select(literal(1)).select_from(items).where(items.c.value.in_(tags)))


def _custom(key: str, text: str | None, postgres: bool) -> Any:
    """The custom property ``key`` is set (not null), and equal to ``text`` when given."""
    if postgres:
        value = type_coerce(Client.custom, JSONB)[key]
        if text is None:
            return func.jsonb_typeof(value) != "null"
        return value.astext == text
    entries = func.json_each(Client.custom).table_valued("key", "value", "type")
    condition = [entries.c.key == key, entries.c.type != "null"]
    if text is not None:
        as_text = case((entries.c.type.in_(("true", "false")), entries.c.type), else_=cast(entries.c.value, String))
        condition.append(as_text == text)
    return exists(select(literal(1)).select_from(entries).where(*condition))


def conditions(flt: SegmentFilter, at: Backdrop) -> list[Any]:
    """The filter's conditions on :class:`Client`, to be combined with AND."""
    found: list[Any] = []
    if flt.stages:
        found.append(Client.stage.in_(flt.stages))
    if flt.abc:
        found.append(Client.abc_class.in_(flt.abc))
    if flt.xyz:
        found.append(Client.xyz_class.in_(flt.xyz))
    if flt.owner_ids:
        found.append(Client.owner_id.in_(flt.owner_ids))
    if flt.team_ids:
        found.append(Client.owner_id.in_(select(User.id).where(User.team_id.in_(flt.team_ids))))
    if flt.time_zones:
        by_phone = Client.id.in_(select(Phone.client_id).where(number_in_zones(Phone.e164, flt.time_zones)))
        # A zone set on the client is what the manager knows; the phones speak only for clients without one.
        found.append(Client.timezone.in_(flt.time_zones) | (Client.timezone.is_(None) & by_phone))
    if flt.last_contact_before:
        found.append(not_(_contacted_since(at.moment(flt.last_contact_before))))
    if flt.last_contact_after:
        found.append(_contacted_since(at.moment(flt.last_contact_after)))
    if flt.never_called is not None:
        found.append(not_(_ever_called()) if flt.never_called else _ever_called())
    if flt.tags_any:
        found.append(_tags(flt.tags_any, False, at.postgres))
    if flt.tags_all:
        found.append(_tags(flt.tags_all, True, at.postgres))
    for key, value in (flt.custom_equals or {}).items():
        found.append(_custom(key, property_text(value), at.postgres))
    for key in flt.custom_has or ():
        found.append(_custom(key, None, at.postgres))
    if flt.has_open_deals is not None:
        found.append(_open_deal() if flt.has_open_deals else not_(_open_deal()))
    if flt.purchased_since:
        found.append(_bought_since(at.day(flt.purchased_since)))
    if flt.not_purchased_since:
        found.append(not_(_bought_since(at.day(flt.not_purchased_since))))
    if flt.name_contains and search_form(flt.name_contains):
        found.append(Client.name_search.like(like_fragment(flt.name_contains), escape="\\"))
    return found


def matching(flt: SegmentFilter, at: Backdrop) -> Any:
    """``SELECT clients.id`` of the clients matching every condition."""
    return select(Client.id).where(and_(True, *conditions(flt, at)))
