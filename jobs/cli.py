"""Commands that run jobs: the embedded server and the production scheduler."""

from __future__ import annotations

import os
import signal
import threading

import click
from flask import Flask
from werkzeug.serving import run_simple


def init_app(app: Flask) -> None:
    from jobs import operator_commands

    operator_commands.init_app(app)

    @app.cli.command("serve")
    @click.option("--host", default="127.0.0.1")
    @click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int)
    def serve(host: str, port: int) -> None:
        """Serve the whole portal with jobs and the schedule in this process (embedded mode)."""
        from jobs import InProcess, is_in_process

        runner = InProcess(app, with_scheduler=True) if is_in_process() else None
        if runner:
            runner.start()
        click.echo(f"MCF portal on http://{host}:{port}  (jobs: {'in-process' if runner else 'Redis'})")
        try:
            # app.run() refuses to run inside a flask command; werkzeug's server is what it would use.
            run_simple(host, port, app, threaded=True, use_reloader=False)
        finally:
            if runner:
                runner.stop()

    @app.cli.command("scheduler")
    def scheduler() -> None:
        """Run the periodic schedule (one process per deployment); SIGTERM stops it."""
        from jobs import is_in_process
        from jobs.schedule import run_forever

        if is_in_process():
            # Its work would go to a queue no worker reads, and the periods claimed lost.
            raise click.ClickException(
                "the scheduler process needs REDIS_URL; without Redis `flask serve` runs the schedule"
            )
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo("scheduler running")
        run_forever(app, stop)
        click.echo("scheduler stopped")
