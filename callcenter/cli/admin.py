"""Users and API tokens from the command line."""

from __future__ import annotations

import click
from sqlalchemy import select

from callcenter.auth.principal import SYSTEM
from callcenter.auth.tokens import create_token, list_tokens, revoke_token
from callcenter.cli.common import run, settings
from callcenter.db.session import open_database, unit_of_work
from callcenter.models import User
from callcenter.models.enums import Role
from callcenter.users.services import create_user


@click.group()
def user() -> None:
    """Manage users."""


@user.command("create")
@click.option("--login", required=True)
@click.option("--password", required=True, help="At least 8 characters.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--extension", default=None, help="Phone extension, e.g. 101 (agent interface PJSIP/101).")
@click.option("--full-name", default="")
@click.option("--agent-interface", default=None, help="Asterisk interface if not PJSIP/<extension>.")
def user_create(
    login: str, password: str, role: str, extension: str | None, full_name: str, agent_interface: str | None
) -> None:
    """Create a user."""
    s = settings()

    async def go() -> int:
        async with open_database(s.resolved_database_url) as engine, unit_of_work(engine) as db:
            created = await create_user(
                db, SYSTEM, login=login, password=password, role=Role(role),
                full_name=full_name, extension=extension, agent_interface=agent_interface,
            )
            return created.id

    user_id = run(go())
    click.echo(f"user {login} created (id {user_id}, role {role})")


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option("--login", required=True)
@click.option("--name", default="", help="What the token is for.")
def token_create(login: str, name: str) -> None:
    """Create a bearer token for a user; it is printed once."""
    s = settings()

    async def go() -> str:
        async with open_database(s.resolved_database_url) as engine, unit_of_work(engine) as db:
            found = await db.scalar(select(User).where(User.login == login))
            if found is None:
                raise click.ClickException(f"no user {login!r}")
            return await create_token(db, found, key=s.resolved_secret_key, name=name)

    click.echo(run(go()))


@token.command("list")
@click.option("--login", required=True)
def token_list(login: str) -> None:
    """List a user's tokens (never their secrets)."""
    s = settings()

    async def go() -> list[dict[str, object]]:
        async with open_database(s.resolved_database_url) as engine, unit_of_work(engine) as db:
            found = await db.scalar(select(User).where(User.login == login))
            if found is None:
                raise click.ClickException(f"no user {login!r}")
            return await list_tokens(db, SYSTEM, found.id)

    for row in run(go()):
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else f"last used {row['last_used_at'] or 'never'}"
        click.echo(f"{row['id']:>6}  {row['name'] or '-':<24} created {row['created_at']}  {state}")


@token.command("revoke")
@click.argument("token_id", type=int)
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id (see `token list`)."""
    s = settings()

    async def go() -> None:
        async with open_database(s.resolved_database_url) as engine, unit_of_work(engine) as db:
            await revoke_token(db, SYSTEM, token_id)

    run(go())
    click.echo(f"token {token_id} revoked")


COMMANDS = [user, token]
