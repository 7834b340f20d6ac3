from __future__ import annotations

import httpx


async def test_create_client_and_dossier(admin_http: httpx.AsyncClient) -> None:
    r = await admin_http.post(
        "/api/clients",
        json={"name": 'ООО "Ромашка"', "kind": "company", "tax_id": "7707083893", "phones": ["8 (913) 123-45-67"], "emails": ["Info@Romashka.ru"]},
    )
    assert r.status_code == 201, r.text
    client = r.json()
    assert client["phones"][0]["e164"] == "+79131234567"
    r = await admin_http.get("/api/dossier", params={"phone": "+7 913 123 45 67"})
    assert r.status_code == 200, r.text
    assert r.json()["client"]["id"] == client["id"]
    r = await admin_http.post("/api/clients", json={"name": "Ромашка, ООО", "kind": "company"})
    assert r.status_code == 409, r.text
    assert r.json()["candidates"][0]["reasons"] == ["name"]
    r = await admin_http.get("/api/dossier", params={"phone": "79131234568"})
    assert r.status_code == 404
