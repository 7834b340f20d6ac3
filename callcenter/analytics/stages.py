"""Lifecycle stages as a plain function of a client's sales and contacts: no database here.

- **potential**: never bought;
- **lost**: bought, but not for ``lost_days`` days, and (when ``lost_quiet_days`` is set) nobody has
  spoken with the client for that many days either: a buyer still being talked to is being won back, not
  lost yet;
- **regular**: at least ``regular_sales`` sales in the last ``regular_months`` months;
- **one_time**: bought, fewer times than that.

A one-time or regular client whose last sale is more than ``lost_days - slipping_days`` days old is
**slipping**: lost within ``slipping_days`` unless they buy, the list a manager has called first.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field

from callcenter.models.enums import Stage


class LifecycleRules(BaseModel):
    """The manager's rules; the defaults hold until a manager saves others."""

    model_config = ConfigDict(extra="forbid")

    regular_sales: int = Field(3, ge=2, le=1000, description="sales within the window that make a client regular")
    regular_months: int = Field(12, ge=1, le=120, description="the window, in months back from today")
    lost_days: int = Field(180, ge=1, le=3650, description="days without a sale after which a buyer is lost")
    lost_quiet_days: int = Field(90, ge=0, le=3650,
                                 description="and days without any contact (0: contacts do not matter)")
    slipping_days: int = Field(30, ge=0, le=3650,
                               description="a buyer this many days from lost_days without a sale is slipping")

    def slipping_since(self, today: date) -> date:
        """A buyer (not lost) whose last sale is before this day is slipping toward lost: call them now."""
        return today - timedelta(days=max(self.lost_days - self.slipping_days, 0))


@dataclass(frozen=True, slots=True)
class ClientFacts:
    """What the rules look at for one client."""

    sales: int  # ever
    sales_in_window: int
    last_sale: date | None
    last_contact: date | None


def window_start(today: date, months: int) -> date:
    """The same day ``months`` months before ``today`` (the month's last day where it is shorter)."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    month += 1
    return date(year, month, min(today.day, calendar.monthrange(year, month)[1]))


def stage_of(facts: ClientFacts, rules: LifecycleRules, today: date) -> Stage:
    """The stage ``facts`` put a client in on ``today``."""
    if facts.sales == 0 or facts.last_sale is None:
        return Stage.POTENTIAL
    if facts.last_sale < today - timedelta(days=rules.lost_days):
        quiet = rules.lost_quiet_days == 0 or facts.last_contact is None or (
            facts.last_contact < today - timedelta(days=rules.lost_quiet_days))
        if quiet:
            return Stage.LOST
    return Stage.REGULAR if facts.sales_in_window >= rules.regular_sales else Stage.ONE_TIME
