"""``callcenter import`` and ``callcenter export``: clients (or, on import, sales) from and to CSV or XLSX files.

Both run as the built-in administrator unless ``--as LOGIN`` names a user, whose role and restrictions
then apply. ``import`` exits with status 1 when an atomic import is refused because of bad rows.
"""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from callcenter.auth.principal import SYSTEM, Principal
from callcenter.auth.services import principal_for
from callcenter.cli.common import run, settings
from callcenter.db.session import open_database, unit_of_work
from callcenter.importing.reading import check_size
from callcenter.importing.services import (
    ExportFile,
    ImportMode,
    ImportReport,
    OnDuplicate,
    export_file,
    import_clients,
    import_sales,
)
from callcenter.models import User
from callcenter.settings import Settings


async def _principal(db: AsyncSession, s: Settings, login: str | None) -> Principal:
    if login is None:
        return SYSTEM
    user = await db.scalar(select(User).where(User.login == login, User.is_active.is_(True)))
    if user is None:
        raise click.ClickException(f"no active user {login!r}")
    return await principal_for(db, user, s.operators_own_clients_only)


def _print_report(report: ImportReport, path: Path, what: str) -> None:
    for e in report.errors:
        click.echo(f"row {e.row}: {e.field}: {e.reason}", err=True)
    if report.ignored_columns:
        click.echo("ignored columns: " + ", ".join(report.ignored_columns), err=True)
    outcome = f"{what} imported" if report.committed else f"{what} NOT imported (atomic: every row must be good)"
    before = f", {len(report.duplicates)} imported before" if report.duplicates else ""
    click.echo(
        f"{path.name}: {report.total_rows} rows, {report.imported} imported, {report.skipped} skipped, "
        f"{report.bad_rows} bad{before}; {outcome}"
    )


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--kind", type=click.Choice(["clients", "sales"]), default="clients", show_default=True,
              help="What the file holds: clients (with contacts and phones) or sales of existing clients.")
@click.option("--mode", type=click.Choice([m.value for m in ImportMode]), default=ImportMode.ATOMIC.value,
              show_default=True, help="atomic: nothing is written if any row is bad; good_rows: the good rows are.")
@click.option("--on-duplicate", type=click.Choice([d.value for d in OnDuplicate]), default=None,
              help="Clients only. skip (the default): report rows that look like an existing client or an "
              "earlier row; create: import them anyway.")
@click.option("--as", "as_login", default=None, metavar="LOGIN", help="Act as this user (default: the administrator).")
def import_(file: Path, kind: str, mode: str, on_duplicate: str | None, as_login: str | None) -> None:
    """Import clients with contacts and phones, or sales, from a CSV or XLSX FILE; every bad row is reported.

    A sales file names each sale's client by client_id, inn, phone or name, and gives date, amount and
    optionally margin, product and external_ref; a sale whose external_ref was imported before is skipped,
    so the same file can be imported again.
    """
    if kind == "sales" and on_duplicate is not None:
        raise click.UsageError("--on-duplicate applies to clients; sales imported before are always skipped")
    s = settings()
    data = _read(file)

    async def go() -> ImportReport:
        async with open_database(s.resolved_database_url) as engine, unit_of_work(engine) as db:
            principal = await _principal(db, s, as_login)
            if kind == "sales":
                return await import_sales(
                    db, principal, filename=file.name, data=data, mode=mode, region=s.default_region
                )
            return await import_clients(
                db, principal, filename=file.name, data=data, mode=mode, region=s.default_region,
                on_duplicate=on_duplicate or OnDuplicate.SKIP.value,
            )

    report = run(go())
    _print_report(report, file, kind)
    if not report.committed:
        raise SystemExit(1)


def _read(file: Path) -> bytes:
    try:
        check_size(file.stat().st_size)
        return file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from None


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
@click.option("--q", default=None, help="Only clients matching this name fragment, phone, e-mail or tax id.")
@click.option("--as", "as_login", default=None, metavar="LOGIN", help="Act as this user (default: the administrator).")
def export(file: Path, q: str | None, as_login: str | None) -> None:
    """Export clients to FILE.csv or FILE.xlsx (the format follows the extension)."""
    fmt = file.suffix.lower().lstrip(".")
    if fmt not in ("csv", "xlsx"):
        raise click.BadParameter("the file name must end in .csv or .xlsx", param_hint="FILE")
    s = settings()

    async def go() -> ExportFile:
        async with open_database(s.resolved_database_url) as engine, unit_of_work(engine) as db:
            principal = await _principal(db, s, as_login)
            return await export_file(db, principal, fmt=fmt, q=q, region=s.default_region)

    exported = run(go())
    try:
        file.write_bytes(exported.content)
    except OSError as exc:
        raise click.ClickException(f"cannot write {file}: {exc.strerror}") from None
    click.echo(f"{exported.count} clients exported to {file}")


COMMANDS = [import_, export]
