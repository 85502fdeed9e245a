"""Local time: wall-clock time ↔ UTC across daylight-saving changes, and the one set of date and
time filters every page and email uses (one pattern per language, no seconds, the reader's zone)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import render_template_string
from flask_babel import force_locale

from portal import i18n, timezones
from portal.config import load

BERLIN = ZoneInfo("Europe/Berlin")
TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def test_a_wall_clock_time_becomes_the_right_utc_on_both_sides_of_the_summer_time_changes():
    # Winter (UTC+1) and summer (UTC+2) in Berlin.
    assert timezones.to_utc(date(2026, 3, 28), time(10), BERLIN) == datetime(2026, 3, 28, 9, tzinfo=UTC)
    assert timezones.to_utc(date(2026, 3, 29), time(10), BERLIN) == datetime(2026, 3, 29, 8, tzinfo=UTC)
    assert timezones.to_utc(date(2026, 10, 25), time(10), BERLIN) == datetime(2026, 10, 25, 9, tzinfo=UTC)


def test_a_time_the_clocks_skip_is_refused_and_a_repeated_one_is_its_first_occurrence():
    with pytest.raises(timezones.NonexistentLocalTime):
        timezones.to_utc(date(2026, 3, 29), time(2, 30), BERLIN)  # 02:00 → 03:00
    # 02:30 happens twice on 25 October: first in summer time (00:30 UTC), then in winter time.
    assert timezones.to_utc(date(2026, 10, 25), time(2, 30), BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_a_local_day_starts_at_local_midnight_even_where_midnight_is_skipped():
    assert timezones.start_of_day(date(2026, 11, 30), ZoneInfo("Europe/Moscow")) == datetime(2026, 11, 29, 21, tzinfo=UTC)
    # Chile moves 00:00 → 01:00 on 6 September 2026: that day starts at 01:00 local.
    santiago = ZoneInfo("America/Santiago")
    start = timezones.start_of_day(date(2026, 9, 6), santiago)
    assert start.astimezone(santiago).replace(tzinfo=None) == datetime(2026, 9, 6, 1)


def test_people_choose_from_region_city_zones_and_nothing_else():
    names = timezones.zone_names()
    assert {"Europe/Berlin", "Europe/Moscow", "America/New_York", "UTC"} <= set(names)
    assert not {"W-SU", "US/Eastern", "Etc/GMT+3", "localtime"} & set(names)
    assert timezones.valid_zone(" Europe/Berlin ") == "Europe/Berlin"
    assert timezones.valid_zone("Mars/Olympus") is None and timezones.valid_zone("") is None


def test_the_portal_zone_defaults_to_moscow_and_an_unknown_one_stops_the_start(monkeypatch):
    monkeypatch.delenv("PORTAL_TIME_ZONE", raising=False)
    assert load({"TESTING": True})["PORTAL_TIME_ZONE"] == "Europe/Moscow"
    monkeypatch.setenv("PORTAL_TIME_ZONE", "Europe/Berlin")
    assert load({"TESTING": True})["PORTAL_TIME_ZONE"] == "Europe/Berlin"
    monkeypatch.setenv("PORTAL_TIME_ZONE", "Moscow")
    with pytest.raises(RuntimeError, match="PORTAL_TIME_ZONE"):
        load({"TESTING": True})


MOMENT = datetime(2026, 11, 30, 7, 5, 9, tzinfo=UTC)  # 10:05 in Moscow, 08:05 in Berlin


def _render(source: str, language: str, zone: str | None, **context) -> str:
    with force_locale(language), i18n.force_zone(zone):
        return render_template_string(source, **context)


@pytest.mark.parametrize(("language", "zone", "expected"), [
    ("en", "Europe/Moscow", "30 Nov 2026 | 10:05 | 30 Nov 2026, 10:05"),
    ("en", "Europe/Berlin", "30 Nov 2026 | 08:05 | 30 Nov 2026, 08:05"),
    ("ru", "Europe/Moscow", "30.11.2026 | 10:05 | 30.11.2026, 10:05"),
    ("en", "America/Los_Angeles", "29 Nov 2026 | 23:05 | 29 Nov 2026, 23:05"),  # still the day before
])
def test_the_filters_show_the_reader_s_zone_without_seconds_one_pattern_per_language(db, language, zone, expected):
    shown = _render("{{ t|date }} | {{ t|time }} | {{ t|datetime }}", language, zone, t=MOMENT)
    assert shown == expected
    assert ":09" not in shown and "AM" not in shown and "PM" not in shown


def test_a_plain_date_is_the_same_day_in_every_zone(db):
    assert _render("{{ d|date }} · {{ d|day }}", "en", "America/Los_Angeles", d=date(2026, 12, 7)) == "7 Dec 2026 · 7 Dec"
    assert _render("{{ d|date }} · {{ d|day }}", "ru", "Asia/Tokyo", d=date(2026, 12, 7)) == "07.12.2026 · 7 дек."
    assert _render("{{ d|month }}", "en", "Asia/Tokyo", d=date(2026, 12, 7)) == "Dec 2026"
    assert _render("{{ d|month }}", "ru", "Asia/Tokyo", d=date(2026, 12, 7)) == "дек. 2026"


def test_without_a_signed_in_reader_times_are_in_the_portal_s_zone(app, business_zone):
    business_zone("Europe/Berlin")
    with app.test_request_context("/"):
        assert render_template_string("{{ t|time }}", t=MOMENT) == "08:05"


def test_no_template_formats_times_any_other_way():
    """Flask-Babel's own filters (``datetimeformat`` …) are gone, and nothing says "(UTC)"."""
    offenders = []
    for path in TEMPLATES.rglob("*.*"):
        text = path.read_text(encoding="utf-8")
        for pattern in (r"\|\s*(datetimeformat|dateformat|timeformat)\b", r"strftime\(", r"\bUTC\b"):
            offenders += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in re.finditer(pattern, text)]
    assert offenders == []


def test_a_run_started_on_demand_shows_its_minute_on_the_reader_s_clock(db):
    shown = _render("{{ a|period }} · {{ b|period }} · {{ c|period }}", "en", "Europe/Moscow",
                    a="2026-11-30T07:05", b="2026-W48", c="2026-11")
    assert shown == "30 Nov 2026, 10:05 · 2026-W48 · 2026-11"
