"""Entry point for production workers: ``dramatiq jobs.worker --processes 2 --threads 4``."""

import logging
import os
import socket

from wsgi import app  # noqa: F401 - builds the app: broker, actors and app context wired in
from jobs.broker import broker, is_in_process

if not is_in_process():
    # Redis knows a worker only by this id (heartbeats, the ack sets of the messages it holds);
    # this line says which process on which host it is, when one dies or hangs.
    logging.getLogger(__name__).info("jobs process %s:pid=%d is broker_id=%s",
                                     socket.gethostname(), os.getpid(), broker.broker_id)
