"""The scorecard's criteria, edited by a manager: names, weights, order, and retiring a criterion.

Past reviews keep the criteria and weights they were scored with; a retired criterion is no longer offered
to reviewers. The same rules as ``/api/review/criteria`` apply, since both go through the same service.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.errors import Conflict
from callcenter.reviews import services
from callcenter.reviews.schemas import CriterionIn, CriterionPatch
from web.pages.client_fields import localise, schema_errors
from web.pages.context import Page, page


@page(permission=Permission.CATALOGUE_WRITE)
async def scorecard(pg: Page) -> Response:
    if pg.form is None:
        return await _show(pg, saved=pg.request.query_params.get("saved") == "1")
    action = pg.value("action", 20)
    try:
        if action == "create":
            await services.create_criterion(pg.db, pg.principal, CriterionIn(
                code=pg.value("code", 200).strip(), name=pg.value("name", 400).strip(),
                weight=_number(pg.value("weight", 20), 1), sort_order=_number(pg.value("sort_order", 20), 0)))
        elif action == "update":
            raw_id = pg.value("criterion_id", 20)
            if not (raw_id.isascii() and raw_id.isdigit()) or len(raw_id) > 18:
                return await pg.error(400)  # the page sends the id it listed; anything else was made up
            criterion_id = int(raw_id)
            await services.update_criterion(pg.db, pg.principal, criterion_id, CriterionPatch(
                name=pg.value("name", 400).strip(), weight=_number(pg.value("weight", 20), 1),
                sort_order=_number(pg.value("sort_order", 20), 0), is_active=pg.value("is_active", 10) == "on"))
        else:
            return await pg.error(400)
    except ValidationError as exc:
        return await _show(pg, status=422, errors=localise(pg.t, schema_errors(exc)), failed=action,
                           entered=_entered(pg))
    except Conflict as exc:
        await pg.db.rollback()
        return await _show(pg, status=409, errors={"code": exc.message}, failed=action, entered=_entered(pg))
    return pg.redirect("/review/criteria?saved=1")


def _number(text: str, default: int) -> Any:
    """The typed number, or the text itself so that the schema names the field that is wrong."""
    text = text.strip()
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        return text


def _entered(pg: Page) -> dict[str, str]:
    return {name: pg.value(name, 400) for name in ("criterion_id", "code", "name", "weight", "sort_order")}


async def _show(pg: Page, *, status: int = 200, saved: bool = False, errors: dict[str, str] | None = None,
                failed: str | None = None, entered: dict[str, str] | None = None) -> Response:
    criteria = await services.list_criteria(pg.db, pg.principal)
    return await pg.render("reviews/criteria.html", status=status, criteria=criteria, saved=saved,
                           errors=errors or {}, failed=failed, entered=entered or {})
