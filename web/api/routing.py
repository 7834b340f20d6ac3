"""Declaring API operations once: the route, its permission, its input models and its OpenAPI entry."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from callcenter.auth.principal import Permission, Principal
from callcenter.errors import DomainError, NotFound, TooManyAttempts
from callcenter.ids import MAX_ID
from callcenter.settings import Settings
from web.api.input_checks import integer_errors, text_errors
from web.auth import Authenticated, authenticate, cross_site_blocked
from web.responses import Json, error

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Operation:
    method: str
    path: str
    summary: str
    tag: str
    permission: Permission | None
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    status: int
    public: bool
    responses: dict[int, str] = field(default_factory=dict)


@dataclass(slots=True)
class Call:
    """Everything a handler needs: the request, a database session, who is calling, and parsed input."""

    request: Request
    db: AsyncSession
    settings: Settings
    auth: Authenticated | None
    body: Any = None
    query: Any = None

    @property
    def principal(self) -> Principal:
        assert self.auth is not None, "public operations have no principal"
        return self.auth.principal

    @property
    def ip(self) -> str | None:
        return self.request.client.host if self.request.client else None

    def path_int(self, name: str) -> int:
        """A path id; one no row can have (beyond BIGINT) is simply not found."""
        value = int(self.request.path_params[name])
        if value > MAX_ID:
            raise NotFound(name.removesuffix("_id"), value)
        return value


Handler = Callable[[Call], Awaitable[Any]]


def field_errors(exc: ValidationError, prefix: str = "") -> dict[str, str]:
    """``{"phones.1": "reason", ...}`` from a pydantic error."""
    fields: dict[str, str] = {}
    for item in exc.errors():
        loc = [str(part) for part in item["loc"] if not str(part).startswith(("function-", "str", "constrained-", "PhoneIn"))]
        key = prefix + ".".join(loc) if loc else prefix.rstrip(".") or "body"
        fields.setdefault(key, item["msg"])
    return fields


async def _parse_body(request: Request, model: type[BaseModel]) -> BaseModel | Response:
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        # Also what keeps cross-site HTML forms (text/plain, urlencoded) away from JSON operations.
        return error(415, "unsupported-media-type", "Send the body as application/json.")
    raw = await request.body()
    if len(raw) > 2_000_000:
        return error(413, "body-too-large", "The request body is larger than 2 MB.")
    try:
        data = json.loads(raw or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return error(400, "bad-json", f"The body is not valid JSON: {exc}")
    if not isinstance(data, dict):
        return error(422, "validation-failed", "The body must be a JSON object.", fields={"body": "must be an object"})
    refused = text_errors(data)
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        return error(422, "validation-failed", "Some fields are invalid.", fields={**field_errors(exc), **refused})
    refused.update(integer_errors(parsed))
    if refused:
        return error(422, "validation-failed", "Some fields are invalid.", fields=refused)
    return parsed


def _parse_query(request: Request, model: type[BaseModel], time_zone: str) -> BaseModel | Response:
    refused: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        refused.update(text_errors({name: value}))
    try:
        # The zone a day or a zoneless time is read in (callcenter.when.LocalInstant).
        parsed = model.model_validate(dict(request.query_params), context={"time_zone": time_zone})
    except ValidationError as exc:
        fields = {**field_errors(exc), **refused}
        return error(422, "validation-failed", "Some query parameters are invalid.", fields=fields)
    refused.update(integer_errors(parsed))
    if refused:
        return error(422, "validation-failed", "Some query parameters are invalid.", fields=refused)
    return parsed


async def run(request: Request, op: Operation, handler: Handler) -> Response:
    settings: Settings = request.app.state.settings
    try:
        async with request.app.state.sessionmaker() as db:
            auth = None if op.public else await authenticate(request, db, settings)
            if not op.public:
                if auth is None:
                    return error(401, "not-authenticated", "Log in or send a bearer token.")
                if cross_site_blocked(request, op.method, auth):
                    return error(403, "cross-site", "Cross-site request refused; send the X-CSRF-Token header.")
                if op.permission is not None and not auth.principal.can(op.permission):
                    return error(403, "forbidden", f"Role {auth.principal.role.value} may not do this.")
            call = Call(request=request, db=db, settings=settings, auth=auth)
            if op.query is not None:
                parsed = _parse_query(request, op.query, settings.time_zone)
                if isinstance(parsed, Response):
                    return parsed
                call.query = parsed
            if op.body is not None:
                body = await _parse_body(request, op.body)
                if isinstance(body, Response):
                    return body
                call.body = body
            try:
                result = await handler(call)
            except DomainError as exc:
                await db.rollback()
                response = Json(exc.to_dict(), status_code=exc.status)
                if isinstance(exc, TooManyAttempts):
                    response.headers["Retry-After"] = str(exc.retry_after)
                return response
    except IntegrityError as exc:
        log.info("integrity error during %s %s: %s", op.method, op.path, exc.orig)
        return error(409, "conflict", "The change conflicts with existing data; nothing was changed.")
    except (OperationalError, OSError) as exc:
        return _unavailable(op, exc)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        return _unavailable(op, exc)
    if isinstance(result, Response):
        return result
    if result is None and op.status == 204:
        return Response(status_code=204)
    return Json(result, status_code=op.status)


def _unavailable(op: Operation, exc: Exception) -> Response:
    log.warning("database unavailable during %s %s: %s", op.method, op.path, exc)
    return error(503, "database-unavailable", "The database is not reachable; nothing was changed. Retry shortly.")


class ApiRouter:
    """Collects a domain's operations; ``web.app`` mounts ``routes`` and ``web.openapi`` reads ``operations``."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.routes: list[Route] = []
        self.operations: list[Operation] = []

    def operation(
        self,
        method: str,
        path: str,
        *,
        summary: str,
        permission: Permission | None = None,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        status: int = 200,
        public: bool = False,
        responses: dict[int, str] | None = None,
    ) -> Callable[[Handler], Handler]:
        op = Operation(method, path, summary, self.tag, permission, body, query, status, public, responses or {})

        def register(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                return await run(request, op, handler)

            endpoint.__name__ = handler.__name__
            self.routes.append(Route(path, endpoint, methods=[method]))
            self.operations.append(op)
            return handler

        return register

    def get(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.operation("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.operation("POST", path, **kw)

    def patch(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.operation("PATCH", path, **kw)

    def put(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.operation("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Callable[[Handler], Handler]:
        return self.operation("DELETE", path, **kw)


class PageQuery(BaseModel):
    """Pagination shared by every list."""

    limit: int = Field(default=50, ge=1, le=500)
    offset: int = Field(default=0, ge=0)


def page(items: list[Any], total: int, query: PageQuery) -> dict[str, Any]:
    return {"items": items, "total": total, "limit": query.limit, "offset": query.offset}
