"""Security headers on every response, and where a redirect may send the browser."""

from __future__ import annotations

from flask import Flask, Response

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "object-src 'none'",
])


def headers(app: Flask) -> dict[str, str]:
    """The security headers every response carries (WSGI middleware answering before Flask
    sends them too)."""
    values = {
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
    if app.config["SESSION_COOKIE_SECURE"]:
        values["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return values


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        for name, value in headers(app).items():
            h.setdefault(name, value)
        h.add("Vary", "HX-Request")
        if response.mimetype == "text/html":
            h.setdefault("Cache-Control", "no-store")
        return response


def safe_redirect_target(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None (no open redirect).

    Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
    ``/\\evil.example`` and ``/<tab>/evil.example`` lead to another site like ``//evil.example``.
    """
    if not target or any(ch == "\\" or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target
