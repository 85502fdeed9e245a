"""Languages: the signed-in user's setting, else the visitor's choice, else the browser's."""

from __future__ import annotations

from flask import has_request_context, request, session
from flask_login import current_user

LANGUAGES = {"en": "English", "ru": "Русский"}


def select_locale() -> str | None:
    if not has_request_context():
        return None  # a job or a test outside a request: the default (emails force their own)
    if current_user and current_user.is_authenticated:
        return current_user.language
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(list(LANGUAGES)) or "en"
