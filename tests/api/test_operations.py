"""Every registered API operation is in the OpenAPI document and refuses callers without credentials."""

from __future__ import annotations

import re

import httpx

from web.app import API_ROUTERS

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


def operations() -> list[tuple[str, str, bool]]:
    return [(op.method, op.path, op.public) for router in API_ROUTERS for op in router.operations]


async def test_openapi_lists_every_operation(http: httpx.AsyncClient) -> None:
    r = await http.get("/api/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    listed = {(method.upper(), path) for path, entries in paths.items() for method in entries}
    registered = {(method, _PARAM.sub(r"{\1}", path)) for method, path, _ in operations()}
    assert registered == listed
    for path in ("/api/contacts/{contact_id}", "/api/interactions", "/api/tasks/{task_id}", "/api/deals",
                 "/api/funnel-stages", "/api/sales", "/api/claims", "/api/dispositions", "/api/users",
                 "/api/teams", "/api/admin/settings", "/api/audit", "/api/clients/{client_id}/relations"):
        assert path in paths, path


async def test_every_operation_needs_credentials(http: httpx.AsyncClient) -> None:
    checked = 0
    for method, path, public in operations():
        if public:
            continue
        url = _PARAM.sub("1", path)
        r = await http.request(method, url, json={} if method in ("POST", "PATCH") else None)
        assert r.status_code == 401, (method, path, r.status_code)
        assert r.json()["error"] == "not-authenticated"
        checked += 1
    assert checked >= 50
    r = await http.get("/api/tasks", headers={"Authorization": "Bearer cc_not-a-token"})
    assert r.status_code == 401
