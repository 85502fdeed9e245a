"""Store facts, render words: a message kept as a code and its parameters (JSON), put into
words only when someone reads it, in the reader's language.

A sentence saved as text stays for ever in the language of whoever caused it; a code does
not. A context keeps its codes in a ``Words`` table of English messages, marked for the
catalogue with ``N_`` (or ``Nn_`` for a count), and translated by gettext when read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale
# Other names than gettext/ngettext: these calls translate stored msgids, and the catalogue's
# extractor must not take their arguments for messages.
from flask_babel import gettext as translate
from flask_babel import ngettext as translate_n
from flask_babel.speaklater import LazyString

from portal.money import Money


def N_(message: str) -> str:
    """Mark a message for the catalogue; it is translated when read, not here."""
    return message


def Nn_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a counted message (its ``num`` parameter picks the plural form)."""
    return singular, plural


def money(cents: int | None) -> dict | str:
    """An amount as a parameter: written with the reader's decimal separator ("—" if missing)."""
    return "—" if cents is None else {"money": int(cents)}


def term(msgid: str) -> dict:
    """A word marked with ``N_`` as a parameter (a state's name, say), translated when read."""
    return {"msgid": msgid, "params": {}}


def fact(message: Any) -> Any:
    """A message to store: a ``lazy_gettext``/``lazy_ngettext`` string becomes its English
    source and parameters (readable later in any language); anything else stays as it is."""
    if isinstance(message, LazyString):
        # flask_babel's LazyString keeps the call it will make: (gettext, msgid, **params).
        name = getattr(message._func, "__name__", "")
        params = {k: fact(v) for k, v in message._kwargs.items()}
        if name == "gettext" and len(message._args) == 1:
            return {"msgid": message._args[0], "params": params}
        if name == "ngettext" and len(message._args) == 3:
            singular, plural, num = message._args
            return {"msgid": singular, "plural": plural, "num": num, "params": params}
        return str(message)
    if isinstance(message, Money):
        return money(message.cents)
    return message


def say(value: Any) -> Any:
    """A stored parameter or fact, in words in the current language."""
    if isinstance(value, dict):
        if "money" in value:
            return Money(value["money"]).format(str(get_locale() or "en"))
        if "msgid" in value:
            params = {k: say(v) for k, v in value.get("params", {}).items()}
            if "plural" in value:
                return translate_n(value["msgid"], value["plural"], value["num"], **params)
            return translate(value["msgid"], **params)
    return value


class Words:
    """A context's table of message codes: ``words.say("received", {})`` in the reader's language."""

    def __init__(self, table: dict[str, str | tuple[str, str]]):
        self.table = table

    def __contains__(self, code: str) -> bool:
        return code in self.table

    def say(self, code: str, params: dict | None = None) -> str:
        params = {k: say(v) for k, v in (params or {}).items()}
        entry = self.table.get(code)
        if entry is None:  # a code this version does not know: show the fact rather than nothing
            return f"{code} {json.dumps(params, ensure_ascii=False)}" if params else code
        if isinstance(entry, tuple):
            num = params.pop("num")
            return translate_n(entry[0], entry[1], num, **params)
        return translate(entry, **params) if params else translate(entry)


@dataclass(frozen=True)
class Message:
    """A coded message with its parameters: compares as data, prints in the current language."""

    words: Words = field(repr=False, compare=False)
    code: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.words.say(self.code, self.params)
