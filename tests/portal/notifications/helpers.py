"""What an email should say, in its recipient's language."""

from __future__ import annotations

from flask_babel import force_locale, gettext


def in_language(language: str, text: str, **variables) -> str:
    """``text`` as the portal's catalogue has it in ``language`` (English while untranslated)."""
    with force_locale(language):
        return gettext(text, **variables)
