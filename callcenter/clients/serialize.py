"""Plain-dict forms of clients and their parts, as the API and pages show them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from callcenter.models import Client, Email, Phone


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def phone_dict(phone: Phone) -> dict[str, Any]:
    return {"id": phone.id, "raw": phone.raw, "e164": phone.e164, "kind": phone.kind.value}


def client_dict(client: Client, phones: list[Phone], emails: list[Email]) -> dict[str, Any]:
    return {
        "id": client.id,
        "kind": client.kind.value,
        "name": client.name,
        "legal_form": client.legal_form,
        "tax_id": client.tax_id,
        "phones": [phone_dict(p) for p in phones],
        "emails": [e.address for e in emails],
        "addresses": client.addresses,
        "notes": client.notes,
        "custom": client.custom,
        "owner_id": client.owner_id,
        "stage": client.stage.value,
        "abc_class": client.abc_class.value if client.abc_class else None,
        "xyz_class": client.xyz_class.value if client.xyz_class else None,
        "potential": money(client.potential),
        "timezone": client.timezone,
        "tags": list(client.tags or []),
        "calls_consent": {
            "withdrawn": client.calls_consent_withdrawn_at is not None,
            "withdrawn_at": iso(client.calls_consent_withdrawn_at),
        },
        "created_at": iso(client.created_at),
        "updated_at": iso(client.updated_at),
    }
