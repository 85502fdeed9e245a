"""Applications: the public form, the managers' pipeline and notes, and the hiring decision.

Every step emails the applicant in the language they applied in. Nothing slow happens
here: the photo is only checked by its first bytes; a job re-encodes it (``check_photo``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from functools import cache
from datetime import timedelta

from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import clock, notifications, orders, people
from portal.applicants.models import (
    FINAL_STAGES,
    STAGES,
    ApplicantPhoto,
    Application,
    ApplicationChange,
    ApplicationNote,
    Attempt,
)
from portal.applicants.notes import NOTES
from portal.db import db, locked, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.events import publish
from portal.i18n import lazy_gettext as _l
from portal.images import BadImage, reencode
from portal.paging import contains_pattern, counts_statement, matches, paginate
from portal.urls import external_url
from portal.words import fact

MAX_PHOTO_BYTES = 5 * 1024 * 1024
# What a photo's first bytes look like, for the cheap check inside the request.
_MAGIC = {b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def digest(token: str) -> str:
    """Personal links are stored as their SHA-256 only."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A long random link token and its digest."""
    token = secrets.token_urlsafe(32)
    return token, digest(token)


def sniff_photo(raw: bytes) -> str:
    """The content type of a JPEG, PNG or WebP upload by its first bytes (no decoding)."""
    if not raw:
        raise BadImage(_l("Add a photo of yourself."))
    if len(raw) > MAX_PHOTO_BYTES:
        raise BadImage(_l("The photo is larger than %(mb)s MB.", mb=MAX_PHOTO_BYTES // (1024 * 1024)))
    for magic, content_type in _MAGIC.items():
        if raw.startswith(magic):
            return content_type
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "image/webp"
    raise BadImage(_l("Upload a JPEG, PNG or WebP photo."))


def _text(value: str, field: str, max_len: int, missing=None) -> str:
    value = (value or "").strip()
    if missing is not None and not value:
        raise DomainError(missing, field=field)
    if len(value) > max_len:
        raise DomainError(_l("Use at most %(n)s characters.", n=max_len), field=field)
    return value


CHANGE_LINK_HOURS = 48
# Confirmation emails one application gets in a day: nobody can flood a mailbox from the form.
CHANGE_EMAILS_PER_DAY = 3


@dataclass(frozen=True)
class Applied:
    """What applying did: the application, whether its email already had one (whose changes
    then wait for the emailed link: the application is not touched yet), the status link."""

    application: Application
    again: bool
    status_link: str | None


def apply(email: str, name: str, age: int | None, breed: str, fur_colour: str, about: str,
          service_type_id: int | None, photo: bytes, language: str = "en") -> Applied:
    """A cat applies; the same email again only asks its address to confirm the new details.

    The applicant is emailed a personal link to the status page, or to confirm the changes
    (never shown on the page: anyone can type anyone's email into the form); an application
    gets at most CHANGE_EMAILS_PER_DAY confirmation emails a day.
    """
    email = people.valid_email(email)
    name = _text(name, "name", 120, _l("Tell us your name."))
    if age is None or not 0 <= age <= 40:
        raise DomainError(_l("Age is 0 to 40 years."), field="age")
    breed = _text(breed, "breed", 80, _l("Tell us your breed."))
    fur_colour = _text(fur_colour, "fur_colour", 80, _l("Tell us your fur colour."))
    about = _text(about, "about", 2000)
    vacancy = _open_vacancy(service_type_id)
    content_type = sniff_photo(photo)
    language = language if language in people.LANGUAGES else "en"
    token, token_hash = new_token()
    with transaction():
        now = clock.now()
        app = locked(Application, Application.email == email)
        if app is not None and _changes_today(app.id, now) >= CHANGE_EMAILS_PER_DAY:
            return Applied(app, again=True, status_link=None)  # its mailbox has enough from us today
        stored = ApplicantPhoto(state="pending", content_type=content_type, data=photo, created_at=now)
        db.session.add(stored)
        db.session.flush()
        if app is not None:
            db.session.add(ApplicationChange(
                application_id=app.id, token_hash=token_hash, name=name, age=age, breed=breed,
                fur_colour=fur_colour, about=about, service_type_id=vacancy.id, language=language,
                photo_id=stored.id, created_at=now, expires_at=now + timedelta(hours=CHANGE_LINK_HOURS)))
            # In the language of the application: the address's owner wrote that one.
            _email(app, "applicant_change_confirm", hours=CHANGE_LINK_HOURS,
                   link=external_url("applicants.confirm_change", token=token))
            return Applied(app, again=True, status_link=None)
        app = Application(email=email, created_at=now, stage="new", stage_changed_at=now, times_applied=1,
                          name=name, age=age, breed=breed, fur_colour=fur_colour, about=about,
                          service_type_id=vacancy.id, language=language, photo_id=stored.id,
                          status_token_hash=token_hash)
        db.session.add(app)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            # The same email sent twice at the same moment: the unique index keeps one.
            raise Conflict(_l("This application is already being sent. Wait a moment and check your email.")) from None
        _log(app, None, "received")
        publish("applicant.applied", {"application_id": app.id, "photo_id": stored.id, "again": False})
        link = external_url("applicants.status", token=token)
        _email(app, "applicant_received", status_link=link, again=False, vacancy=vacancy.name(app.language))
    return Applied(app, again=False, status_link=link)


def _changes_today(application_id: int, now) -> int:
    return db.session.scalar(select(func.count()).select_from(ApplicationChange).where(
        ApplicationChange.application_id == application_id,
        ApplicationChange.created_at > now - timedelta(days=1)))


def _usable_change(token: str, lock: bool = False) -> ApplicationChange | None:
    criteria = (ApplicationChange.token_hash == digest(token),)
    change = (locked(ApplicationChange, *criteria) if lock
              else db.session.scalar(select(ApplicationChange).where(*criteria)))
    if change is None or change.confirmed_at is not None or change.expires_at <= clock.now():
        return None
    return change


def change_by_token(token: str) -> ApplicationChange | None:
    """The new details an emailed confirmation link is for, while the link is good."""
    return _usable_change(token)


def confirm_change(token: str) -> Application:
    """The owner of the address confirms the details sent again: the application takes them
    (not after a decision), is counted and flagged, and a new status link is emailed."""
    status_token, status_token_hash = new_token()
    with transaction():
        change = _usable_change(token, lock=True)
        if change is None:
            raise DomainError(_l("This link has expired or was already used."))
        now = clock.now()
        app = locked(Application, Application.id == change.application_id)
        change.confirmed_at = now
        app.times_applied += 1
        app.reapplied_at = now
        app.notified_at = None  # the next digest mentions it again
        decided = app.stage in FINAL_STAGES
        if not decided:
            app.name, app.age, app.breed, app.fur_colour = change.name, change.age, change.breed, change.fur_colour
            app.about, app.service_type_id, app.language = change.about, change.service_type_id, change.language
            app.photo_id = change.photo_id
        app.status_token_hash = status_token_hash  # the newest email's link; earlier ones stop working
        _log(app, None, "applied_again_decided" if decided else "applied_again", num=app.times_applied)
        publish("applicant.applied", {"application_id": app.id, "photo_id": change.photo_id, "again": True})
        vacancy = orders.get_service_type(app.service_type_id)
        _email(app, "applicant_received", status_link=external_url("applicants.status", token=status_token),
               again=True, vacancy=vacancy.name(app.language))
    return app


def _open_vacancy(service_type_id: int | None):
    try:
        vacancy = orders.get_service_type(int(service_type_id or 0))
    except NotFound:
        vacancy = None
    if vacancy is None or not vacancy.active:
        raise DomainError(_l("Choose the work you want to do."), field="service_type_id")
    return vacancy


def open_vacancies():
    """The service types one can apply for."""
    return orders.list_service_types(active_only=True)


def _log(app: Application, author: str | None, code: str, **params) -> None:
    """Note a step as its code and parameters (``NOTES``), to be read in any language."""
    assert code in NOTES, code
    db.session.add(ApplicationNote(application_id=app.id, author=author, text="", code=code,
                                   params={k: fact(v) for k, v in params.items()}, created_at=clock.now()))


def _email(app: Application, template: str, **context) -> None:
    notifications.queue_email(app.email, template, app.language, name=app.name, **context)


def _set_stage(app: Application, stage: str) -> None:
    app.stage, app.stage_changed_at = stage, clock.now()


# --- the photo, checked in a job -----------------------------------------------------------

def check_photo(photo_id: int) -> str:
    """Re-encode an uploaded photo (drops metadata); an unreadable one is refused and noted."""
    with transaction():
        photo = db.session.get(ApplicantPhoto, photo_id)
        if photo is None or photo.state != "pending":
            return photo.state if photo else "missing"
        try:
            clean = reencode(photo.data)
        except BadImage as exc:
            photo.state, photo.problem, photo.data = "refused", str(exc.message), b""
            app = db.session.scalar(select(Application).where(Application.photo_id == photo.id))
            if app is not None:
                _log(app, None, "photo_unreadable", why=exc.message)
        else:
            photo.state, photo.data, photo.content_type = "ok", clean.data, clean.content_type
        return photo.state


def photo_of(application_id: int) -> ApplicantPhoto | None:
    """The applicant's photo, once a job has checked and re-encoded it."""
    return db.session.scalar(
        select(ApplicantPhoto).join(Application, Application.photo_id == ApplicantPhoto.id)
        .where(Application.id == application_id, ApplicantPhoto.state == "ok"))


# --- the status page -----------------------------------------------------------------------

def by_status_token(token: str) -> Application | None:
    """The application a status link belongs to (None: no such link)."""
    return db.session.scalar(select(Application).where(Application.status_token_hash == digest(token)))


def latest_attempt(application_id: int) -> Attempt | None:
    return db.session.scalar(
        select(Attempt).where(Attempt.application_id == application_id, Attempt.withdrawn_at.is_(None))
        .order_by(Attempt.id.desc()).limit(1))


# --- the managers' pipeline ----------------------------------------------------------------

# The pipeline's counts, on every view of it: built once (building the six-part statement and
# its cache key was a fifth of the page).
_STAGE_COUNTS = counts_statement({stage: select(Application.id).where(Application.stage == stage)
                                  for stage in STAGES})


def stage_counts() -> dict[str, int]:
    """How many applications are at each stage (every stage, zero included), each counted up
    to the cap (one query)."""
    return _STAGE_COUNTS.run()


@cache
def _pipeline(by_stage: bool, by_vacancy: bool, flagged: bool, searched: bool) -> Select:
    """The pipeline's list with these filters, newest first: built once per combination, the
    values bound as parameters."""
    stmt = select(Application).order_by(Application.created_at.desc(), Application.id.desc())
    if by_stage:
        stmt = stmt.where(Application.stage == bindparam("stage"))
    if by_vacancy:
        stmt = stmt.where(Application.service_type_id == bindparam("vacancy"))
    if flagged:
        stmt = stmt.where(Application.times_applied > 1)
    if searched:
        stmt = stmt.where(or_(matches(func.lower(Application.name), "q"), matches(Application.email, "q")))
    return stmt


def search_applications(stage: str | None, service_type_id: int | None, flagged: bool, query: str,
                        page: int, per_page: int = 25):
    """One page of applications, newest first, filtered and searched by name or email."""
    query = (query or "").strip().lower()
    stmt = _pipeline(stage in STAGES, bool(service_type_id), flagged, bool(query))
    return paginate(stmt, page, per_page,
                    params={"stage": stage, "vacancy": service_type_id, "q": contains_pattern(query)})


def get_application(application_id: int) -> Application:
    app = db.session.get(Application, application_id)
    if app is None:
        raise NotFound(_l("There is no such application."))
    return app


def notes(application_id: int) -> list[ApplicationNote]:
    """The application's log, newest first."""
    return list(db.session.scalars(
        select(ApplicationNote).where(ApplicationNote.application_id == application_id)
        .order_by(ApplicationNote.created_at.desc(), ApplicationNote.id.desc())))


def add_note(application_id: int, text: str, by: people.User) -> ApplicationNote:
    """A manager writes down what happened ("called on Tuesday, will take the test")."""
    text = _text(text, "text", 2000, _l("Write the note first."))
    with transaction():
        app = get_application(application_id)
        note = ApplicationNote(application_id=app.id, author=by.name, text=text, created_at=clock.now())
        db.session.add(note)
    return note


def _open(application_id: int, *stages: str) -> Application:
    """The application, locked, if it is at one of ``stages``; else a clear refusal."""
    app = locked(Application, Application.id == application_id)
    if app is None:
        raise NotFound(_l("There is no such application."))
    if app.stage not in stages:
        raise Conflict(_l("This application has moved on meanwhile. Reload the page."))
    return app


def mark_contacted(application_id: int, by: people.User) -> Application:
    """A manager has been in touch with a new applicant."""
    with transaction():
        app = _open(application_id, "new")
        _set_stage(app, "contacted")
        _log(app, by.name, "contacted")
        _email(app, "applicant_contacted")
    return app


def accept(application_id: int, strengths: list[str], weaknesses: list[str], by: people.User) -> Application:
    """Hire: ``applicant.accepted`` lets the people context create the worker account."""
    known = {s.code for s in orders.list_service_types()}
    strengths, weaknesses = sorted(set(strengths) & known), sorted(set(weaknesses) & known)
    if set(strengths) & set(weaknesses):
        raise DomainError(_l("A service cannot be both a strength and a weakness."), field="weaknesses")
    with transaction():
        app = _open(application_id, "test_taken")
        app.strengths, app.weaknesses = strengths, weaknesses
        _set_stage(app, "accepted")
        _log(app, by.name, "accepted")
        publish("applicant.accepted", {
            "application_id": app.id, "email": app.email, "name": app.name, "language": app.language,
            "age": app.age, "breed": app.breed, "fur_colour": app.fur_colour, "about": app.about,
            "strengths": strengths, "weaknesses": weaknesses, "by": by.id,
        })
        _email(app, "applicant_accepted")
    return app


def reject(application_id: int, reason: str, by: people.User) -> Application:
    """Say no, politely, with an optional reason the applicant reads."""
    reason = _text(reason, "reason", 1000)
    with transaction():
        app = _open(application_id, *[s for s in STAGES if s not in FINAL_STAGES])
        app.reject_reason = reason
        _set_stage(app, "rejected")
        db.session.execute(update(Attempt).where(Attempt.application_id == app.id, Attempt.started_at.is_(None),
                                                 Attempt.withdrawn_at.is_(None)).values(withdrawn_at=clock.now()))
        if reason:
            _log(app, by.name, "rejected_because", reason=reason)
        else:
            _log(app, by.name, "rejected")
        _email(app, "applicant_rejected", reason=reason)
    return app


# --- hiring, for the people context's consumer of applicant.accepted ---------------------

def hired_photo(application_id: int) -> bytes | None:
    """The re-encoded photo the new worker's profile starts with."""
    photo = photo_of(application_id)
    return photo.data if photo else None


def record_hired(application_id: int, worker_id: int | None, problem: object = "") -> None:
    """Note on the application which worker account hiring made (or why it could not: a
    domain error's lazy message is kept as its code, to be read in the reader's language)."""
    with transaction():
        app = get_application(application_id)
        if worker_id is not None:
            app.worker_id = worker_id
            _log(app, None, "worker_created")
        else:
            _log(app, None, "worker_not_created", why=problem)


# --- the managers' digest --------------------------------------------------------------------

def notify_managers(limit: int = 500) -> int:
    """Email every manager one digest of the applications no digest has mentioned yet.

    Claiming and queueing happen in one transaction, so running it twice (two schedulers,
    a retry) mentions each application once.
    """
    with transaction():
        found = list(db.session.scalars(
            select(Application).where(Application.notified_at.is_(None))
            .order_by(Application.id).limit(limit).with_for_update(skip_locked=True)))
        if not found:
            return 0
        now = clock.now()
        for app in found:
            app.notified_at = now
        link = external_url("managers.applications")
        for manager in people.search_people("manager", "", 1, per_page=100).items:
            if manager.active:
                notifications.queue_email(manager.email, "applicant_digest", manager.language, time_zone=manager.time_zone,
                                          name=manager.name, applications=found, link=link)
    return len(found)


def link_days() -> int:
    """How long a personal test link stays good (``APPLICANT_LINK_DAYS``)."""
    return current_app.config["APPLICANT_LINK_DAYS"]
