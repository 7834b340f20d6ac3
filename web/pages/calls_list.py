"""The call log: every call the PBX reported, newest first, with its durations, outcome and hand-overs."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.calls.reading import list_calls
from callcenter.calls.schemas import CallFilter
from callcenter.controls import TEXT_CONTROLS
from callcenter.errors import ValidationFailed
from callcenter.ids import INT32_MAX
from callcenter.metrics.period import Period
from callcenter.models import Campaign, Disposition, Team
from callcenter.models.enums import CallOutcome, Direction
from callcenter.users.directory import owner_choices
from web.pages.context import Page, page
from web.pages.listing import choice, page_number, pager, whole_number

PAGE_SIZE = 50


def _day(value: str | None, zone: str) -> tuple[datetime, datetime] | None:
    """The day ``value`` (``2024-05-01``) names, midnight to midnight in the centre's time zone, in UTC."""
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return None
    start = datetime.combine(day, time(), ZoneInfo(zone))
    return start.astimezone(UTC), (start + timedelta(days=1)).astimezone(UTC)


def span_of(first: str | None, last: str | None, zone: str) -> Period | None:
    """Whole days ``from``..``to`` (the manager's figures link here with them); None when either is not a date."""
    try:
        return Period.of(date.fromisoformat(first or ""), date.fromisoformat(last or ""), zone)
    except (ValueError, ValidationFailed):
        return None


async def filter_choices(pg: Page) -> tuple[dict[int, str], dict[int, str]]:
    teams = {tid: name for tid, name in await pg.db.execute(select(Team.id, Team.name).order_by(Team.name))}
    results = {did: name for did, name in await pg.db.execute(
        select(Disposition.id, Disposition.name).order_by(Disposition.sort_order, Disposition.id))}
    return teams, results


@page(permission=Permission.WORK_READ)
async def calls_list(pg: Page) -> Response:
    params = pg.request.query_params
    direction = choice(params.get("direction"), [d.value for d in Direction])
    outcome = choice(params.get("outcome"), [o.value for o in CallOutcome])
    operator = whole_number(params.get("operator"))
    teams, results = await filter_choices(pg)
    team = whole_number(params.get("team"))
    team = team if team in teams else None
    result = whole_number(params.get("result"))
    result = result if result in results else None
    reviewed = choice(params.get("reviewed"), ["yes", "no"])
    answered = choice(params.get("answered"), ["yes", "no"])  # from the manager's figures: taken or missed
    has_result = choice(params.get("has_result"), ["yes", "no"])  # from the figures: calls with no result
    counted = choice(params.get("counted"), ["yes", "no"])  # from the campaign figures: a result that counts
    campaign = whole_number(params.get("campaign"))  # from the campaign figures: the calls it placed
    campaign_name = await pg.db.scalar(select(Campaign.name).where(Campaign.id == campaign)) if campaign else None
    campaign = campaign if campaign_name is not None else None  # a stale link, not an error
    queue = " ".join((params.get("queue") or "").translate(TEXT_CONTROLS).split())[:80] or None  # from the dashboard's queue figures
    min_talk = whole_number(params.get("min_talk"))
    min_talk = min_talk if min_talk is not None and min_talk <= INT32_MAX else None  # beyond any call: no filter
    # Control characters (NUL above all, which PostgreSQL refuses) are nothing anyone said.
    words = " ".join((params.get("q") or "").translate(TEXT_CONTROLS).split())[:200] or None
    day_value = params.get("day") or ""
    day = _day(day_value, pg.settings.time_zone)
    span = span_of(params.get("from"), params.get("to"), pg.settings.time_zone) if day is None else None
    if span is not None:
        day = (span.start, span.end)
    number = page_number(params.get("page"))
    operators = await owner_choices(pg.db, also=operator)
    if operator is not None and operator not in {o.id for o in operators}:
        operator = None  # a stale link, not an error
    flt = CallFilter(direction=direction, outcome=outcome, operator=str(operator) if operator else None,
                     team_id=team, result_id=result, min_talk_seconds=min_talk, q=words,
                     reviewed=None if reviewed is None else reviewed == "yes",
                     answered=None if answered is None else answered == "yes",
                     has_result=None if has_result is None else has_result == "yes", queue=queue,
                     result_counts=None if counted is None else counted == "yes", campaign_id=campaign,
                     from_=day[0] if day else None, to=day[1] if day else None)
    calls, total = await list_calls(pg.db, pg.principal, flt, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    kept = {k: v for k, v in {
        "direction": direction, "outcome": outcome, "operator": operator, "team": team, "result": result,
        "reviewed": reviewed, "answered": answered, "has_result": has_result, "counted": counted,
        "campaign": campaign, "queue": queue, "min_talk": min_talk, "q": words, "day": day_value if day and not span else None,
        "from": span.first.isoformat() if span else None, "to": span.last.isoformat() if span else None,
    }.items() if v is not None and v != ""}

    return await pg.render(
        "calls/list.html",
        calls=calls,
        total=total,
        filters={"direction": direction or "", "outcome": outcome or "", "operator": operator, "team": team,
                 "result": result, "reviewed": reviewed or "", "min_talk": min_talk if min_talk is not None else "",
                 "q": words or "", "day": day_value if day and not span else "", "queue": queue or "",
                 "answered": answered or "", "has_result": has_result or "", "counted": counted or "",
                 "campaign": campaign or ""},
        campaign_name=campaign_name,
        span=span,
        teams=teams,
        results=results,
        filtered=bool(kept),
        directions=[d.value for d in Direction],
        outcomes=[o.value for o in CallOutcome],
        operator_names={o.id: o.label for o in operators},
        **pager("/calls", number, total, PAGE_SIZE, kept),
    )
