"""Flood defence of the public applicant site: rate limits, body size, fill time, honeypot.

The site faces the internet on its own machines, behind Cloudflare in production. Limits
count per client address: Cloudflare's ``CF-Connecting-IP`` (or ProxyFix's
``X-Forwarded-For``) is believed only when the request comes straight from a trusted
proxy network (``TRUSTED_PROXIES``), otherwise anyone could pick their own address.
Counts live in Redis when ``REDIS_URL`` is set, so every web process shares them.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from flask import Flask, current_app, request
from flask_limiter import Limiter
from itsdangerous import BadSignature, URLSafeSerializer

from portal import clock

limiter = Limiter(
    key_func=lambda: client_address(),
    # No burst at window edges, and cheaper than a moving window (two counters per key).
    strategy="sliding-window-counter",
    # Redis down: keep serving with per-process counts rather than failing every page.
    swallow_errors=True,
    in_memory_fallback_enabled=True,
)


def submission_limit() -> str:
    return current_app.config["APPLY_SUBMISSION_LIMIT"]


def page_limit() -> str:
    return current_app.config["APPLICANT_PAGE_LIMIT"]


@lru_cache(maxsize=8)
def _networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr, strict=False) for cidr in cidrs)


def _parse(address: str):
    try:
        return ipaddress.ip_address(address.strip())
    except ValueError:
        return None


def client_address() -> str:
    """The address a request comes from, as far as we can trust the proxy in front."""
    # The direct peer, before ProxyFix rewrote it from headers anyone can send.
    before_proxy_fix = request.environ.get("werkzeug.proxy_fix.orig") or request.environ
    peer = before_proxy_fix.get("REMOTE_ADDR") or ""
    peer_ip = _parse(peer)
    trusted = _networks(tuple(current_app.config["TRUSTED_PROXIES"]))
    if peer_ip is None or not any(peer_ip in net for net in trusted):
        return peer
    forwarded = _parse(request.headers.get("CF-Connecting-IP", ""))
    if forwarded is not None:
        return str(forwarded)
    return request.remote_addr or peer  # X-Forwarded-For through ProxyFix, when configured


def retry_after() -> int:
    """Seconds to wait: the breached limit's window (the counts live on the storage's wall
    clock, not on ``portal.clock``, so the window is the honest upper bound)."""
    current = limiter.current_limit
    return current.limit.get_expiry() if current else 60


def init_app(app: Flask) -> None:
    """Install the limiter and the body limit so they run before anything reads the body.

    Flask runs before-request functions in the order they were added, and CSRF protection
    (added earlier) reads the form: a flood of posts would be parsed and answered with an
    error page before being counted. The body limit is set first, the limiter second.
    """
    limiter.init_app(app)
    # One log line per refused request would let a flood fill the disk and slow every worker.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    funcs = app.before_request_funcs.setdefault(None, [])
    funcs.remove(limiter._check_request_limit)
    funcs[:0] = [_limit_body, limiter._check_request_limit]


def _limit_body() -> None:
    # Werkzeug answers 413 from Content-Length alone, before reading the body.
    if request.blueprint == "applicants":
        request.max_content_length = current_app.config["APPLY_MAX_BYTES"]


# --- the application form's minimum fill time ---------------------------------------------

def _stamper() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="apply-form-started")


def form_started() -> str:
    """A signed note of when the form was shown (a hidden field)."""
    return _stamper().dumps(clock.now().timestamp())


def filled_too_fast(stamp: str | None) -> bool:
    """Sent sooner than a person can fill the form in, or without a genuine stamp."""
    try:
        started = float(_stamper().loads(stamp or ""))
    except (BadSignature, TypeError, ValueError):
        return True
    return clock.now().timestamp() - started < current_app.config["APPLY_MIN_FILL_SECONDS"]
