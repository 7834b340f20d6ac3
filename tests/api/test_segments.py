"""Segments over the API: saving, reading, counting, exporting and deleting them, who may do what, the 422s;
and the clients' tags and consent to calls, which segments and campaigns read."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.models import Campaign, Segment
from callcenter.models.enums import Role
from tests.api.conftest import Session, audit_entries, new_client
from tests.conftest import MakeUser


async def _plant(http: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    return {
        "alpha": await new_client(http, "Альфа", stage="regular", abc_class="B", tags=["VIP", "опт"]),
        "beta": await new_client(http, "Бета", stage="regular", abc_class="A", tags=["vip"]),
        "gamma": await new_client(http, "Гамма", stage="potential"),
    }


async def test_segment_lifecycle(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    planted = await _plant(admin_http)
    assert planted["alpha"]["tags"] == ["vip", "опт"]  # stored in one form
    r = await admin_http.post("/api/segments/count", json={"stages": ["regular"]})
    assert r.status_code == 200 and r.json() == {"count": 2}
    r = await admin_http.post("/api/segments", json={"name": " Постоянные VIP ", "filters": {
        "stages": ["regular"], "tags_any": ["vip"], "abc": [], "name_contains": ""}})
    assert r.status_code == 201, r.text
    segment = r.json()
    assert (segment["name"], segment["filters"], segment["campaigns"]) == (
        "Постоянные VIP", {"stages": ["regular"], "tags_any": ["vip"]}, [])
    sid = segment["id"]
    assert (await admin_http.get(f"/api/segments/{sid}/count")).json() == {"id": sid, "count": 2}
    r = await admin_http.patch(f"/api/segments/{sid}", json={"filters": {"abc": ["B"], "tags_all": ["vip", "ОПТ"]}})
    assert r.status_code == 200 and r.json()["filters"] == {"abc": ["B"], "tags_all": ["vip", "опт"]}
    assert r.json()["name"] == "Постоянные VIP"
    assert (await admin_http.get(f"/api/segments/{sid}/count")).json()["count"] == 1
    listed = (await admin_http.get("/api/segments", params={"counts": "true"})).json()["items"]
    assert [(s["id"], s["count"]) for s in listed] == [(sid, 1)]
    assert "count" not in (await admin_http.get("/api/segments")).json()["items"][0]

    # A campaign using the segment keeps it from being deleted, and is named.
    campaign = Campaign(name="Осень", segment_id=sid)
    db.add(campaign)
    await db.commit()
    r = await admin_http.delete(f"/api/segments/{sid}")
    assert r.status_code == 409 and r.json()["error"] == "segment-in-use"
    assert r.json()["campaigns"] == [{"id": campaign.id, "name": "Осень", "state": "draft"}]
    assert (await admin_http.get(f"/api/segments/{sid}")).json()["campaigns"][0]["name"] == "Осень"
    await db.delete(campaign)
    await db.commit()
    assert (await admin_http.delete(f"/api/segments/{sid}")).status_code == 204
    assert (await admin_http.get(f"/api/segments/{sid}")).status_code == 404
    assert (await admin_http.get(f"/api/segments/{sid}/count")).status_code == 404
    actions = [e["action"] for e in await audit_entries(admin_http, entity="segment", entity_id=sid)]
    assert actions == ["delete", "update", "create"]


async def test_export(admin_http: httpx.AsyncClient) -> None:
    await _plant(admin_http)
    sid = (await admin_http.post("/api/segments", json={"name": "vip", "filters": {"tags_any": ["vip"]}})).json()["id"]
    r = await admin_http.get(f"/api/segments/{sid}/export", params={"format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="segment-{sid}-' in r.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "name" and sorted(row[0] for row in rows[1:]) == ["Альфа", "Бета"]
    r = await admin_http.get(f"/api/segments/{sid}/export", params={"format": "xlsx"})
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sorted(row[0] for row in sheet.iter_rows(min_row=2, values_only=True)) == ["Альфа", "Бета"]
    assert (await admin_http.get(f"/api/segments/{sid}/export", params={"format": "pdf"})).status_code == 422
    assert (await admin_http.get("/api/segments/999/export")).status_code == 404
    exports = await audit_entries(admin_http, entity="segment", action="export")
    assert [(e["entity_id"], e["changes"]["count"]) for e in exports] == [(sid, 2), (sid, 2)]


async def test_bad_documents_are_422s_naming_the_field(admin_http: httpx.AsyncClient, make_user: MakeUser) -> None:
    r = await admin_http.post("/api/segments/count", json={"stage": ["regular"], "abc": ["D"], "never_called": 1})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"stage", "abc.0", "never_called"}
    r = await admin_http.post("/api/segments", json={"name": "", "filters": {"colour": "red",
                                                                             "last_contact_before": "yesterday"}})
    assert r.status_code == 422
    assert set(r.json()["fields"]) == {"name", "filters.colour", "filters.last_contact_before"}
    r = await admin_http.post("/api/segments", json={"name": "x", "filters": {"owner_ids": [9999], "team_ids": [77]}})
    assert r.status_code == 422
    assert r.json()["fields"] == {"filters.owner_ids.0": "no user with id 9999", "filters.team_ids.0": "no team with id 77"}
    r = await admin_http.post("/api/segments", json={"name": "x", "filters": {"time_zones": ["Mars/Base"]}})
    assert r.status_code == 422 and "filters.time_zones.0" in r.json()["fields"]
    sid = (await admin_http.post("/api/segments", json={"name": "x"})).json()["id"]
    r = await admin_http.patch(f"/api/segments/{sid}", json={"name": None, "filters": None})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"name", "filters"}
    assert (await admin_http.patch("/api/segments/999", json={"name": "y"})).status_code == 404


async def test_permissions_per_role(admin_http: httpx.AsyncClient, make_user: MakeUser, session_for: Session) -> None:
    await _plant(admin_http)
    sid = (await admin_http.post("/api/segments", json={"name": "all"})).json()["id"]
    for role, reads, writes in ((Role.OPERATOR, False, False), (Role.SUPERVISOR, True, False),
                                (Role.MANAGER, True, True), (Role.ADMIN, True, True)):
        http = await session_for(await make_user(role))
        expected_read, expected_write = (200 if reads else 403), (201 if writes else 403)
        assert (await http.get("/api/segments")).status_code == expected_read, role
        assert (await http.get(f"/api/segments/{sid}/count")).status_code == expected_read, role
        assert (await http.post("/api/segments/count", json={})).status_code == expected_read, role
        assert (await http.get(f"/api/segments/{sid}/export")).status_code == expected_read, role
        assert (await http.post("/api/segments", json={"name": role.value})).status_code == expected_write, role
        patched = await http.patch(f"/api/segments/{sid}", json={"name": "all"})
        assert patched.status_code == (200 if writes else 403), role


async def test_client_tags_and_consent(admin_http: httpx.AsyncClient) -> None:
    client = await new_client(admin_http, "Альфа", tags=["Опт", " опт ", "VIP"])
    assert client["tags"] == ["опт", "vip"]
    assert client["calls_consent"] == {"withdrawn": False, "withdrawn_at": None}
    cid = client["id"]
    r = await admin_http.patch(f"/api/clients/{cid}", json={"calls_consent_withdrawn": True, "tags": ["vip"]})
    assert r.status_code == 200, r.text
    withdrawn = r.json()["calls_consent"]
    assert withdrawn["withdrawn"] is True and withdrawn["withdrawn_at"] is not None
    assert r.json()["tags"] == ["vip"]
    # Withdrawing again keeps the first time.
    r = await admin_http.patch(f"/api/clients/{cid}", json={"calls_consent_withdrawn": True})
    assert r.json()["calls_consent"] == withdrawn
    r = await admin_http.patch(f"/api/clients/{cid}", json={"calls_consent_withdrawn": False})
    assert r.json()["calls_consent"] == {"withdrawn": False, "withdrawn_at": None}
    actions = [e["action"] for e in await audit_entries(admin_http, entity="client", entity_id=cid)]
    assert actions[:4] == ["restore-consent", "update", "update", "withdraw-consent"]
    r = await admin_http.patch(f"/api/clients/{cid}", json={"tags": ["  "], "calls_consent_withdrawn": "yes"})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"tags.0", "calls_consent_withdrawn"}
    r = await admin_http.patch(f"/api/clients/{cid}", json={"tags": None})
    assert r.status_code == 422 and set(r.json()["fields"]) == {"tags"}
    born = await new_client(admin_http, "Бета", calls_consent_withdrawn=True)
    assert born["calls_consent"]["withdrawn"] is True
    assert [e["action"] for e in await audit_entries(admin_http, entity="client", entity_id=born["id"])] == [
        "withdraw-consent", "create"]


async def test_segments_table_keeps_the_filters(admin_http: httpx.AsyncClient, db: AsyncSession) -> None:
    sid = (await admin_http.post("/api/segments", json={"name": "q", "filters": {
        "not_purchased_since": "quarter_start", "custom_equals": {"city": "Новосибирск", "size": 10}}})).json()["id"]
    segment = await db.get(Segment, sid)
    assert segment is not None and segment.filters == {
        "not_purchased_since": "quarter_start", "custom_equals": {"city": "Новосибирск", "size": 10}}
