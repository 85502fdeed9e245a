"""Store facts, render words: a message saved once reads in whichever language its reader has."""

from __future__ import annotations

import json

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from portal.applicants.notes import NOTES
from portal.images import BadImage
from portal.words import Message, fact, money, say


def _stored(value):
    """As the database gives it back: JSON, nothing else survives."""
    return json.loads(json.dumps(value))


def test_a_domain_error_s_message_is_kept_as_its_source_and_parameters_and_read_in_each_language(app):
    with app.test_request_context():
        saved = _stored(fact(BadImage(_l("The photo is larger than %(mb)s MB.", mb=6)).message))
        assert saved == {"msgid": "The photo is larger than %(mb)s MB.", "params": {"mb": 6}}
        with force_locale("en"):
            assert say(saved) == "The photo is larger than 6 MB."
        with force_locale("ru"):
            assert say(saved) == "Фото больше 6 МБ."


def test_a_counted_message_and_money_keep_their_number_and_read_with_the_reader_s_forms(app):
    with app.test_request_context():
        saved = _stored(fact(lazy_ngettext("%(num)s order", "%(num)s orders", 5)))
        with force_locale("ru"):
            assert say(saved) == "5 заказов"
            assert say(_stored(money(123_45))) == "123,45\u00a0CU"
        with force_locale("en"):
            assert say(_stored(money(123_45))) == "123.45\u00a0CU"


def test_a_note_code_reads_in_each_language_and_an_unknown_one_still_says_what_it_holds(app):
    with app.test_request_context():
        params = _stored({"why": fact(_l("Choose a photo to upload."))})
        with force_locale("ru"):
            assert NOTES.say("photo_unreadable", params) == "Не удалось прочитать фото: Выберите фото для загрузки."
        assert NOTES.say("from_a_newer_version", {"n": 2}) == 'from_a_newer_version {"n": 2}'


def test_a_message_compares_by_its_code_and_parameters(app):
    with app.test_request_context():
        assert Message(NOTES, "received") == Message(NOTES, "received", {})
        assert str(Message(NOTES, "received")) == "Application received."
