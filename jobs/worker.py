"""Entry point for production workers: ``dramatiq jobs.worker --processes 2 --threads 4``."""

from wsgi import app  # noqa: F401 - builds the app: broker, actors and app context wired in
