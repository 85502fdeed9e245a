"""Command-line tools: migrations, the first manager, demo data."""

from __future__ import annotations

import click
from flask import Flask


def init_app(app: Flask) -> None:
    @app.cli.command("migrate")
    def migrate() -> None:
        """Bring the database schema up to date."""
        from portal.migrate import upgrade

        upgrade()
        click.echo("database is up to date")

    @app.cli.command("make-migration")
    @click.argument("message")
    def make_migration(message: str) -> None:
        """Write a new Alembic revision from the models (review it before committing)."""
        from portal.migrate import revision

        revision(message)

    @app.cli.command("create-manager")
    @click.argument("email")
    @click.option("--name", default="", help="Shown in the portal; defaults to the part of EMAIL before the @.")
    @click.password_option(prompt="Password for the new manager")
    def create_manager(email: str, name: str, password: str) -> None:
        """Create the first manager (the rest are created by managers in the portal)."""
        from portal import people
        from portal.errors import DomainError

        try:
            user = people.create_manager(email, password, name=name)
        except DomainError as exc:
            raise click.ClickException(str(exc.message)) from exc
        click.echo(f"manager {user.email} created")

    @app.cli.command("generate")
    @click.option("--workers", type=click.IntRange(0), default=0, help="Workers to add.")
    @click.option("--clients", type=click.IntRange(0), default=0, help="Clients to add.")
    @click.option("--orders", type=click.IntRange(0), default=0, help="Past orders to add.")
    @click.option("--seed", type=int, default=1, help="Same seed, same data.")
    @click.option("--password", default=None,
                  help="One known password for every account added (default: none, nobody can sign in).")
    def generate(workers: int, clients: int, orders: int, seed: int, password: str | None) -> None:
        """Insert scale data in bulk for benchmarks (bench/generate.py; not for production)."""
        from bench.generate import generate as generate_data  # bench/ is not part of the portal
        from portal.people import MAX_PASSWORD, MIN_PASSWORD

        if password is not None and not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
            raise click.ClickException(f"the password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters")
        try:
            made = generate_data(workers=workers, clients=clients, orders=orders, seed=seed, password=password)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo("added {workers} workers, {clients} clients, {orders} past orders".format(**made))
        if password:
            click.echo("every account added signs in with the given password (emails: <role>-<tag>-<n>@bench.test)")

    @app.cli.command("check-ledger")
    def check_ledger() -> None:
        """The conservation check: exit 1 when an entry, order, invoice or payout does not balance."""
        from portal import client_billing, ledger, worker_billing

        problems = [f"entry {key} sums to {amount.cents}" for key, amount in ledger.unbalanced_entries()]
        problems += client_billing.problems() + worker_billing.problems()
        if ledger.total_of_all_postings().cents:
            problems.append(f"all postings sum to {ledger.total_of_all_postings().cents}, not 0")
        for problem in problems:
            click.echo(str(problem), err=True)
        if problems:
            raise SystemExit(1)
        click.echo("the ledger balances")

    @app.cli.command("demo-data")
    def demo_data() -> None:
        """Load demo data into an empty database (does nothing otherwise)."""
        from portal import demo

        if demo.is_loaded():
            click.echo("database already has data; demo data not loaded")
            return
        demo.load()
        click.echo("demo data loaded: five weeks of business; the login page lists the 12 demo "
                   "accounts (password: demo)")
