"""Configuration from the environment, with embedded defaults for a fresh machine."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from portal.timezones import DEFAULT_ZONE

ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _demo_secret(instance: Path) -> str:
    """A random key kept under instance/ so demo sessions survive a restart."""
    path = instance / "demo-secret-key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
    return path.read_text().strip()


def database_url(url: str) -> str:
    """``postgresql://`` means psycopg 3 here."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def time_zone(name: str) -> str:
    """An IANA zone name, refused at start-up when the zone database does not know it."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (ValueError, LookupError):
        raise RuntimeError(f"PORTAL_TIME_ZONE={name!r} is not an IANA time zone (e.g. Europe/Moscow)") from None
    return name


def load(test_config: dict | None = None) -> dict:
    env = os.environ
    instance = Path(env.get("INSTANCE_PATH", ROOT / "instance"))
    testing = bool(test_config and test_config.get("TESTING"))
    secret = env.get("SECRET_KEY")
    # Demo mode: only when the operator gave no SECRET_KEY, or asked for it explicitly.
    demo = _flag("DEMO", default=secret is None) and not testing
    if not secret and not (demo or testing):
        raise RuntimeError("SECRET_KEY must be set outside demo and test modes")
    cfg = {
        "TESTING": testing,
        "DEMO": demo,
        "SECRET_KEY": secret or ("test-secret" if testing else _demo_secret(instance)),
        "INSTANCE_PATH": str(instance),
        "SQLALCHEMY_DATABASE_URI": database_url(env.get("DATABASE_URL") or f"sqlite:///{instance / 'mcf.sqlite3'}"),
        # A process keeps up to DATABASE_POOL_SIZE connections (+10 more at a peak): a job worker
        # with more threads than 15 sets it to its --threads, or threads wait for a connection.
        # No pool_pre_ping: portal.db pings only connections that sat idle (PING_AFTER_IDLE_SECONDS).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": int(env.get("DATABASE_POOL_SIZE", "5")),
                                      "max_overflow": 10},
        "REDIS_URL": env.get("REDIS_URL") or None,
        "PUBLIC_URL": env.get("PUBLIC_URL", "http://127.0.0.1:%s" % env.get("PORT", "5000")),
        # Reverse proxies in front of the app (0: trust no X-Forwarded-For). Login throttling
        # and rate limits count by the client address, which is otherwise the proxy's.
        "TRUSTED_PROXY_HOPS": int(env.get("TRUSTED_PROXY_HOPS", "0")),
        # Email
        "SMTP_HOST": env.get("SMTP_HOST") or None,
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_USER": env.get("SMTP_USER") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS"),
        "SMTP_TIMEOUT": float(env.get("SMTP_TIMEOUT", "10")),
        "MAIL_FROM": env.get("MAIL_FROM", "MCF portal <noreply@mcf.test>"),
        "EMAIL_RETRY_BASE_SECONDS": float(env.get("EMAIL_RETRY_BASE_SECONDS", "30")),
        # Accounts
        # Failures in the window that refuse an account from one address, and an address on
        # any accounts; an account failing from anywhere is only slowed (one check per
        # LOGIN_SLOW_SECONDS from addresses it never signed in from) and its owner emailed.
        "LOGIN_FAILURE_LIMIT": int(env.get("LOGIN_FAILURE_LIMIT", "10")),
        "LOGIN_ADDRESS_FAILURE_LIMIT": int(env.get("LOGIN_ADDRESS_FAILURE_LIMIT", "30")),
        "LOGIN_FAILURE_WINDOW": int(env.get("LOGIN_FAILURE_WINDOW", str(15 * 60))),
        "LOGIN_SLOW_SECONDS": int(env.get("LOGIN_SLOW_SECONDS", "10")),
        "SESSION_LIFETIME": 14 * 24 * 3600,
        "PASSWORD_TIME_COST": 3,
        "PASSWORD_MEMORY_COST": 64 * 1024,
        # Jobs
        "OUTBOX_RESEND_AFTER": 30,
        # A run's execution renews its lease while it works; a run whose lease ran out (message
        # lost, process killed) is dispatched again by the scheduler's next tick.
        "RUN_LEASE_SECONDS": int(env.get("RUN_LEASE_SECONDS", "60")),
        "RUN_JOBS_IN_PROCESS": False,
        # The weekly run charges its invoices in this many lanes at once (one message in flight
        # per lane, whatever the number of worker processes): the provider's rate limit is the
        # bound. Workers need at least as many threads in all for the lanes to run side by side.
        "BILLING_CHARGE_CONCURRENCY": int(env.get("BILLING_CHARGE_CONCURRENCY", "8")),
        # Invoices per lane message: three transactions each, whatever its size.
        "BILLING_CHARGE_CHUNK": int(env.get("BILLING_CHARGE_CHUNK", "25")),
        # A charge whose answer was lost is asked about again by its key after this long.
        "BILLING_LOST_ANSWER_SECONDS": float(env.get("BILLING_LOST_ANSWER_SECONDS", "5")),
        # A file every process reads its clock's offset from and follows (portal/clock.py):
        # the production-shape test moves time for all its processes at once. Never in
        # production; demo mode keeps its own under instance/.
        "CLOCK_OFFSET_FILE": env.get("CLOCK_OFFSET_FILE") or None,
        # Warehouse: where workers pick up kits, and the sandbox bakery's manners (SPEC WH-2):
        # sometimes slow, sometimes down. Tests start with a calm bakery and set what they test.
        "WAREHOUSE_ADDRESS": env.get("WAREHOUSE_ADDRESS", "MCF warehouse, 7 Whisker Yard"),
        "BAKERY_LATENCY_SECONDS": float(env.get("BAKERY_LATENCY_SECONDS", "0" if testing else "2")),
        "BAKERY_FAILURE_RATE": float(env.get("BAKERY_FAILURE_RATE", "0" if testing else "0.1")),
        "BAKERY_LOST_ANSWER_RATE": float(env.get("BAKERY_LOST_ANSWER_RATE", "0" if testing else "0.05")),
        # Cookies: Secure everywhere except local plain-HTTP demo and tests.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": not (demo or testing) or _flag("COOKIE_SECURE"),
        "SESSION_COOKIE_NAME": "mcf_session",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,
        "BABEL_DEFAULT_LOCALE": "en",
        # The business zone: the Sunday cut-off, the month's end and the default for people.
        "PORTAL_TIME_ZONE": env.get("PORTAL_TIME_ZONE") or DEFAULT_ZONE,
        "BABEL_TRANSLATION_DIRECTORIES": str(ROOT / "portal" / "translations"),
        "PER_PAGE": 25,
        # The applicant site (SPEC §11). Rate limits count per client address; the address
        # comes from CF-Connecting-IP only when the direct peer is one of these networks
        # (comma-separated CIDRs, e.g. Cloudflare's published ranges), else it is the peer.
        "TRUSTED_PROXIES": [n.strip() for n in env.get("TRUSTED_PROXIES", "").split(",") if n.strip()],
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        # Redis keys of the rate limits start with this (test runs sharing a Redis differ).
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": env.get("RATELIMIT_REDIS_PREFIX", "LIMITS")},
        "APPLY_SUBMISSION_LIMIT": env.get("APPLY_SUBMISSION_LIMIT", "5 per hour"),
        "APPLICANT_PAGE_LIMIT": env.get("APPLICANT_PAGE_LIMIT", "120 per minute"),
        "APPLY_MIN_FILL_SECONDS": float(env.get("APPLY_MIN_FILL_SECONDS", "4")),
        "APPLY_MAX_BYTES": int(env.get("APPLY_MAX_BYTES", str(6 * 1024 * 1024))),
        "APPLICANT_LINK_DAYS": int(env.get("APPLICANT_LINK_DAYS", "7")),
        # Metrics and logs. /metrics answers only a scraper holding this token (unset: 404).
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        # One JSON object a line in production; readable text in the embedded demo.
        "LOG_FORMAT": env.get("LOG_FORMAT") or ("text" if demo else "json"),
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO").upper(),
        # Take X-Request-ID from the proxy in front (it must set or strip it), else make one.
        "TRUST_REQUEST_ID": _flag("TRUST_REQUEST_ID"),
    }
    if test_config:
        cfg.update(test_config)
        cfg["SQLALCHEMY_DATABASE_URI"] = database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    cfg["PORTAL_TIME_ZONE"] = time_zone(cfg["PORTAL_TIME_ZONE"])
    if cfg["LOG_FORMAT"] not in ("json", "text"):
        raise RuntimeError(f"LOG_FORMAT={cfg['LOG_FORMAT']!r} is neither json nor text")
    cfg["BABEL_DEFAULT_TIMEZONE"] = cfg["PORTAL_TIME_ZONE"]
    return cfg
