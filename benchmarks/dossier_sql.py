"""The dossier by phone as one hand-written PostgreSQL statement: the yardstick for the product's path.

It returns the same content as ``callcenter.dossier.services.dossier_by_phone`` (client, owner,
phones, e-mails, contact persons, the last 10 interactions with their results, open tasks, open
deals, open claims, other clients on the number), already shaped, as one JSON document.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg

DOSSIER_SQL = """
WITH matches AS (
    SELECT p.id, coalesce(p.client_id, cc.client_id) AS client_id, p.contact_id
    FROM phones p
    LEFT JOIN client_contacts cc ON p.contact_id IS NOT NULL AND cc.contact_id = p.contact_id
    WHERE p.e164 = $1
    ORDER BY p.id
    LIMIT 10
), hit AS (
    SELECT (SELECT client_id FROM matches WHERE client_id IS NOT NULL ORDER BY id LIMIT 1) AS client_id,
           (SELECT contact_id FROM matches WHERE contact_id IS NOT NULL ORDER BY id LIMIT 1) AS contact_id
)
SELECT json_build_object(
    'phone', $1::text,
    'client', json_build_object(
        'id', c.id, 'kind', c.kind, 'name', c.name, 'legal_form', c.legal_form, 'tax_id', c.tax_id,
        'stage', c.stage, 'abc_class', c.abc_class, 'xyz_class', c.xyz_class,
        'potential', to_char(c.potential, 'FM999999999990.00'), 'timezone', c.timezone, 'notes', c.notes,
        'phones', (SELECT coalesce(json_agg(json_build_object('e164', ph.e164, 'kind', ph.kind) ORDER BY ph.id), '[]')
                   FROM phones ph WHERE ph.client_id = c.id),
        'emails', (SELECT coalesce(json_agg(em.address ORDER BY em.id), '[]') FROM emails em WHERE em.client_id = c.id)),
    'owner', CASE WHEN u.id IS NULL THEN NULL ELSE
        json_build_object('id', u.id, 'login', u.login, 'full_name', u.full_name, 'extension', u.extension) END,
    'contact_id', h.contact_id,
    'contacts', (SELECT coalesce(json_agg(x ORDER BY x.id), '[]') FROM (
        SELECT cp.id, cp.full_name, cp.position, cc.role
        FROM client_contacts cc JOIN contact_persons cp ON cp.id = cc.contact_id
        WHERE cc.client_id = c.id ORDER BY cp.id LIMIT 20) x),
    'interactions', (SELECT coalesce(json_agg(json_build_object(
            'id', i.id, 'kind', i.kind, 'direction', i.direction, 'status', i.status, 'subject', i.subject,
            'occurred_at', i.occurred_at, 'duration_seconds', i.duration_seconds, 'notes', i.notes,
            'result', CASE WHEN d.id IS NULL THEN NULL ELSE
                json_build_object('code', d.code, 'name', d.name, 'counts_as_result', d.counts_as_result) END,
            'user', CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('login', a.login, 'full_name', a.full_name) END,
            'call_outcome', k.outcome, 'talk_seconds', k.talk_seconds)
        ORDER BY i.occurred_at DESC, i.id DESC), '[]')
        FROM (SELECT * FROM interactions WHERE client_id = c.id ORDER BY occurred_at DESC, id DESC LIMIT 10) i
        LEFT JOIN users a ON a.id = i.user_id
        LEFT JOIN dispositions d ON d.id = i.disposition_id
        LEFT JOIN calls k ON k.interaction_id = i.id),
    'tasks', (SELECT coalesce(json_agg(json_build_object(
            'id', t.id, 'kind', t.kind, 'title', t.title, 'due_at', t.due_at, 'origin', t.origin,
            'owner_login', o.login, 'overdue', t.due_at < now())
        ORDER BY t.due_at NULLS LAST, t.id), '[]')
        FROM (SELECT * FROM tasks WHERE client_id = c.id AND status = 'open' ORDER BY due_at, id LIMIT 20) t
        LEFT JOIN users o ON o.id = t.owner_id),
    'deals', (SELECT coalesce(json_agg(json_build_object(
            'id', dl.id, 'title', dl.title, 'amount', to_char(dl.amount, 'FM999999999990.00'),
            'currency', dl.currency, 'expected_close', dl.expected_close, 'stage', fs.name)
        ORDER BY dl.id DESC), '[]')
        FROM (SELECT * FROM deals WHERE client_id = c.id AND status = 'open' ORDER BY id DESC LIMIT 20) dl
        JOIN funnel_stages fs ON fs.id = dl.stage_id),
    'claims', (SELECT coalesce(json_agg(json_build_object(
            'id', cl.id, 'subject', cl.subject, 'status', cl.status, 'created_at', cl.created_at)
        ORDER BY cl.id DESC), '[]')
        FROM (SELECT * FROM claims WHERE client_id = c.id AND status IN ('open', 'investigating')
              ORDER BY id DESC LIMIT 20) cl),
    'other_client_ids', (SELECT coalesce(json_agg(DISTINCT m.client_id), '[]')
                         FROM matches m WHERE m.client_id IS NOT NULL AND m.client_id <> c.id)
)
FROM hit h
JOIN clients c ON c.id = h.client_id
LEFT JOIN users u ON u.id = c.owner_id
"""


async def handwritten_dossier(conn: asyncpg.Connection, e164: str) -> dict[str, Any] | None:
    """The dossier in one round trip, or None for an unknown number."""
    document = await conn.fetchval(DOSSIER_SQL, e164)
    if document is None:
        return None
    dossier: dict[str, Any] = json.loads(document)
    contact_id = dossier.pop("contact_id")
    dossier["contact"] = next((c for c in dossier["contacts"] if c["id"] == contact_id), None)
    return dossier


def comparable(dossier: dict[str, Any] | None) -> tuple[Any, ...] | None:
    """What both paths must agree on: which rows the dossier shows, in which order."""
    if dossier is None:
        return None
    return (
        dossier["client"]["id"],
        dossier["client"]["name"],
        dossier["client"]["potential"],
        tuple(p["e164"] for p in dossier["client"]["phones"]),
        tuple(dossier["client"]["emails"]),
        (dossier["owner"] or {}).get("login"),
        (dossier["contact"] or {}).get("id"),
        tuple(c["id"] for c in dossier["contacts"]),
        tuple((i["id"], (i["result"] or {}).get("code"), i["call_outcome"]) for i in dossier["interactions"]),
        tuple((t["id"], t["overdue"]) for t in dossier["tasks"]),
        tuple((d["id"], d["amount"], d["stage"]) for d in dossier["deals"]),
        tuple(c["id"] for c in dossier["claims"]),
        tuple(sorted(dossier["other_client_ids"])),
    )
