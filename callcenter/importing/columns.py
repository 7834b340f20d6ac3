"""The columns an import file may have, their Russian and English names, and the words their cells may hold.

Header names are compared after case folding, with punctuation, ``_`` and ``-`` read as spaces, so
``Contact_Phone``, ``contact phone`` and ``Contact-Phone`` are the same column, and ``Owner (login)``
is ``owner login``.
"""

from __future__ import annotations

import re

from callcenter.models.enums import AbcClass, ClientKind, Stage, XyzClass
from callcenter.names import search_form

# Canonical column names: what export writes and what row errors call a field.
NAME = "name"
KIND = "kind"
TAX_ID = "tax_id"
PHONES = "phones"
EMAILS = "emails"
ADDRESS = "address"
NOTES = "notes"
STAGE = "stage"
ABC = "abc_class"
XYZ = "xyz_class"
OWNER = "owner"
CONTACT = "contact"
CONTACT_POSITION = "contact_position"
CONTACT_PHONE = "contact_phone"
CONTACT_EMAIL = "contact_email"

EXPORT_COLUMNS = (
    NAME, KIND, TAX_ID, PHONES, EMAILS, ADDRESS, NOTES, STAGE, ABC, XYZ, OWNER,
    CONTACT, CONTACT_POSITION, CONTACT_PHONE, CONTACT_EMAIL,
)
# Columns whose several values may be given in one cell, one per line, one line per contact person.
CONTACT_COLUMNS = (CONTACT, CONTACT_POSITION, CONTACT_PHONE, CONTACT_EMAIL)
# Columns that may appear more than once (``Телефон 1``, ``Телефон 2`` are read as the same list).
LIST_COLUMNS = frozenset({PHONES, EMAILS})

_ALIASES: dict[str, tuple[str, ...]] = {
    NAME: ("name", "наименование", "название", "клиент", "client", "client name", "company", "компания",
           "организация", "фио", "full name"),
    KIND: ("kind", "type", "тип", "вид", "тип клиента"),
    TAX_ID: ("tax id", "taxid", "inn", "инн", "vat", "vat id"),
    PHONES: ("phones", "phone", "телефон", "телефоны", "тел", "phone number", "номер телефона"),
    EMAILS: ("emails", "email", "e mail", "e mails", "mail", "почта", "электронная почта", "эл почта"),
    ADDRESS: ("address", "addresses", "адрес", "адреса", "юридический адрес"),
    NOTES: ("notes", "note", "comment", "comments", "примечание", "примечания", "комментарий"),
    STAGE: ("stage", "стадия", "этап", "lifecycle stage"),
    ABC: ("abc", "abc class", "класс abc", "abc класс"),
    XYZ: ("xyz", "xyz class", "класс xyz", "xyz класс"),
    OWNER: ("owner", "owner login", "ответственный", "ответственный логин", "менеджер", "manager"),
    CONTACT: ("contact", "contacts", "contact person", "contact name", "контакт", "контактное лицо",
              "контактные лица"),
    CONTACT_POSITION: ("contact position", "position", "должность", "должность контакта"),
    CONTACT_PHONE: ("contact phone", "contact phones", "телефон контакта", "телефон контактного лица"),
    CONTACT_EMAIL: ("contact email", "contact e mail", "email контакта", "e mail контакта", "почта контакта"),
}

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def header_key(text: str) -> str:
    """A header cell as compared against the aliases."""
    return " ".join(_PUNCT.sub(" ", search_form(text.lstrip("\ufeff"))).split())


_BY_ALIAS = {header_key(alias): column for column, aliases in _ALIASES.items() for alias in aliases}


def _numbered(key: str) -> str:
    """``телефон 2`` → ``телефон``: numbered repeats of a list column."""
    return re.sub(r"\s*\d+$", "", key)


def column_for(header: str) -> str | None:
    """The canonical column a header cell names, or None when it names none of them."""
    key = header_key(header)
    found = _BY_ALIAS.get(key)
    if found is None:
        found = _BY_ALIAS.get(_numbered(key))
        if found not in LIST_COLUMNS:
            return None
    return found


def _words(pairs: dict[str, tuple[str, ...]]) -> dict[str, str]:
    return {header_key(word): value for value, words in pairs.items() for word in words}


# "ИП" (a sole trader) reads as a company: a trader is dealt with as a business, has a legal form and an INN.
KINDS = _words({
    ClientKind.COMPANY.value: ("company", "организация", "компания", "юрлицо", "юр лицо", "юридическое лицо", "юл",
                               "legal entity", "business", "ип", "индивидуальный предприниматель"),
    ClientKind.PERSON.value: ("person", "физлицо", "физ лицо", "физическое лицо", "фл", "частное лицо",
                              "individual", "private person"),
})
STAGES = _words({
    Stage.POTENTIAL.value: ("potential", "потенциальный", "потенциальный клиент", "новый", "лид", "lead"),
    Stage.ONE_TIME.value: ("one time", "onetime", "разовый", "разовый клиент"),
    Stage.REGULAR.value: ("regular", "постоянный", "постоянный клиент"),
    Stage.LOST.value: ("lost", "потерян", "потерянный", "ушел", "ушедший"),
})
ABC_CLASSES = {header_key(c.value): c.value for c in AbcClass} | {"а": "A", "в": "B", "с": "C"}
XYZ_CLASSES = {header_key(c.value): c.value for c in XyzClass}

_LIST_SPLIT = re.compile(r"[;,\n]+")
_EMAIL_SPLIT = re.compile(r"[;,\s]+")


def split_phones(cell: str) -> list[str]:
    """Several phones in one cell, separated by ``;``, ``,`` or line breaks."""
    return [part.strip() for part in _LIST_SPLIT.split(cell) if part.strip()]


def split_emails(cell: str) -> list[str]:
    return [part for part in _EMAIL_SPLIT.split(cell) if part]


def split_lines(cell: str) -> list[str]:
    """Lines of a multi-line cell, each stripped; inner empty lines kept (they hold a place for a contact)."""
    lines = [line.strip() for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines
