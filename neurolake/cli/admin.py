"""Administration commands: config, db (migrations) and users (API keys)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from neurolake.cli.context import state

console = Console()
config_app = typer.Typer(help="Show the settings in force.", no_args_is_help=True)
db_app = typer.Typer(help="Migrate the catalog database.", no_args_is_help=True)
users_app = typer.Typer(help="Manage users and their API keys.", no_args_is_help=True)


@config_app.command("show")
def config_show(
    reveal: bool = typer.Option(False, "--reveal-secrets", help="Print secrets instead of ********."),
) -> None:
    """Print every setting as the environment variable that sets it."""
    from neurolake.config import setting_rows

    for name, value in setting_rows(state.settings, mask_secrets=not reveal):
        typer.echo(f"{name}={value}")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply catalog migrations (the embedded SQLite catalog does this on first use)."""
    catalog = state.platform.catalog
    catalog.upgrade(revision)
    typer.echo(f"Catalog at revision {catalog.current_revision()}.")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, or 'base' to remove every table.")) -> None:
    """Revert catalog migrations down to REVISION."""
    catalog = state.platform.catalog
    catalog.downgrade(revision)
    typer.echo(f"Catalog at revision {catalog.current_revision() or 'base'}.")


@db_app.command("current")
def db_current() -> None:
    """Print the catalog's current migration revision."""
    typer.echo(state.platform.catalog.current_revision() or "base")


@users_app.command("create")
def users_create(
    username: str = typer.Argument(..., help="Login name."),
    email: str = typer.Option(None, "--email", help="Email address."),
    role: str = typer.Option("analyst", "--role", help="admin, analyst or viewer."),
) -> None:
    """Create a user and print their API key (shown only this once)."""
    from neurolake.catalog.repositories import users as users_repo
    from neurolake.catalog.repositories.audit import record_audit

    with state.platform.catalog.session() as s:
        user, key = users_repo.create_user(s, username, email=email, role=role)
        record_audit(s, "user.create", username=username, role=role)
    typer.echo(f"Created {user.username} ({user.role}). API key, shown only now:")
    typer.echo(key)


@users_app.command("list")
def users_list() -> None:
    """List users, their roles and whether their key is revoked."""
    from neurolake.catalog.repositories import users as users_repo

    table = Table("username", "email", "role", "created", "revoked")
    with state.platform.catalog.session() as s:
        for u in users_repo.list_users(s):
            table.add_row(
                u.username,
                u.email or "",
                u.role,
                f"{u.created_at:%Y-%m-%d}",
                f"{u.revoked_at:%Y-%m-%d}" if u.revoked_at else "",
            )
    console.print(table)


@users_app.command("revoke")
def users_revoke(username: str = typer.Argument(..., help="User whose key to revoke.")) -> None:
    """Revoke a user's API key; their history stays."""
    from neurolake.catalog.repositories import users as users_repo
    from neurolake.catalog.repositories.audit import record_audit

    with state.platform.catalog.session() as s:
        users_repo.revoke_user(s, username)
        record_audit(s, "user.revoke", username=username)
    typer.echo(f"Revoked the key of {username}.")


@users_app.command("rotate")
def users_rotate(username: str = typer.Argument(..., help="User who gets a new key.")) -> None:
    """Issue a new API key for a user; the old one stops working."""
    from neurolake.catalog.repositories import users as users_repo
    from neurolake.catalog.repositories.audit import record_audit

    with state.platform.catalog.session() as s:
        key = users_repo.rotate_key(s, username)
        record_audit(s, "user.rotate", username=username)
    typer.echo(f"New API key for {username}, shown only now:")
    typer.echo(key)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
    app.add_typer(db_app, name="db")
    app.add_typer(users_app, name="users")
