"""What account operations leave behind, read the way a test needs it."""

from __future__ import annotations

import html
import re

from sqlalchemy import func, select

from portal import people
from portal.db import db
from portal.events import OutboxEvent
from portal.notifications import Email


def published(name: str) -> list[dict]:
    """Payloads of the outbox events called ``name``, oldest first."""
    db.session.expire_all()
    return [e.payload for e in db.session.scalars(
        select(OutboxEvent).where(OutboxEvent.name == name).order_by(OutboxEvent.created_at))]


def emails_to(address: str) -> list[Email]:
    db.session.expire_all()
    return list(db.session.scalars(select(Email).where(Email.to == address).order_by(Email.id)))


def password_link(address: str) -> str:
    """The path of the newest set-password link emailed to ``address``."""
    body = emails_to(address)[-1].text_body
    return re.search(r"https?://[^/\s]+(/set-password/[\w-]+)", body).group(1)


def account_count() -> int:
    return db.session.scalar(select(func.count()).select_from(people.User))


def find_account(email: str) -> people.User | None:
    db.session.expire_all()
    return db.session.scalar(select(people.User).where(people.User.email == email))


def field_error(response, field_id: str) -> str | None:
    """The message shown next to a form field (None if the field has no error)."""
    match = re.search(rf'<small id="{field_id}-error" class="field-error">(.*?)</small>',
                      response.get_data(as_text=True), re.S)
    return html.unescape(match.group(1)).strip() if match else None


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)
