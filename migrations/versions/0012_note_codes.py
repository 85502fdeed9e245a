"""application notes as codes: the steps the portal notes are a code and JSON parameters,
read in the reader's language; the notes written so far (English or Russian) become codes

Revision ID: 0012_note_codes
Revises: 0011_order_expired
"""
from __future__ import annotations

import json
import re

import sqlalchemy as sa
from alembic import op

revision = '0012_note_codes'
down_revision = '0011_order_expired'
branch_labels = None
depends_on = None

# The sentences notes were saved as until now, in both languages, and the code each is.
# (A copy, not an import: a migration must mean the same thing when the code moves on.)
_PATTERNS = [
    ("received", r"Application received\.|Заявка получена\.", ()),
    ("applied_again", r"Applied again \((\d+) times\); the details are updated\."
                      r"|Повторная заявка \(всего заявок: (\d+)\); данные обновлены\.", ("num",)),
    ("applied_again_decided", r"Applied again \((\d+) times\); the details are not changed after a decision\."
                              r"|Повторная заявка \(всего заявок: (\d+)\); после решения данные не меняются\.", ("num",)),
    ("photo_unreadable", r"The photo could not be read: (.*)|Не удалось прочитать фото: (.*)", ("why",)),
    ("contacted", r"Contacted\.|С кандидатом связались\.", ()),
    ("accepted", r"Accepted\.|Кандидат принят\.", ()),
    ("rejected", r"Rejected\.|Кандидату отказано\.", ()),
    ("rejected_because", r"Rejected: (.*)|Кандидату отказано: (.*)", ("reason",)),
    ("worker_created", r"Worker account created\.|Аккаунт исполнителя создан\.", ()),
    ("worker_not_created", r"The worker account could not be created: (.*)"
                           r"|Не удалось создать аккаунт исполнителя: (.*)", ("why",)),
    ("test_assigned", r"Test set assigned: (.*)\.|Назначен набор тестов: (.*)\.", ("name",)),
    ("test_taken", r"Test taken: (\d+) of (\d+) points \((\d+)%\)\."
                   r"|Тест пройден, баллы: (\d+) из (\d+) \((\d+)%\)\.", ("score", "num", "percent")),
]
_NUMBERS = {"num", "score", "percent"}

# English, for a downgrade that must write sentences again.
_ENGLISH = {
    "received": "Application received.",
    "applied_again": "Applied again (%(num)s times); the details are updated.",
    "applied_again_decided": "Applied again (%(num)s times); the details are not changed after a decision.",
    "photo_unreadable": "The photo could not be read: %(why)s",
    "contacted": "Contacted.",
    "accepted": "Accepted.",
    "rejected": "Rejected.",
    "rejected_because": "Rejected: %(reason)s",
    "worker_created": "Worker account created.",
    "worker_not_created": "The worker account could not be created: %(why)s",
    "test_assigned": "Test set assigned: %(name)s.",
    "test_taken": "Test taken: %(score)s of %(num)s points (%(percent)s%%).",
}

notes = sa.table("application_notes", sa.column("id", sa.Integer), sa.column("text", sa.Text),
                 sa.column("code", sa.String), sa.column("params", sa.JSON))


def as_code(text: str) -> tuple[str, dict] | None:
    """The code and parameters of a sentence the portal saved, or None for a manager's own note."""
    for code, pattern, names in _PATTERNS:
        found = re.fullmatch(pattern, text.strip(), re.S)
        if found:
            values = [v for v in found.groups() if v is not None]
            return code, {n: int(v) if n in _NUMBERS else v for n, v in zip(names, values)}
    return None


def _text_of(code: str, params: dict) -> str:
    def plain(value):
        return value.get("msgid", "") % plain_all(value.get("params", {})) if isinstance(value, dict) else value

    def plain_all(values: dict) -> dict:
        return {k: plain(v) for k, v in values.items()}

    message = _ENGLISH.get(code)
    return message % plain_all(params) if message else code


def upgrade() -> None:
    op.add_column('application_notes', sa.Column('code', sa.String(length=40), nullable=True))
    op.add_column('application_notes', sa.Column('params', sa.JSON(), nullable=True))
    bind = op.get_bind()
    for note_id, text in bind.execute(sa.select(notes.c.id, notes.c.text)).all():
        coded = as_code(text or "")
        if coded:
            bind.execute(notes.update().where(notes.c.id == note_id)
                         .values(code=coded[0], params=coded[1], text=""))


def downgrade() -> None:
    bind = op.get_bind()
    for note_id, code, params in bind.execute(
            sa.select(notes.c.id, notes.c.code, notes.c.params).where(notes.c.code.is_not(None))).all():
        if isinstance(params, str):
            params = json.loads(params)
        bind.execute(notes.update().where(notes.c.id == note_id).values(text=_text_of(code, params or {})))
    op.drop_column('application_notes', 'params')
    op.drop_column('application_notes', 'code')
