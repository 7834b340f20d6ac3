"""Creating and changing a client from a form, with inline errors and the duplicate warning."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from starlette.responses import Response

from callcenter.auth.principal import Permission
from callcenter.clients.schemas import ClientIn, ClientPatch
from callcenter.clients.services import create_client, get_client, update_client
from callcenter.clients.validation import clean_phones, clean_tax_id
from callcenter.errors import DuplicateClient, ValidationFailed
from callcenter.models.enums import AbcClass, ClientKind, PhoneKind, Stage, XyzClass
from callcenter.users.directory import owner_choices
from web.pages.client_fields import (
    ADDRESS_KINDS,
    ClientForm,
    describe_candidates,
    localise,
    schema_errors,
    service_errors,
)
from web.pages.context import Page, page


async def _show(
    pg: Page,
    form: ClientForm,
    *,
    client_id: int | None,
    errors: dict[str, str] | None = None,
    duplicates: list[dict[str, Any]] | None = None,
    status: int = 200,
) -> Response:
    return await pg.render(
        "clients/form.html",
        status=status,
        form=form,
        client_id=client_id,
        action=f"/clients/{client_id}/edit" if client_id else "/clients/new",
        errors=localise(pg.t, errors or {}),
        duplicates=describe_candidates(pg.t, duplicates or []),
        owners=await owner_choices(pg.db),
        kinds=[k.value for k in ClientKind],
        stages=[s.value for s in Stage],
        phone_kinds=[k.value for k in PhoneKind],
        address_kinds=ADDRESS_KINDS,
        abc_classes=[c.value for c in AbcClass],
        xyz_classes=[c.value for c in XyzClass],
    )


def _field_checks(form: ClientForm, region: str) -> dict[str, str]:
    found: dict[str, str] = {}
    clean_phones([p.number for p in form.phones], region, "phones", found)
    clean_tax_id(form.tax_id, "tax_id", found)
    return found


async def _save(pg: Page, form: ClientForm, client_id: int | None) -> Response:
    """Validate the whole form, then hand it to the service; every complaint comes back inline."""
    editing = client_id is not None
    payload, errors = form.payload(with_owner=not pg.principal.own_clients_only, editing=editing)
    model: type[ClientIn] | type[ClientPatch] = ClientPatch if editing else ClientIn
    try:
        data = model.model_validate(payload)
    except ValidationError as exc:
        # The service's own checks too, so that every bad field shows at once rather than one round at a time.
        errors = {**service_errors(_field_checks(form, pg.settings.default_region)), **schema_errors(exc), **errors}
        return await _show(pg, form, client_id=client_id, errors=errors, status=422)
    if errors:
        return await _show(pg, form, client_id=client_id, errors=errors, status=422)
    force = pg.value("force", 5) == "1"
    region = pg.settings.default_region
    try:
        if isinstance(data, ClientPatch) and client_id is not None:
            saved = await update_client(pg.db, pg.principal, client_id, data, region=region, force=force, ip=pg.ip)
        else:
            assert isinstance(data, ClientIn)
            saved = await create_client(pg.db, pg.principal, data, region=region, force=force, ip=pg.ip)
    except ValidationFailed as exc:
        await pg.db.rollback()
        return await _show(pg, form, client_id=client_id, errors=service_errors(exc.fields), status=422)
    except DuplicateClient as exc:
        await pg.db.rollback()
        return await _show(pg, form, client_id=client_id, duplicates=exc.candidates, status=409)
    return pg.redirect(f"/clients/{saved['id']}?saved=1")


@page(permission=Permission.CLIENTS_WRITE)
async def client_new(pg: Page) -> Response:
    if pg.form is None:
        return await _show(pg, ClientForm(owner_id=str(pg.principal.user_id)), client_id=None)
    return await _save(pg, ClientForm.from_page(pg), None)


@page(permission=Permission.CLIENTS_WRITE)
async def client_edit(pg: Page) -> Response:
    client_id = pg.path_id("client_id")
    # Loading first also answers 404/403 for a client that is missing or not the principal's to see.
    client = await get_client(pg.db, pg.principal, client_id)
    if pg.form is None:
        return await _show(pg, ClientForm.from_client(client), client_id=client_id)
    return await _save(pg, ClientForm.from_page(pg), client_id)
