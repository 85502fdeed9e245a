"""Background jobs: the broker first, then every actor, then the app wiring."""

from __future__ import annotations

import threading

from jobs.broker import broker, is_in_process  # noqa: F401 - sets the broker before any actor
from jobs import bets, billing, context, events, notifications, orders, people, quality, relay, schedule, warehouse  # noqa: F401,E402 - declares actors
from jobs import applicants, hiring, matching  # noqa: F401,E402 - declares actors
from jobs import operations  # noqa: E402
from portal import events as outbox  # noqa: E402

_middleware_added = False


def init_app(app) -> None:
    """Run actors in ``app``'s context, relay the outbox after commits, add CLI commands."""
    global _middleware_added
    # Actors run in the whole portal's context (emails link to every part); the
    # applicant site alone only sends messages.
    if app.config.get("PORTAL_PART", "all") == "all" or context._app is None:
        context.set_app(app)
    if not _middleware_added:
        broker.add_middleware(context.AppContext())
        broker.add_middleware(operations.KeepLastError())
        broker.add_middleware(operations.WorkerBeats())
        broker.add_middleware(notifications.SmtpConnections())
        _middleware_added = True
    outbox.on_commit(relay.relay)
    # The demo's walk through time hands each step's events to their consumers at once.
    from portal import demo

    demo.use_jobs(deliver=events.deliver_pending, due_between=schedule.due_between, run_now=schedule.run_now)
    app.extensions["broker_ping"] = broker_ping
    app.extensions["operations"] = operations.for_broker(broker)
    from jobs import cli

    cli.init_app(app)


def broker_ping() -> bool:
    from jobs.broker import ping

    return ping()


class InProcess:
    """The embedded mode: a real Dramatiq worker in threads plus the scheduler loop."""

    def __init__(self, app, worker_threads: int = 4, with_scheduler: bool = True):
        import dramatiq

        self.app = app
        self.worker = dramatiq.Worker(broker, worker_threads=worker_threads, worker_timeout=100)
        self.stop_event = threading.Event()
        self.scheduler = None
        if with_scheduler:
            from jobs.schedule import run_forever

            self.scheduler = threading.Thread(
                target=run_forever, args=(app, self.stop_event), name="scheduler", daemon=True
            )

    def start(self) -> "InProcess":
        self.worker.start()
        if self.scheduler:
            self.scheduler.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self.worker.stop()
        if self.scheduler:
            self.scheduler.join(timeout=10)
