"""Languages: the signed-in user's setting, else the visitor's choice, else the browser's.
Time zones: the recipient's (emails), the signed-in user's, else the portal's."""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import dates, support
from flask import g, has_request_context, request, session
from flask_babel import get_locale, get_translations
from flask_babel.speaklater import LazyString
from flask_login import current_user
from wtforms.i18n import messages_path

from portal import clock, timezones

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


# --- time zones and the one set of date and time filters ------------------------------

_forced_zone: ContextVar[ZoneInfo | None] = ContextVar("forced_zone", default=None)

# One pattern per language for every table, timeline, page and email; no seconds, 24 hours.
PATTERNS = {
    "en": {"date": "d MMM y", "time": "HH:mm", "datetime": "d MMM y, HH:mm", "day": "d MMM", "month": "LLL y"},
    "ru": {"date": "dd.MM.y", "time": "HH:mm", "datetime": "dd.MM.y, HH:mm", "day": "d MMM", "month": "LLL y"},
}


def select_timezone() -> str:
    """Flask-Babel's zone: the same as :func:`display_zone`."""
    return display_zone().key


def display_zone() -> ZoneInfo:
    """The zone times are shown and entered in: an email's recipient's (forced), the signed-in
    person's, else the portal's."""
    forced = _forced_zone.get()
    if forced is not None:
        return forced
    if has_request_context() and current_user and current_user.is_authenticated:
        return timezones.zone_of(current_user.time_zone)
    return timezones.business_zone()


@contextmanager
def force_zone(name: str | None):
    """Render in ``name``'s zone (None: the portal's), e.g. an email for its recipient."""
    token = _forced_zone.set(timezones.zone_of(name))
    try:
        yield
    finally:
        _forced_zone.reset(token)


def _format(value, kind: str) -> str:
    if value is None or value == "":
        return ""
    locale, language, zone = _reader()
    return _formatted(value, kind, locale, zone)


# What Babel wrote for a moment, kept per process: a list page writes two times per row
# (Babel's pattern machinery, ~15 µs each), and a list shows the same orders on view after
# view. A pure function of its arguments; 4 096 entries are a few hundred kB.
@lru_cache(maxsize=4096)
def _formatted(value, kind: str, locale, zone: ZoneInfo) -> str:
    pattern = PATTERNS.get(str(locale), PATTERNS["en"])[kind]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a time filter")  # the database hands back UTC
        return dates.format_datetime(value, pattern, tzinfo=zone, locale=locale)
    if kind in ("date", "day", "month"):  # a calendar date: the same day in every zone
        return dates.format_date(value, pattern, locale=locale)
    raise TypeError(f"a {type(value).__name__} has no {kind}")


def language() -> str:
    """The language being rendered ("en", "ru"), found once per request like the catalogue."""
    return _reader()[1]


def _reader():
    """The locale, its language and the zone dates are written in, found once per request
    (a list page writes fifty dates; each asked Flask-Babel and the signed-in user again).
    Kept next to Flask-Babel's locale, as ``_translations`` keeps the catalogue, and checked
    against the locale and zone an email forces, so an email in a request gets its own."""
    forced = _forced_zone.get()
    try:
        ctx = g._flask_babel
        held = ctx.portal_reader
        if held[0] is ctx.babel_locale and held[1] is forced and held[0] is not None:
            return held[2]
    except (AttributeError, RuntimeError):  # not found yet in this context, or no context
        pass
    locale = get_locale()
    reader = (locale or "en", str(locale or "en"), display_zone())
    try:
        ctx = g._flask_babel
        ctx.portal_reader = (getattr(ctx, "babel_locale", None), forced, reader)
    except (AttributeError, RuntimeError):
        pass
    return reader


def format_date(value) -> str:
    """``30 Nov 2026`` / ``30.11.2026``: a date, or a moment's date in the reader's zone."""
    return _format(value, "date")


def format_day(value) -> str:
    """``30 Nov`` / ``30 нояб.``: chart axes, where the year is the chart's."""
    return _format(value, "day")


def format_month(value) -> str:
    """``Nov 2026`` / ``нояб. 2026``: chart axes of months."""
    return _format(value, "month")


def format_time(value) -> str:
    """``10:00`` in the reader's zone."""
    return _format(value, "time")


def format_datetime(value) -> str:
    """``30 Nov 2026, 10:00`` / ``30.11.2026, 10:00`` in the reader's zone."""
    return _format(value, "datetime")


_MINUTE_KEY = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$")


def format_period(key: str) -> str:
    """A run's period as people read it: weeks and months as they are (``2026-W48``), a run
    started on demand (keyed by its UTC minute, ``2026-11-30T12:00``) at the reader's time."""
    if key and _MINUTE_KEY.match(key):
        return format_datetime(datetime.fromisoformat(key).replace(tzinfo=UTC))
    return key


def local_today() -> date:
    """Today in the reader's zone (the default end of a date range they filter by)."""
    return clock.now().astimezone(display_zone()).date()


def _translations():
    """The catalogue of the language being rendered, found once per request and language.

    Flask-Babel looks it up again for every string (the context on ``g``, the domain, the
    locale, the cache: about ten proxy lookups), which was half of a page's template time.
    It is kept next to Flask-Babel's locale on the request's context and checked by identity,
    so ``force_locale`` (an email in its recipient's language) still gets its own catalogue.
    """
    try:
        ctx = g._flask_babel
        held = ctx.portal_translations
        if held[0] is ctx.babel_locale and held[0] is not None:
            return held[1]
    except (AttributeError, RuntimeError):  # not looked up yet in this context, or no context
        pass
    translations = get_translations()
    try:
        ctx = g._flask_babel
        ctx.portal_translations = (getattr(ctx, "babel_locale", None), translations)
    except (AttributeError, RuntimeError):
        pass
    return translations


# Words translated when shown (form labels, states, messages made at import time). Flask-Babel's
# own lazy strings find the catalogue again on every use (about ten proxy lookups: 4 % of a
# list page with a badge per row); these read it through ``_translations``, with the same
# formatting as Flask-Babel's gettext, ngettext and pgettext.

def _gettext(string, **variables):
    translated = _translations().ugettext(string)
    return translated % variables if variables else translated


def _ngettext(singular, plural, num, **variables):
    variables.setdefault("num", num)
    return _translations().ungettext(singular, plural, num) % variables


def _pgettext(context, string, **variables):
    translated = _translations().upgettext(context, string)
    return translated % variables if variables else translated


def lazy_gettext(string, **variables) -> LazyString:
    return LazyString(_gettext, string, **variables)


def lazy_ngettext(singular, plural, num, **variables) -> LazyString:
    return LazyString(_ngettext, singular, plural, num, **variables)


def lazy_pgettext(context, string, **variables) -> LazyString:
    return LazyString(_pgettext, context, string, **variables)


@lru_cache(maxsize=8)
def _wtforms_catalogue(locale: str):
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsMessages:
    """WTForms' own messages ("Not a valid choice") in the request's language. Flask-WTF reads
    its catalogue from disk once per request that validates a form (a fortieth of a list page
    with filters); this keeps one per language per process and stands where Flask-WTF caches
    it on the request (``request.wtforms_translations``), which it reads first."""

    def ugettext(self, string):
        return _wtforms_catalogue(str(get_locale() or "en")).ugettext(string)

    def ungettext(self, singular, plural, n):
        return _wtforms_catalogue(str(get_locale() or "en")).ungettext(singular, plural, n)


_WTFORMS_MESSAGES = _WTFormsMessages()


def _offer_wtforms_messages() -> None:
    request.wtforms_translations = _WTFORMS_MESSAGES


def init_templates(app) -> None:
    """The date and time filters; Flask-Babel's own (``datetimeformat`` …) are removed so that
    no page shows a time in another format or zone. Templates' ``_()`` reads the request's
    catalogue directly (see ``_translations``)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    for name in ("datetimeformat", "dateformat", "timeformat"):
        app.jinja_env.filters.pop(name, None)
    app.jinja_env.filters.update(date=format_date, day=format_day, time=format_time,
                                 datetime=format_datetime, period=format_period, month=format_month)
    app.before_request(_offer_wtforms_messages)
    app.jinja_env.globals["display_zone"] = display_zone
    app.jinja_env.globals["portal_zone"] = timezones.business_zone_name
