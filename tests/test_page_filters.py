"""List pages take any text in their free-text filters: a NUL or another control character is dropped, never
a server error (PostgreSQL refuses NUL in text)."""

from __future__ import annotations

import httpx
import pytest

from callcenter.models.enums import Role
from tests.conftest import MakeUser
from tests.test_pages import sign_in


@pytest.mark.parametrize("path", [
    "/clients?q=Ro%00ma", "/calls?q=he%00llo", "/calls?queue=sa%00les%07", "/interactions?q=x%00",
    "/deals?q=%00", "/tasks?q=%00%1f",
])
async def test_control_characters_in_filters_are_no_server_error(http: httpx.AsyncClient, make_user: MakeUser,
                                                                 path: str) -> None:
    await sign_in(http, await make_user(Role.ADMIN))
    r = await http.get(path)
    assert r.status_code == 200, r.text[-500:]
