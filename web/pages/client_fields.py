"""The client form's fields: read from a posted form or a stored client, turned into a service payload,
and the services' field errors and duplicate reasons put into the reader's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from callcenter.phones import display as display_phone
from callcenter.tags import split_tags
from web.i18n import Translator
from web.pages.context import Page

ADDRESS_KINDS = ("legal", "actual", "postal", "other")
LIST_FIELDS = ("phones", "emails", "addresses")
# Fields whose items are shown in one input: an error on any item belongs to the field.
JOINED_FIELDS = ("tags",)


@dataclass(slots=True)
class PhoneRow:
    number: str
    kind: str = "work"


@dataclass(slots=True)
class AddressRow:
    text: str
    kind: str = "legal"


@dataclass(slots=True)
class ClientForm:
    """What the form shows and sends back; blank list rows are dropped so error indices match the rows shown."""

    name: str = ""
    kind: str = "company"
    legal_form: str = ""
    tax_id: str = ""
    phones: list[PhoneRow] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    addresses: list[AddressRow] = field(default_factory=list)
    notes: str = ""
    owner_id: str = ""
    stage: str = "potential"
    abc_class: str = ""
    xyz_class: str = ""
    tags: str = ""  # comma-separated, as typed
    consent_withdrawn: bool = False

    @classmethod
    def from_client(cls, client: dict[str, Any]) -> ClientForm:
        return cls(
            name=client["name"],
            kind=client["kind"],
            legal_form=client["legal_form"] or "",
            tax_id=client["tax_id"] or "",
            phones=[PhoneRow(p["raw"] or p["e164"], p["kind"]) for p in client["phones"]],
            emails=list(client["emails"]),
            addresses=[AddressRow(a.get("text", ""), a.get("kind", "legal")) for a in client["addresses"] or []],
            notes=client["notes"] or "",
            owner_id=str(client["owner_id"] or ""),
            stage=client["stage"],
            abc_class=client["abc_class"] or "",
            xyz_class=client["xyz_class"] or "",
            tags=", ".join(client["tags"]),
            consent_withdrawn=client["calls_consent"]["withdrawn"],
        )

    @classmethod
    def from_page(cls, pg: Page) -> ClientForm:
        numbers, kinds = pg.values("phone_number", 64), pg.values("phone_kind", 20)
        texts, address_kinds = pg.values("address_text", 500), pg.values("address_kind", 40)
        return cls(
            name=pg.value("name", 300),
            kind=pg.value("kind", 20),
            legal_form=pg.value("legal_form", 40),
            tax_id=pg.value("tax_id", 20),
            phones=[PhoneRow(n, kinds[i] if i < len(kinds) else "work") for i, n in enumerate(numbers) if n],
            emails=[e for e in pg.values("email", 254) if e],
            addresses=[
                AddressRow(text, address_kinds[i] if i < len(address_kinds) else "legal")
                for i, text in enumerate(texts)
                if text
            ],
            notes=pg.value("notes"),
            owner_id=pg.value("owner_id", 20),
            stage=pg.value("stage", 20),
            abc_class=pg.value("abc_class", 1),
            xyz_class=pg.value("xyz_class", 1),
            tags=pg.value("tags", 3000),
            consent_withdrawn=pg.value("calls_consent_withdrawn", 5) == "1",
        )

    def payload(self, *, with_owner: bool, editing: bool) -> tuple[dict[str, Any], dict[str, str]]:
        """The service input and the errors found before it (an owner that is not a number)."""
        data: dict[str, Any] = {
            "name": self.name,
            "kind": self.kind,
            "tax_id": self.tax_id or None,
            "phones": [{"number": p.number, "kind": p.kind} for p in self.phones],
            "emails": self.emails,
            "addresses": [{"kind": a.kind, "text": a.text} for a in self.addresses],
            "notes": self.notes,
            "stage": self.stage,
            "abc_class": self.abc_class or None,
            "xyz_class": self.xyz_class or None,
            "tags": split_tags(self.tags),
            "calls_consent_withdrawn": self.consent_withdrawn,
        }
        # Left blank, the legal form is taken from the name ("ООО Ромашка").
        if self.legal_form or not editing:
            data["legal_form"] = self.legal_form or None
        errors: dict[str, str] = {}
        if with_owner:
            if self.owner_id.isascii() and self.owner_id.isdigit():
                data["owner_id"] = int(self.owner_id)
            elif self.owner_id:
                errors["owner_id"] = "err.owner"
            elif editing:
                data["owner_id"] = None
        return data, errors


def _key(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in JOINED_FIELDS:
        return parts[0]
    if len(parts) >= 2 and parts[0] in LIST_FIELDS and parts[1].isascii() and parts[1].isdigit():
        return f"{parts[0]}.{parts[1]}"
    return parts[0] if parts else "form"


def _pydantic_reason(kind: str, key: str) -> str:
    if kind in ("missing", "string_too_short"):
        return "err.required"
    if kind in ("string_too_long", "too_long"):
        return "err.too_long"
    if key.startswith("emails."):
        return "err.email"
    if kind in ("enum", "literal_error"):
        return "err.choice"
    return "err.invalid"


def schema_errors(exc: ValidationError) -> dict[str, str]:
    """``{field: catalogue key}`` from the input model's complaints, the first one per field."""
    found: dict[str, str] = {}
    for item in exc.errors():
        key = _key(item["loc"])
        found.setdefault(key, _pydantic_reason(item["type"], key))
    return found


def service_errors(fields: dict[str, str]) -> dict[str, str]:
    """``{field: catalogue key or the service's own words}`` from a ValidationFailed."""
    found: dict[str, str] = {}
    for key, reason in fields.items():
        if key.startswith("phones."):
            found[key] = "err.phone"
        elif key == "tax_id":
            found[key] = "err.inn_checksum" if "check digit" in reason else (
                "err.inn_length" if "digits" in reason else "err.tax_id"
            )
        elif key == "owner_id":
            found[key] = "err.owner"
        else:
            found[key] = reason
    return found


def localise(t: Translator, errors: dict[str, str]) -> dict[str, str]:
    return {key: t(reason) if t.has(reason) else reason for key, reason in errors.items()}


def describe_reason(t: Translator, reason: str) -> str:
    """``phone:+79131234567`` → ``Same phone +7 913 123-45-67``."""
    kind, _, value = reason.partition(":")
    if kind == "phone":
        return t("dup.reason.phone", value=display_phone(value))
    if kind == "email":
        return t("dup.reason.email", value=value)
    if kind in ("tax_id", "name"):
        return t(f"dup.reason.{kind}")
    return reason


def describe_candidates(t: Translator, candidates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"id": c["id"], "name": c["name"], "reasons": [describe_reason(t, r) for r in c["reasons"]]}
        for c in candidates
    ]
