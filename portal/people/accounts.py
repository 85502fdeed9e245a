"""Accounts: registration, login, sessions, invitations, profiles, deactivation.

The people context is the only writer of its tables; everything here runs in one
transaction per operation and refuses bad input with a DomainError naming the form
field it belongs to, before anything is written.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import clock, notifications
from portal.db import db, locked, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.events import publish
from portal.images import reencode
from portal.people.models import (
    LANGUAGES, ROLES, LoginFailure, LoginSession, PasswordToken, User, WorkerProfile,
)
from portal.people.passwords import hash_password, verify_password
from portal.people.photos import store_photo
from portal.urls import external_url

MIN_PASSWORD = 8
MAX_PASSWORD = 200
STAFF_ROLES = ("manager", "warehouse")
PASSWORD_LINK_DAYS = 7
# Deliberately loose: the address is proven by the email we send, not by a pattern.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

EMAIL_TAKEN = _l("An account with this email already exists.")
LINK_UNUSABLE = _l("This link has expired or was already used.")


class InvalidLogin(DomainError):
    status_code = 401


class LoginThrottled(DomainError):
    status_code = 429

    def __init__(self, message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


# --- checks: each refuses with the form field it belongs to -------------------------

def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    """Emails are compared and stored lower-case, so Tom@X and tom@x are one account."""
    return (email or "").strip().lower()


def valid_email(email: str) -> str:
    """The email, normalised, if it looks like an address (forms check with this too)."""
    email = normalize_email(email)
    if len(email) > 254 or not _EMAIL_SHAPE.fullmatch(email):
        raise DomainError(_l("This does not look like an email address."), field="email")
    return email


def _valid_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DomainError(_l("Tell us your name."), field="name")
    if len(name) > 120:
        raise DomainError(_l("Use at most %(n)s characters.", n=120), field="name")
    return name


def _valid_address(address: str, required: bool) -> str:
    address = (address or "").strip()
    if required and not address:
        raise DomainError(_l("Where should workers come? Enter your address."), field="address")
    if len(address) > 300:
        raise DomainError(_l("Use at most %(n)s characters.", n=300), field="address")
    return address


def _valid_language(language: str) -> str:
    if language not in LANGUAGES:
        raise DomainError(_l("Unknown language."), field="language")
    return language


def _new_password_hash(password: str, field: str = "password") -> str:
    """Hash a new password after checking its length (hashing is slow: call it before the transaction)."""
    if not MIN_PASSWORD <= len(password or "") <= MAX_PASSWORD:
        raise DomainError(_l("Use %(min)s to %(max)s characters.", min=MIN_PASSWORD, max=MAX_PASSWORD),
                          field=field)
    return hash_password(password)


def _public(user: User) -> dict:
    """What other contexts may follow of an account (no secrets)."""
    return {
        "user_id": user.id, "role": user.role, "email": user.email, "name": user.name,
        "address": user.address, "language": user.language, "active": user.active,
    }


# --- creating accounts ---------------------------------------------------------------

def _new_account(role: str, email: str, name: str, language: str, *,
                 password_hash: str | None = None, address: str = "") -> User:
    """Insert an account in the current transaction; a taken email is refused."""
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(EMAIL_TAKEN, field="email")
    user = User(email=email, password_hash=password_hash, role=role, name=name, address=address,
                language=language, active=True, created_at=clock.now())
    db.session.add(user)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Two sign-ups with one email at the same moment: the unique index decides.
        raise DomainError(EMAIL_TAKEN, field="email") from None
    return user


def _issue_password_link(user: User) -> str:
    """A one-time set-password link for ``user`` (only its digest is stored)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    db.session.add(PasswordToken(token_hash=_digest(token), user_id=user.id, created_at=now,
                                 expires_at=now + timedelta(days=PASSWORD_LINK_DAYS)))
    return external_url("auth.set_password", token=token)


def register_client(email: str, password: str, name: str, address: str, language: str = "en") -> User:
    """A cat signs up as a client: account, ``client.registered`` and a welcome email."""
    email, name = valid_email(email), _valid_name(name)
    address, language = _valid_address(address, required=True), _valid_language(language)
    password_hash = _new_password_hash(password)
    with transaction():
        user = _new_account("client", email, name, language, password_hash=password_hash,
                            address=address)
        publish("client.registered", _public(user))
        notifications.queue_email(user.email, "welcome", user.language, name=user.name)
    return user


def create_manager(email: str, password: str, name: str = "", language: str = "en") -> User:
    """The first manager, from the command line (``flask create-manager``)."""
    email = valid_email(email)
    name, language = _valid_name(name or email.split("@")[0]), _valid_language(language)
    password_hash = _new_password_hash(password)
    with transaction():
        user = _new_account("manager", email, name, language, password_hash=password_hash)
        publish("manager.created", _public(user))
    return user


def invite_staff(role: str, email: str, name: str, language: str, by: User) -> User:
    """A manager creates a manager or warehouse account; the new member sets a password by email."""
    if role not in STAFF_ROLES:
        raise DomainError(_l("Staff are managers or warehouse staff."), field="role")
    email, name, language = valid_email(email), _valid_name(name), _valid_language(language)
    with transaction():
        user = _new_account(role, email, name, language)
        publish(f"{role}.invited", _public(user) | {"by": by.id})
        notifications.queue_email(user.email, "invitation", user.language, name=user.name,
                                  role=role, link=_issue_password_link(user), inviter=by.name)
    return user


def add_worker(
    email: str, name: str, language: str = "en", *, age: int | None = None, breed: str = "",
    fur_colour: str = "", photo: bytes | None = None, strengths: list | None = None,
    weaknesses: list | None = None, about: str = "", by: User | None = None,
) -> User:
    """Create a worker (by a manager now, by hiring later); they set a password by email.

    ``photo`` is the uploaded file as it came: it is checked and re-encoded here.
    """
    email, name, language = valid_email(email), _valid_name(name), _valid_language(language)
    if age is not None and not 0 <= age <= 40:
        raise DomainError(_l("Age is 0 to 40 years."), field="age")
    clean = reencode(photo) if photo else None  # CPU work before the transaction starts
    with transaction():
        user = _new_account("worker", email, name, language)
        db.session.add(WorkerProfile(
            user_id=user.id, age=age, breed=breed.strip(), fur_colour=fur_colour.strip(),
            photo_id=store_photo(clean).id if clean else None,
            strengths=list(strengths or []), weaknesses=list(weaknesses or []), about=about.strip(),
        ))
        publish("worker.added", _public(user) | {"by": by.id if by else None})
        notifications.queue_email(user.email, "worker_welcome", user.language, name=user.name,
                                  link=_issue_password_link(user))
    return user


# --- set-password links --------------------------------------------------------------

def _usable_link(token: str, lock: bool = False) -> PasswordToken | None:
    criterion = PasswordToken.token_hash == _digest(token)
    row = locked(PasswordToken, criterion) if lock else db.session.scalar(select(PasswordToken).where(criterion))
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    return row


def password_token_user(token: str) -> User | None:
    """The active account a set-password link is for, if the link is still good."""
    row = _usable_link(token)
    user = db.session.get(User, row.user_id) if row else None
    return user if user is not None and user.active else None


def set_password_with_token(token: str, password: str) -> User:
    """Use a one-time link to set a password; every earlier session of the account ends."""
    password_hash = _new_password_hash(password)
    with transaction():
        row = _usable_link(token, lock=True)
        user = db.session.get(User, row.user_id) if row else None
        if user is None or not user.active:
            raise DomainError(LINK_UNUSABLE)
        row.used_at = clock.now()
        user.password_hash = password_hash
        _revoke_sessions(user.id)
    return user


# --- signing in ----------------------------------------------------------------------

def _recent_failures(email: str, address: str, since) -> tuple[int, int]:
    by_email = db.session.scalar(
        select(func.count(LoginFailure.id)).where(LoginFailure.email == email, LoginFailure.at > since)
    )
    by_address = db.session.scalar(
        select(func.count(LoginFailure.id)).where(LoginFailure.address == address, LoginFailure.at > since)
    )
    return by_email, by_address


def authenticate(email: str, password: str, address: str) -> User:
    """Check a login. After LOGIN_FAILURE_LIMIT failures in the window, an account or an
    address is refused (429) until the window has passed."""
    cfg = current_app.config
    window = timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW"])
    email = normalize_email(email)
    now = clock.now()
    if max(_recent_failures(email, address, now - window)) >= cfg["LOGIN_FAILURE_LIMIT"]:
        raise LoginThrottled(
            _l("Too many failed sign-ins. Please wait %(minutes)s minutes and try again.",
               minutes=int(window.total_seconds() // 60)),
            retry_after=int(window.total_seconds()),
        )
    user = db.session.scalar(select(User).where(User.email == email))
    # verify_password spends the same time on a missing account as on a wrong password.
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        with transaction():
            db.session.add(LoginFailure(email=email[:254], address=address[:64], at=now))
        # One answer whether or not the account exists (or is deactivated).
        raise InvalidLogin(_l("Wrong email or password."))
    return user


def open_session(user: User, address: str = "", user_agent: str = "") -> str:
    """Start a signed-in session; returns the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    lifetime = timedelta(seconds=current_app.config["SESSION_LIFETIME"])
    with transaction():
        db.session.add(LoginSession(
            token_hash=_digest(token), user_id=user.id, created_at=clock.now(),
            expires_at=clock.now() + lifetime, address=address[:64], user_agent=user_agent[:300],
        ))
    return token


def session_user(user_id: int, token: str | None) -> User | None:
    """The user of a live session, or None (revoked, expired, deactivated, wrong user)."""
    if not token:
        return None
    return db.session.scalar(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            LoginSession.token_hash == _digest(token), LoginSession.user_id == user_id,
            LoginSession.revoked_at.is_(None), LoginSession.expires_at > clock.now(),
            User.active.is_(True),
        )
    )


def close_session(token: str | None) -> None:
    """Sign out: the session can never be used again."""
    if not token:
        return
    with transaction():
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == _digest(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=clock.now())
        )


def _revoke_sessions(user_id: int, keep_token: str | None = None) -> None:
    """End every live session of a user, except the one carrying ``keep_token``."""
    stmt = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(LoginSession.token_hash != _digest(keep_token))
    db.session.execute(stmt.values(revoked_at=clock.now()))


def purge_expired(before_days: int = 30) -> int:
    """Delete sessions, login failures and set-password links nobody needs any more."""
    cutoff = clock.now() - timedelta(days=before_days)
    with transaction():
        n = db.session.query(LoginSession).filter(LoginSession.expires_at < cutoff).delete()
        n += db.session.query(LoginFailure).filter(LoginFailure.at < cutoff).delete()
        n += db.session.query(PasswordToken).filter(PasswordToken.expires_at < cutoff).delete()
    return n


# --- reading -------------------------------------------------------------------------

def get_user(user_id: int) -> User:
    """An account by id; NotFound if there is none."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such account."))
    return user


def _locked_user(user_id: int) -> User:
    """An account locked for the rest of the transaction, read fresh; NotFound if there is none."""
    user = locked(User, User.id == user_id)
    if user is None:
        raise NotFound(_l("No such account."))
    return user


def get_person(user_id: int) -> User | None:
    """An account with its worker profile loaded (None for other roles), for a person page."""
    return db.session.scalar(
        select(User).options(joinedload(User.worker_profile)).where(User.id == user_id)
    )


def worker_profile(user_id: int) -> WorkerProfile | None:
    """What hiring learned about a worker (None for other roles)."""
    return db.session.get(WorkerProfile, user_id)


def search_people(role: str | None, query: str, page: int, per_page: int = 25):
    """People for the managers' list: filter by role, search name or email, newest first."""
    stmt = select(User)
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    q = (query or "").strip().lower()
    if q:
        # autoescape: a "%" or "_" typed in the search box is a character, not a wildcard.
        stmt = stmt.where(or_(func.lower(User.name).contains(q, autoescape=True),
                              User.email.contains(q, autoescape=True)))
    return db.paginate(stmt.order_by(User.created_at.desc(), User.id.desc()), page=page,
                       per_page=per_page, error_out=False)


def counts_by_role() -> dict[str, int]:
    """How many active accounts each role has."""
    rows = db.session.execute(
        select(User.role, func.count(User.id)).where(User.active.is_(True)).group_by(User.role)
    )
    counts = {r: 0 for r in ROLES}
    counts.update({role: n for role, n in rows})
    return counts


# --- one's own account ---------------------------------------------------------------

def update_profile(user_id: int, name: str, address: str, language: str) -> User:
    """Anyone edits their own name, address and language; ``<role>.updated`` tells the others."""
    name, language = _valid_name(name), _valid_language(language)
    with transaction():
        user = _locked_user(user_id)
        # A client's address is where workers go, so a client cannot blank it.
        address = _valid_address(address, required=user.role == "client")
        if (user.name, user.address, user.language) != (name, address, language):
            user.name, user.address, user.language = name, address, language
            publish(f"{user.role}.updated", _public(user))
    return user


def set_language(user_id: int, language: str) -> None:
    """Remember the language a signed-in user picked in the header."""
    language = _valid_language(language)
    with transaction():
        user = _locked_user(user_id)
        if user.language != language:
            user.language = language
            publish(f"{user.role}.updated", _public(user))


def change_password(user_id: int, old: str, new: str, keep_token: str | None = None) -> None:
    """Change one's password knowing the old one; other signed-in browsers are signed out."""
    user = get_user(user_id)
    if not verify_password(user.password_hash, old or ""):
        raise DomainError(_l("The current password is not right."), field="old_password")
    password_hash = _new_password_hash(new, field="new_password")
    checked = user.password_hash
    with transaction():
        user = _locked_user(user_id)
        if user.password_hash != checked:  # changed in another tab meanwhile: the old one is gone
            raise Conflict(_l("Your password was changed meanwhile: enter the new one as the current password."))
        user.password_hash = password_hash
        _revoke_sessions(user.id, keep_token=keep_token)


# --- managers ------------------------------------------------------------------------

def set_active(user_id: int, active: bool, by: User) -> User:
    """A manager deactivates (or reactivates) an account; deactivation signs it out everywhere."""
    with transaction():
        user = _locked_user(user_id)
        if user.id == by.id and not active:
            raise DomainError(_l("You cannot deactivate your own account."))
        if user.active == active:
            return user
        user.active = active
        user.deactivated_at = None if active else clock.now()
        if not active:
            _revoke_sessions(user.id)
        publish(f"{user.role}.{'reactivated' if active else 'deactivated'}", _public(user) | {"by": by.id})
    return user
