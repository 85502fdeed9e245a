"""Worker portraits, stored in the database so every web process can serve them."""

from __future__ import annotations

from sqlalchemy import select

from portal import clock
from portal.db import db
from portal.images import CleanImage, reencode
from portal.people.models import Photo, WorkerProfile


def store_photo(clean: CleanImage) -> Photo:
    """Store an already re-encoded portrait in the current transaction."""
    photo = Photo(sha256=clean.sha256, content_type=clean.content_type, data=clean.data,
                  width=clean.width, height=clean.height, created_at=clock.now())
    db.session.add(photo)
    db.session.flush()
    return photo


def save_photo(raw: bytes) -> Photo:
    """Check, re-encode and store a portrait in the current transaction."""
    return store_photo(reencode(raw))


def get_photo(photo_id: int) -> Photo | None:
    """A stored portrait by id (the caller decides who may see it)."""
    return db.session.get(Photo, photo_id)


def worker_photo(user_id: int) -> Photo | None:
    """The portrait of a worker, if they have one."""
    return db.session.scalar(
        select(Photo).join(WorkerProfile, WorkerProfile.photo_id == Photo.id)
        .where(WorkerProfile.user_id == user_id)
    )
