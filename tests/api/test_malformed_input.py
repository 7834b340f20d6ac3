"""Malformed input is a 422 naming the field, never a server error: NUL and other control characters in
text (PostgreSQL refuses NUL), integers beyond 64 bits in queries, bodies and paths, empty phones."""

from __future__ import annotations

import httpx
import pytest

from tests.api.conftest import new_client


def field_refused(r: httpx.Response, field: str) -> bool:
    return r.status_code == 422 and field in r.json().get("fields", {})


@pytest.mark.parametrize("text", ["Ромашка\u0000", "bell\u0007", "esc\u001b[31m"])
async def test_control_characters_in_text_are_refused_by_field(admin_http: httpx.AsyncClient, text: str) -> None:
    r = await admin_http.post("/api/clients", json={"name": text, "kind": "company"})
    assert field_refused(r, "name"), r.text
    r = await admin_http.post("/api/clients", json={"name": "Ok", "kind": "company", "custom": {"note": text}})
    assert field_refused(r, "custom.note"), r.text
    r = await admin_http.post("/api/clients", json={"name": "Ok", "kind": "company", "custom": {text: 1}})
    assert r.status_code == 422, r.text
    r = await admin_http.get("/api/contacts", params={"q": text})
    assert field_refused(r, "q"), r.text
    r = await admin_http.get("/api/calls", params={"q": text})
    assert field_refused(r, "q"), r.text


async def test_tabs_and_line_breaks_stay_allowed(admin_http: httpx.AsyncClient) -> None:
    client = await new_client(admin_http, "Ромашка", notes="first line\r\nsecond\tline")
    assert client["notes"] == "first line\r\nsecond\tline"


async def test_integers_beyond_64_bits_are_refused(admin_http: httpx.AsyncClient) -> None:
    huge = str(2**64)
    r = await admin_http.get("/api/clients", params={"offset": huge})
    assert field_refused(r, "offset"), r.text
    r = await admin_http.get("/api/claims", params={"client_id": huge})
    assert r.status_code == 422, r.text
    r = await admin_http.get("/api/audit", params={"entity_id": huge})
    assert r.status_code == 422, r.text
    r = await admin_http.get(f"/api/clients/{huge}")
    assert r.status_code == 404, r.text
    client = await new_client(admin_http, "Acme")
    r = await admin_http.post("/api/interactions", json={
        "kind": "note", "client_id": client["id"], "occurred_at": "2024-05-01T10:00:00+03:00",
        "duration_seconds": 2**70})
    assert field_refused(r, "duration_seconds"), r.text


async def test_an_empty_phone_is_a_field_error(admin_http: httpx.AsyncClient) -> None:
    r = await admin_http.post("/api/clients", json={"name": "Acme", "kind": "company", "phones": [""]})
    assert field_refused(r, "phones.0"), r.text


async def test_the_call_log_page_takes_no_harm_from_odd_filters(admin_http: httpx.AsyncClient) -> None:
    r = await admin_http.get("/api/calls", params={"min_talk_seconds": str(2**40)})
    assert field_refused(r, "min_talk_seconds"), r.text
    r = await admin_http.get("/calls", params={"q": "сейф\u0000", "min_talk": str(10**10)})
    assert r.status_code == 200, r.text
