"""Demo clients with their phones, e-mails and contact persons."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from callcenter.names import duplicate_key, search_form, split_legal_form
from callcenter.seeding import pools as P
from callcenter.seeding.batch import Batch, Context
from callcenter.seeding.identity import individual_inn, landline_e164, mobile_e164, organisation_inn, written

_CITY_WEIGHTS = [c.weight for c in P.CITIES]
_RU_FORMS = ("ООО", "АО", "ПАО", "ЗАО", "ИП")
_RU_FORM_WEIGHTS = (62, 10, 3, 3, 22)
_STAGES = ("potential", "one_time", "regular", "lost")
_STAGE_WEIGHTS = (40, 20, 25, 15)
# Class by stage: who buys regularly tends to be a bigger client, and buys more steadily.
_ABC = {"one_time": ("ABC", (0, 20, 80)), "regular": ("ABC", (30, 40, 30)), "lost": ("ABC", (5, 30, 65))}
_XYZ = {"one_time": ("XYZ", (0, 0, 1)), "regular": ("XYZ", (35, 40, 25)), "lost": ("XYZ", (0, 30, 70))}


@dataclass(slots=True)
class MadeClient:
    """What history generation needs to know about a client just made."""

    id: int
    is_company: bool
    owner_id: int
    stage: str
    abc: str | None
    xyz: str | None
    created_at: datetime
    contact_ids: list[int] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Person:
    first: str
    last: str
    middle: str = ""

    @property
    def full_name(self) -> str:
        # Russian order (surname first, with patronymic) or English order.
        return f"{self.last} {self.first} {self.middle}" if self.middle else f"{self.first} {self.last}"


def ru_person(rng: random.Random, pools: P.Pools) -> Person:
    if rng.random() < 0.5:
        return Person(rng.choice(pools.ru_first_m), rng.choice(pools.ru_last_m), rng.choice(pools.ru_middle_m))
    return Person(rng.choice(pools.ru_first_f), rng.choice(pools.ru_last_f), rng.choice(pools.ru_middle_f))


def en_person(rng: random.Random, pools: P.Pools) -> Person:
    return Person(rng.choice(pools.en_first), rng.choice(pools.en_last))


def _ru_company_name(rng: random.Random, pools: P.Pools, form: str) -> tuple[str, str]:
    """(name as written, brand for the e-mail domain)."""
    if form == "ИП":
        person = ru_person(rng, pools)
        return f"ИП {person.full_name}", person.last
    root = rng.choice(P.BRAND_ROOTS)
    sector = "" if " " in root else rng.choice(P.BRAND_SECTORS)
    brand = root + (sector if rng.random() < 0.5 else sector.lower())
    if rng.random() < 0.15:
        brand = f"{rng.choice(pools.ru_last_m)} и партнёры"
    style = rng.random()
    if style < 0.8:
        return f"{form} «{brand}»", brand
    if style < 0.95:
        return f'{form} "{brand}"', brand
    return f"{brand}, {form}", brand


def _en_company_name(rng: random.Random, pools: P.Pools) -> tuple[str, str, str]:
    """(name, legal form, brand)."""
    brand = rng.choice(pools.en_last)
    sector = rng.choice(P.EN_SECTORS)
    if sector:
        brand = f"{brand} {sector}"
    form = rng.choice(("Ltd", "LLC", "Inc"))
    return f"{brand} {form}", form, brand


def _address(rng: random.Random, pools: P.Pools, city: P.City) -> str:
    return f"{rng.choice(pools.postcodes)}, г. {city.name}, {rng.choice(pools.streets)}"


def _person_email(rng: random.Random, person: Person, domain: str | None, client_id: int) -> str:
    first, last = P.slug(person.first), P.slug(person.last)
    local = rng.choice((f"{first}.{last}", f"{first[:1]}.{last}", f"{last}.{first[:1]}", f"{last}{first[:1]}"))
    if domain is None:
        # Free mailboxes are crowded: people add digits, which also keeps demo addresses apart.
        return f"{local}{client_id % 1000}@{rng.choice(P.FREE_MAIL)}"
    return f"{local}@{domain}"


def _names(name: str) -> tuple[str | None, str, str]:
    found_form, bare = split_legal_form(name)
    return found_form, search_form(name), duplicate_key(bare if found_form else name)


def add_client(batch: Batch, ctx: Context, pools: P.Pools, rng: random.Random, shared: list[int]) -> MadeClient:
    """One client with its phones, e-mails and contact persons; ``shared`` holds contacts other clients may reuse."""
    cid = batch.take("clients")
    city = rng.choices(P.CITIES, weights=_CITY_WEIGHTS)[0]
    is_company = rng.random() < 0.7
    russian = rng.random() < 0.85
    stage = rng.choices(_STAGES, weights=_STAGE_WEIGHTS)[0]
    abc = rng.choices(_ABC[stage][0], weights=_ABC[stage][1])[0] if stage in _ABC else None
    xyz = rng.choices(_XYZ[stage][0], weights=_XYZ[stage][1])[0] if stage in _XYZ else None
    created = ctx.now - timedelta(days=rng.uniform(730, 1100) if stage != "potential" else rng.uniform(1, 700))
    domain: str | None = None
    person: Person | None = None
    custom: dict[str, object] = {"source": rng.choice(P.SOURCES)}
    tax_id: str | None
    if is_company:
        custom["industry"] = rng.choice(P.INDUSTRIES)
        if russian:
            form = rng.choices(_RU_FORMS, weights=_RU_FORM_WEIGHTS)[0]
            name, brand = _ru_company_name(rng, pools, form)
            tax_id = (individual_inn if form == "ИП" else organisation_inn)(city.inn_region, cid)
            tax_id = tax_id if rng.random() < 0.95 else None
        else:
            name, form, brand = _en_company_name(rng, pools)
            tax_id = organisation_inn(city.inn_region, cid) if rng.random() < 0.4 else None
        domain = f"{P.slug(brand)}.{'ru' if russian else 'com'}"
        addresses = [{"kind": "legal", "text": _address(rng, pools, city)}]
        if rng.random() < 0.2:
            addresses.append({"kind": "actual", "text": _address(rng, pools, city)})
    else:
        person = ru_person(rng, pools) if russian else en_person(rng, pools)
        name, form = person.full_name, None
        tax_id = individual_inn(city.inn_region, cid) if rng.random() < 0.3 else None
        addresses = [{"kind": "home", "text": _address(rng, pools, city)}] if rng.random() < 0.5 else []
    found_form, name_search, name_key = _names(name)
    potential = Decimal(rng.randrange(50, 5000) * 1000) if is_company and rng.random() < 0.6 else None
    made = MadeClient(cid, is_company, rng.choice(ctx.operator_ids), stage, abc, xyz, created)
    batch.add("clients", {
        "id": cid, "kind": "company" if is_company else "person", "name": name, "name_search": name_search,
        "name_key": name_key, "legal_form": form or found_form, "tax_id": tax_id, "addresses": addresses,
        "notes": "", "custom": custom, "owner_id": made.owner_id, "stage": stage, "abc_class": abc,
        "xyz_class": xyz, "potential": potential, "timezone": city.timezone, "created_at": created,
        "updated_at": created + (ctx.now - created) * rng.random(),
    })
    if is_company and form != "ИП":
        _add_contacts(batch, ctx, pools, rng, made, russian, domain, shared)
    _add_phones(batch, ctx, rng, made, city)
    if rng.random() < (0.7 if is_company else 0.6):
        address = f"{rng.choice(('info', 'sales', 'office', 'zakaz'))}@{domain}" if domain else None
        batch.add("emails", {
            "id": batch.take("emails"), "client_id": cid, "contact_id": None,
            "address": address or _person_email(rng, person or en_person(rng, pools), None, cid),
        })
    return made


def _add_contacts(
    batch: Batch, ctx: Context, pools: P.Pools, rng: random.Random, made: MadeClient, russian: bool,
    domain: str | None, shared: list[int],
) -> None:
    count = rng.choices((0, 1, 2, 3), weights=(15, 50, 25, 10))[0]
    for _ in range(count):
        person = ru_person(rng, pools) if russian or rng.random() < 0.5 else en_person(rng, pools)
        contact_id = batch.take("contact_persons")
        created = made.created_at + timedelta(days=rng.uniform(0, 30))
        positions = P.POSITIONS_RU if russian else P.POSITIONS_EN
        batch.add("contact_persons", {
            "id": contact_id, "full_name": person.full_name, "name_search": search_form(person.full_name),
            "position": rng.choice(positions), "notes": "", "created_at": created, "updated_at": created,
        })
        batch.add("client_contacts", {"client_id": made.id, "contact_id": contact_id, "role": rng.choice(P.CONTACT_ROLES)})
        made.contact_ids.append(contact_id)
        if rng.random() < 0.4:
            batch.add("emails", {
                "id": batch.take("emails"), "client_id": None, "contact_id": contact_id,
                "address": _person_email(rng, person, domain, made.id),
            })
        if rng.random() < 0.1:
            shared.append(contact_id)
    # An outsourced accountant or a holding's buyer speaks for several clients.
    if shared and rng.random() < 0.05:
        other = rng.choice(shared)
        if other not in made.contact_ids:
            batch.add("client_contacts", {"client_id": made.id, "contact_id": other, "role": "бухгалтерия (аутсорсинг)"})
            made.contact_ids.append(other)


def _add_phones(batch: Batch, ctx: Context, rng: random.Random, made: MadeClient, city: P.City) -> None:
    extra = ctx.profile.extra_phones
    count = 1 + int(extra) + (1 if rng.random() < extra - int(extra) else 0)
    for i in range(count):
        phone_id = batch.take("phones")
        to_contact = i > 0 and made.contact_ids and rng.random() < 0.6
        if to_contact:
            e164, kind = mobile_e164(rng, phone_id), "mobile"
        elif made.is_company and rng.random() < (0.6 if i == 0 else 0.3):
            e164, kind = landline_e164(city.phone_code, phone_id), ("work" if i == 0 or rng.random() < 0.7 else "fax")
        else:
            e164, kind = mobile_e164(rng, phone_id), "mobile"
        batch.add("phones", {
            "id": phone_id, "client_id": None if to_contact else made.id,
            "contact_id": rng.choice(made.contact_ids) if to_contact else None,
            "raw": written(rng, e164, ctx.region == "RU"), "e164": e164, "kind": kind,
        })
        made.phones.append(e164)
