"""Flood defence of the public applicant site: rate limits, body size, fill time, honeypot.

The site faces the internet on its own machines, behind Cloudflare in production. Limits
count per client address: Cloudflare's ``CF-Connecting-IP`` (or ProxyFix's
``X-Forwarded-For``) is believed only when the request comes straight from a trusted
proxy network (``TRUSTED_PROXIES``), otherwise anyone could pick their own address.
Counts live in Redis when ``REDIS_URL`` is set, so every web process shares them.

Flask-Limiter counts and decides. Once it has refused an address on a page, the flood gate
(WSGI middleware in front of Flask) answers that address's next requests for the page itself,
until the limiter would let one through again: no request context, no session, no database,
no template rendering, so a flood costs little more than a bare 404.
"""

from __future__ import annotations

import ipaddress
import logging
from functools import lru_cache

from flask import Flask, current_app, render_template, request
from flask_babel import force_locale
from flask_limiter import Limiter, RequestLimit
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.datastructures import LanguageAccept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header

from portal import clock, security
from portal.i18n import LANGUAGES

limiter = Limiter(
    key_func=lambda: client_address(),
    # No burst at window edges, and cheaper than a moving window (two counters per key).
    strategy="sliding-window-counter",
    # Redis down: keep serving with per-process counts rather than failing every page.
    swallow_errors=True,
    in_memory_fallback_enabled=True,
    on_breach=lambda breach: _remember_refusal(breach),
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
    return address_of(request.environ, current_app.config["TRUSTED_PROXIES"])


def address_of(environ: dict, trusted_proxies) -> str:
    """The client address of a WSGI request: what the limiter counts by and the gate checks."""
    # The direct peer, before ProxyFix rewrote it from headers anyone can send.
    before_proxy_fix = environ.get("werkzeug.proxy_fix.orig") or environ
    peer = before_proxy_fix.get("REMOTE_ADDR") or ""
    peer_ip = _parse(peer)
    if peer_ip is None or not any(peer_ip in net for net in _networks(tuple(trusted_proxies))):
        return peer
    forwarded = _parse(environ.get("HTTP_CF_CONNECTING_IP", ""))
    if forwarded is not None:
        return str(forwarded)
    return environ.get("REMOTE_ADDR") or peer  # X-Forwarded-For through ProxyFix, when configured


def retry_after() -> int:
    """Seconds until the breached limit lets this address through again."""
    current = limiter.current_limit
    return _seconds_until(current.window.reset_time) if current else 60


def _seconds_until(timestamp: float) -> int:
    return max(1, int(timestamp - clock.epoch_seconds() + 0.999))


@lru_cache(maxsize=64)
def visitor_language(accept_language: str) -> str:
    """The best of our languages for an ``Accept-Language`` header (floods repeat theirs)."""
    return parse_accept_header(accept_language, LanguageAccept).best_match(list(LANGUAGES)) or "en"


_pages: dict[tuple[str, int], bytes] = {}  # at most languages × the longest window in minutes


def _page_key(lang: str, wait: int) -> tuple[str, int]:
    return lang, max(1, -(-wait // 60))  # "please wait N minutes", rounded up


def too_many_page(lang: str, wait: int) -> bytes:
    """The 429 page: no layout, no database, no session; rendered once per language and
    minutes to wait (in a request context, for the stylesheet's URL), then reused."""
    key = _page_key(lang, wait)
    if key not in _pages:
        with force_locale(lang):
            _pages[key] = render_template("applicants/too_many.html", lang=lang, minutes=key[1]).encode()
    return _pages[key]


# --- the flood gate -------------------------------------------------------------------------

def _refusal_key(address: str, endpoint: str, method: str) -> str:
    return f"flood-gate/{address}/{endpoint}/{method}"


def _remember_refusal(breach: RequestLimit) -> None:
    """Flask-Limiter refused this request: the gate refuses the same address, page and method
    until the limiter would let one through again (then it asks the limiter anew)."""
    key = _refusal_key(client_address(), request.endpoint or "", request.method)
    storage = breach.limiter.storage
    storage.clear(key)  # a fresh expiry
    storage.incr(key, _seconds_until(breach.window.reset_time))


class FloodGate:
    """WSGI middleware: answers 429 to an address the limiter has just refused on this page,
    before Flask builds a request context. Anything else (and any storage error) goes on to
    Flask, where the limiter decides."""

    def __init__(self, app: Flask, url_prefix: str):
        self.app, self.wsgi_app, self.url_prefix = app, app.wsgi_app, url_prefix
        self.headers = [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store"),
                        *security.headers(app).items()]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith(self.url_prefix):
            wait = self._refused_for(environ)
            if wait:
                return self._too_many(environ, start_response, wait)
        return self.wsgi_app(environ, start_response)

    def _refused_for(self, environ) -> int:
        """Seconds this request's address is still refused on this page, or 0."""
        try:
            endpoint, _args = self.app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            return 0  # 404, 405 or a redirect: not a page the limiter counts
        key = _refusal_key(address_of(environ, self.app.config["TRUSTED_PROXIES"]), endpoint,
                           environ.get("REQUEST_METHOD", "GET"))
        try:
            storage = limiter.limiter.storage  # the in-memory fallback while Redis is down
            return _seconds_until(storage.get_expiry(key)) if storage.get(key) else 0
        except Exception:  # noqa: BLE001 - the limiter has its own fallback; let it decide
            return 0

    def _too_many(self, environ, start_response, wait: int):
        lang = visitor_language(environ.get("HTTP_ACCEPT_LANGUAGE", ""))
        if _page_key(lang, wait) in _pages:
            page = too_many_page(lang, wait)
        else:
            with self.app.request_context(environ):  # the first time only: URLs, translations
                page = too_many_page(lang, wait)
        start_response("429 Too Many Requests", [*self.headers, ("Retry-After", str(wait)),
                                                 ("Content-Length", str(len(page)))])
        return [page]


def init_app(app: Flask, url_prefix: str) -> None:
    """Install the limiter and the body limit so they run before anything reads the body, and
    the flood gate in front of the site's pages (under ``url_prefix``).

    Flask runs before-request functions in the order they were added, and CSRF protection
    (added earlier) reads the form: a flood of posts would be parsed and answered with an
    error page before being counted. The body limit is set first, the limiter second.
    """
    limiter.init_app(app)
    app.wsgi_app = FloodGate(app, url_prefix)
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
