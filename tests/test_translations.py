"""Every catalogue is complete, up to date with the sources and consistent; Russian users get it."""

from __future__ import annotations

import gettext
import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted((ROOT / "portal" / "translations").glob("*/LC_MESSAGES/messages.po"))
HOW_TO_FIX = ("Run `make translations-update`, then translate the new entries in "
              "portal/translations/<language>/LC_MESSAGES/messages.po.")

# What Python's % operator reads: %(name)s, %s, %d, %.2f, and %% (a literal percent sign).
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _catalogue(path: Path):
    with path.open("rb") as fh:
        return read_po(fh)


def _messages(path: Path):
    """The catalogue's real entries (not its header)."""
    return [m for m in _catalogue(path) if m.id]


def _forms(message) -> tuple[str, ...]:
    return message.string if message.pluralizable else (message.string,)


def _where(message) -> str:
    return ", ".join(f"{f}:{line}" for f, line in message.locations[:1])


def _show(message) -> str:
    return f"  {message.id!r}  ({_where(message)})"


@pytest.fixture(scope="module")
def strings_in_sources() -> dict:
    """Every marked string in the code and templates, by (msgid, context), with where it is."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    found = {}
    for filename, lineno, message, _comments, context in extract_from_dir(str(ROOT), method_map, options_map):
        msgid = message[0] if isinstance(message, tuple) else message
        if msgid:
            found.setdefault((msgid, context), f"{filename}:{lineno}")
    return found


def test_there_is_a_russian_catalogue():
    assert [p.parts[-3] for p in CATALOGUES] == ["ru"]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_every_message_is_translated_and_none_is_fuzzy(path):
    untranslated = [m for m in _messages(path) if not all(s.strip() for s in _forms(m))]
    fuzzy = [m for m in _messages(path) if m.fuzzy]
    assert not untranslated, (f"{len(untranslated)} messages have no translation in {path.relative_to(ROOT)}:\n"
                              + "\n".join(map(_show, untranslated)))
    assert not fuzzy, (f"{len(fuzzy)} translations in {path.relative_to(ROOT)} are marked fuzzy (a guess to check, "
                       "then remove the flag):\n" + "\n".join(map(_show, fuzzy)))


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_catalogue_has_every_string_in_the_sources(path, strings_in_sources):
    known = {(m.id[0] if m.pluralizable else m.id, m.context) for m in _messages(path)}
    missing = sorted(set(strings_in_sources) - known)
    assert not missing, (
        f"{len(missing)} strings in the code are not in {path.relative_to(ROOT)}, so they show in English:\n"
        + "\n".join(f"  {msgid!r}  ({strings_in_sources[msgid, ctx]})" for msgid, ctx in missing)
        + "\n" + HOW_TO_FIX)


class _AnyValue(dict):
    def __missing__(self, key):
        return 1


def _formatted(message) -> bool:
    """Templates always apply ``%`` to a message (Jinja's new-style gettext); Python code only
    when it passes values, so a lone % in a plain Python message is just a percent sign."""
    return "%(" in message.id[-1 if message.pluralizable else 0] or any(
        f.startswith("templates/") for f, _line in message.locations)


def _format_error(text: str) -> str | None:
    try:
        text % _AnyValue()
    except (TypeError, ValueError, KeyError) as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_translations_keep_the_placeholders(path):
    """A lost or renamed %(name)s raises KeyError or drops a value from the page."""
    wrong = []
    for m in filter(_formatted, _messages(path)):
        source = m.id[-1] if m.pluralizable else m.id
        if error := _format_error(source):
            wrong.append(f"{_show(m)}\n    the message itself fails ({error}): write %% for a percent sign")
            continue
        expected = Counter(PLACEHOLDER.findall(source))
        for form in _forms(m):
            if form and (Counter(PLACEHOLDER.findall(form)) != expected or _format_error(form)):
                wrong.append(f"  {m.id!r}\n    -> {form!r}")
    assert not wrong, "These messages and translations do not format the same way:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_pybabel_compile_accepts_the_catalogue(path):
    """`make translations` runs Babel's own checks and stops on any error, and with it `make run`
    and `make test` (the tests compile without them). A bare % in a Python message, e.g., makes
    Babel read it as a format string that no translation can match."""
    errors = [f"{_show(m)}\n    {'; '.join(map(str, errs))}" for m, errs in _catalogue(path).check()]
    assert not errors, "pybabel compile refuses these entries:\n" + "\n".join(errors)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_plural_forms_match_the_language(path):
    catalogue = _catalogue(path)
    if str(catalogue.locale) == "ru":
        assert catalogue.num_plurals == 3
        plural = gettext.c2py(catalogue.plural_expr)  # what gettext will pick for n at run time
        assert [plural(n) for n in (1, 2, 5, 11, 14, 21, 22, 25, 111)] == [0, 1, 2, 2, 2, 0, 1, 2, 2]
    for m in _messages(path):
        if m.pluralizable:
            assert len(m.string) == catalogue.num_plurals, m.id


def test_a_russian_visitor_gets_the_login_page_in_russian(client):
    page = client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="ru"' in page
    assert "Войти" in page and "Пароль" in page
    assert "Sign in" not in page


def test_a_russian_client_sees_their_dashboard_in_russian(client, login_as):
    login_as("client", language="ru")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Выйти" in page and "Заказать помощь" in page
    assert "Sign out" not in page


def test_templates_follow_a_forced_language_and_come_back(app):
    """Templates read the request's catalogue once, yet an email rendered in its recipient's
    language during someone else's request is in that language, and the page after it is not."""
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert render_template_string("{{ _('Next') }}") == "Next"
        with force_locale("ru"):
            assert render_template_string("{{ _('Next') }}") == "Далее"
        assert render_template_string("{{ _('Next') }}") == "Next"
