"""Segments' pages: the list with live counts, and the editor whose count follows the filter as it is edited.

The editor's fields are named after the filter document's keys; ``static/segments.js`` reads the same form
into the same document to ask ``POST /api/segments/count`` while the manager edits, and the form posts here
to be saved. Supervisors see both pages and the counts; saving and deleting are for managers and admins.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.errors import SegmentInUse, ValidationFailed
from callcenter.models import Team
from callcenter.models.enums import AbcClass, Stage, XyzClass
from callcenter.segments import services
from callcenter.segments.schemas import PERIOD_STARTS, SegmentIn, SegmentPatch
from callcenter.tags import split_tags
from callcenter.users.directory import owner_choices
from web.pages.context import Page, page

LIST_KEYS = ("stages", "abc", "xyz")
ID_KEYS = ("owner_ids", "team_ids")
DATE_KEYS = ("last_contact_after", "last_contact_before", "purchased_since", "not_purchased_since")
YES_NO_KEYS = ("never_called", "has_open_deals")


def form_document(pg: Page) -> dict[str, Any]:
    """The filter document the posted form describes (what ``segments.js`` sends for the live count)."""
    doc: dict[str, Any] = {key: pg.values(key, 20) for key in LIST_KEYS}
    for key in ID_KEYS:
        doc[key] = [int(v) for v in pg.values(key, 20) if v.isascii() and v.isdigit() and len(v) < 19]
    doc["time_zones"] = [z.strip() for z in pg.value("time_zones", 2000).split(",") if z.strip()]
    for key in DATE_KEYS:
        doc[key] = pg.value(key, 20) or None
    for key in YES_NO_KEYS:
        doc[key] = {"yes": True, "no": False}.get(pg.value(key, 5))
    doc["tags_any"] = split_tags(pg.value("tags_any", 3000))
    doc["tags_all"] = split_tags(pg.value("tags_all", 3000))
    equals: dict[str, str] = {}
    has: list[str] = []
    for line in pg.value("custom", 5000).splitlines():
        key, sign, value = line.partition("=")
        if key.strip():
            if sign:
                equals[key.strip()] = value.strip()
            else:
                has.append(key.strip())
    doc["custom_equals"], doc["custom_has"] = equals, has
    doc["name_contains"] = pg.value("name_contains", 300) or None
    return {key: value for key, value in doc.items() if value not in (None, [], {})}


def editor_values(filters: dict[str, Any]) -> dict[str, Any]:
    """A stored filter document as the editor's fields show it."""
    custom = [f"{k}={v if isinstance(v, str) else str(v).lower()}" for k, v in (filters.get("custom_equals") or {}).items()]
    custom += list(filters.get("custom_has") or [])
    shown: dict[str, Any] = {key: filters.get(key) or [] for key in (*LIST_KEYS, *ID_KEYS)}
    shown.update({key: filters.get(key) or "" for key in (*DATE_KEYS, "name_contains")})
    shown.update({key: "yes" if filters.get(key) is True else "no" if filters.get(key) is False else ""
                  for key in YES_NO_KEYS})
    shown["time_zones"] = ", ".join(filters.get("time_zones") or [])
    shown["tags_any"] = ", ".join(filters.get("tags_any") or [])
    shown["tags_all"] = ", ".join(filters.get("tags_all") or [])
    shown["custom"] = "\n".join(custom)
    return shown


def _errors(exc: ValidationError) -> dict[str, str]:
    """``{field of the form: pydantic's reason}``: ``filters.tags_any.2`` is the form's ``tags_any``."""
    found: dict[str, str] = {}
    for item in exc.errors():
        parts = [str(p) for p in item["loc"]]
        if parts[:1] == ["filters"]:
            parts = parts[1:]
        key = parts[0] if parts else "form"
        key = "custom" if key in ("custom_equals", "custom_has") else key
        found.setdefault(key, item["msg"])
    return found


@page(permission=Permission.CAMPAIGNS_READ)
async def segments_list(pg: Page) -> Response:
    items = await services.list_segments(pg.db, pg.principal, time_zone=pg.settings.time_zone)
    notice = pg.request.query_params.get("done")
    return await pg.render("segments/list.html", segments=items, notice=notice if notice in ("deleted",) else None)


# The filter document's keys and the editor's field each one is written in (and labelled by, segments.f.*).
FIELD_OF = {"stages": "stages", "abc": "classes", "xyz": "classes", "owner_ids": "owners", "team_ids": "teams",
            "time_zones": "time_zones", "name_contains": "name_contains", "tags_any": "tags_any", "tags_all": "tags_all",
            "custom_equals": "custom", "custom_has": "custom", "last_contact_after": "last_contact_after",
            "last_contact_before": "last_contact_before", "purchased_since": "purchased_since",
            "not_purchased_since": "not_purchased_since", "never_called": "never_called",
            "has_open_deals": "has_open_deals"}
INPUT_OF = {"abc": "abc", "xyz": "xyz", "owner_ids": "owner_ids", "team_ids": "team_ids", "custom_equals": "custom",
            "custom_has": "custom"}


def _texts(pg: Page) -> dict[str, Any]:
    """What ``static/segments.js`` says itself: a refused count names the fields by their labels."""
    return {"invalid": pg.t("segments.invalid"), "failed": pg.t("segments.failed"),
            "labels": {key: pg.t(f"segments.f.{label}") for key, label in FIELD_OF.items()},
            "inputs": {key: INPUT_OF.get(key, key) for key in FIELD_OF}}


async def _editor(pg: Page, *, segment: dict[str, Any] | None, name: str, filters: dict[str, Any],
                  errors: dict[str, str] | None = None, status: int = 200, notice: str | None = None) -> Response:
    teams = {tid: tname for tid, tname in await pg.db.execute(select(Team.id, Team.name).order_by(Team.name))}
    return await pg.render(
        "segments/editor.html", status=status, segment=segment, name=name, values=editor_values(filters),
        errors=errors or {}, notice=notice, owners=await owner_choices(pg.db), teams=teams,
        stages=[s.value for s in Stage], abc_classes=[c.value for c in AbcClass], xyz_classes=[c.value for c in XyzClass],
        periods=PERIOD_STARTS, may_write=pg.principal.can(Permission.CAMPAIGNS_WRITE),
        may_export=pg.principal.can(Permission.EXPORT), texts=_texts(pg),
    )


async def _save(pg: Page, segment: dict[str, Any] | None) -> Response:
    name, document = pg.value("name", 200), form_document(pg)
    try:
        if segment is None:
            data = SegmentIn.model_validate({"name": name, "filters": document})
            saved = await services.create_segment(pg.db, pg.principal, data, ip=pg.ip)
        else:
            patch = SegmentPatch.model_validate({"name": name, "filters": document})
            saved = await services.update_segment(pg.db, pg.principal, segment["id"], patch, ip=pg.ip)
    except ValidationError as exc:
        return await _editor(pg, segment=segment, name=name, filters=document, errors=_errors(exc), status=422)
    except ValidationFailed as exc:
        await pg.db.rollback()
        errors = {key.split(".")[1] if key.startswith("filters.") else key: reason for key, reason in exc.fields.items()}
        return await _editor(pg, segment=segment, name=name, filters=document, errors=errors, status=422)
    return pg.redirect(f"/segments/{saved['id']}?saved=1")


@page(permission=Permission.CAMPAIGNS_READ)
async def segment_new(pg: Page) -> Response:
    if pg.form is None:
        return await _editor(pg, segment=None, name="", filters={})
    return await _save(pg, None)


@page(permission=Permission.CAMPAIGNS_READ)
async def segment_edit(pg: Page) -> Response:
    segment = await services.get_segment(pg.db, pg.principal, pg.path_id("segment_id"), time_zone=pg.settings.time_zone)
    if pg.form is None:
        notice = "saved" if pg.request.query_params.get("saved") == "1" else None
        return await _editor(pg, segment=segment, name=segment["name"], filters=segment["filters"], notice=notice)
    return await _save(pg, segment)


@page(permission=Permission.CAMPAIGNS_WRITE)
async def segment_delete(pg: Page) -> Response:
    segment = await services.get_segment(pg.db, pg.principal, pg.path_id("segment_id"))
    try:
        await services.delete_segment(pg.db, pg.principal, segment["id"], ip=pg.ip)
    except SegmentInUse:
        await pg.db.rollback()
        return await _editor(pg, segment=segment, name=segment["name"], filters=segment["filters"],
                             notice="in_use", status=409)
    return pg.redirect("/segments?done=deleted")
