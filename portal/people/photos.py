"""Worker portraits, stored in the database so every web process can serve them."""

from __future__ import annotations

from portal import clock
from portal.db import db
from portal.images import reencode
from portal.people.models import Photo


def save_photo(raw: bytes) -> Photo:
    """Check, re-encode and store a portrait in the current transaction."""
    clean = reencode(raw)
    photo = Photo(sha256=clean.sha256, content_type=clean.content_type, data=clean.data,
                  width=clean.width, height=clean.height, created_at=clock.now())
    db.session.add(photo)
    db.session.flush()
    return photo


def get_photo(photo_id: int) -> Photo | None:
    return db.session.get(Photo, photo_id)
