"""The manager's figures kept per operator and day, so a month's table sums days instead of contacts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from callcenter.db.base import Base, BigId, UTCDateTime

COUNTERS = (
    "contacts", "client_contacts", "calls", "calls_inbound", "calls_outbound", "calls_answered", "calls_missed",
    "talk_total", "talk_n", "wait_total", "wait_n", "ring_total", "ring_n", "wrapup_total", "wrapup_n",
)


class MetricDay(Base):
    """One operator's contacts of one day (in ``zone``) with one result (``result_id`` 0: none set)."""

    __tablename__ = "metric_days"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    result_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    contacts: Mapped[int] = mapped_column(Integer, default=0)
    client_contacts: Mapped[int] = mapped_column(Integer, default=0)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    calls_inbound: Mapped[int] = mapped_column(Integer, default=0)
    calls_outbound: Mapped[int] = mapped_column(Integer, default=0)
    calls_answered: Mapped[int] = mapped_column(Integer, default=0)
    calls_missed: Mapped[int] = mapped_column(Integer, default=0)
    talk_total: Mapped[int] = mapped_column(BigInteger, default=0)
    talk_n: Mapped[int] = mapped_column(Integer, default=0)
    wait_total: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_n: Mapped[int] = mapped_column(Integer, default=0)
    ring_total: Mapped[int] = mapped_column(BigInteger, default=0)
    ring_n: Mapped[int] = mapped_column(Integer, default=0)
    wrapup_total: Mapped[int] = mapped_column(BigInteger, default=0)
    wrapup_n: Mapped[int] = mapped_column(Integer, default=0)


class MetricDayClient(Base):
    """That an operator had a contact with a client on a day: distinct clients do not add up over days."""

    __tablename__ = "metric_day_clients"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    client_id: Mapped[int] = mapped_column(BigId, primary_key=True)


class MetricRollup(Base):
    """How far the days of ``zone`` are kept: every contact changed at or before ``rolled_to`` is in them."""

    __tablename__ = "metric_rollups"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    rolled_to: Mapped[datetime] = mapped_column(UTCDateTime)
