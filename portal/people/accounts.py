"""Accounts: registration, login, sessions, invitations, profiles, deactivation."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update

from portal import clock, notifications
from portal.db import db, transaction
from portal.errors import DomainError, NotFound
from portal.events import publish
from portal.people.models import (
    LANGUAGES, ROLES, LoginFailure, LoginSession, PasswordToken, User, WorkerProfile,
)
from portal.people.passwords import hash_password, verify_password
from portal.urls import external_url

MIN_PASSWORD = 8


class InvalidLogin(DomainError):
    status_code = 401


class LoginThrottled(DomainError):
    status_code = 429

    def __init__(self, message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _check_password_strength(password: str, field: str = "password") -> None:
    if len(password or "") < MIN_PASSWORD:
        raise DomainError(_l("Use at least %(n)s characters.", n=MIN_PASSWORD), field=field)


def _check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise DomainError(_l("Unknown language."), field="language")
    return language


def _email_free(email: str) -> None:
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(_l("An account with this email already exists."), field="email")


def _public(user: User) -> dict:
    """What other contexts may follow of an account (no secrets)."""
    return {
        "user_id": user.id, "role": user.role, "email": user.email, "name": user.name,
        "address": user.address, "language": user.language, "active": user.active,
    }


def register_client(email: str, password: str, name: str, address: str, language: str = "en") -> User:
    """A cat signs up as a client."""
    email = normalize_email(email)
    _check_password_strength(password)
    with transaction():
        _email_free(email)
        user = User(
            email=email, password_hash=hash_password(password), role="client",
            name=name.strip(), address=address.strip(), language=_check_language(language),
            active=True, created_at=clock.now(),
        )
        db.session.add(user)
        db.session.flush()
        publish("client.registered", _public(user))
        notifications.queue_email(user.email, "welcome", user.language, name=user.name)
    return user


def create_manager(email: str, password: str, name: str = "", language: str = "en") -> User:
    """The first manager, from the command line."""
    email = normalize_email(email)
    _check_password_strength(password)
    with transaction():
        _email_free(email)
        user = User(
            email=email, password_hash=hash_password(password), role="manager",
            name=name or email.split("@")[0], address="", language=_check_language(language),
            active=True, created_at=clock.now(),
        )
        db.session.add(user)
        db.session.flush()
        publish("manager.created", _public(user))
    return user


def _issue_password_token(user: User, days: int = 7) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(PasswordToken(
        token_hash=_digest(token), user_id=user.id, created_at=clock.now(),
        expires_at=clock.now() + timedelta(days=days),
    ))
    return token


def invite_staff(role: str, email: str, name: str, language: str, by: User) -> User:
    """A manager creates a manager or warehouse account; the new member sets a password by email."""
    if role not in ("manager", "warehouse"):
        raise DomainError(_l("Staff are managers or warehouse staff."), field="role")
    email = normalize_email(email)
    with transaction():
        _email_free(email)
        user = User(
            email=email, password_hash=None, role=role, name=name.strip(), address="",
            language=_check_language(language), active=True, created_at=clock.now(),
        )
        db.session.add(user)
        db.session.flush()
        token = _issue_password_token(user)
        publish("staff.created", _public(user) | {"by": by.id})
        notifications.queue_email(
            user.email, "invitation", user.language, name=user.name, role=role,
            link=external_url("auth.set_password", token=token), inviter=by.name,
        )
    return user


def add_worker(
    email: str, name: str, language: str, *, age: int | None = None, breed: str = "",
    fur_colour: str = "", photo_id: int | None = None, strengths: list | None = None,
    weaknesses: list | None = None, about: str = "", by: User | None = None,
    event_id: str | None = None,
) -> User:
    """Create a worker (by a manager now, by hiring later); they set a password by email."""
    email = normalize_email(email)
    with transaction():
        _email_free(email)
        user = User(
            email=email, password_hash=None, role="worker", name=name.strip(), address="",
            language=_check_language(language), active=True, created_at=clock.now(),
        )
        db.session.add(user)
        db.session.flush()
        db.session.add(WorkerProfile(
            user_id=user.id, age=age, breed=breed.strip(), fur_colour=fur_colour.strip(),
            photo_id=photo_id, strengths=list(strengths or []), weaknesses=list(weaknesses or []),
            about=about,
        ))
        token = _issue_password_token(user)
        publish("worker.added", _public(user) | {"by": by.id if by else None})
        notifications.queue_email(
            user.email, "worker_welcome", user.language, name=user.name,
            link=external_url("auth.set_password", token=token),
        )
    return user


def password_token_user(token: str) -> User | None:
    """The account a set-password link is for, if the link is still good."""
    row = db.session.scalar(select(PasswordToken).where(PasswordToken.token_hash == _digest(token)))
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    return db.session.get(User, row.user_id)


def set_password_with_token(token: str, password: str) -> User:
    """Use a one-time link to set a password."""
    _check_password_strength(password)
    with transaction():
        row = db.session.scalar(
            select(PasswordToken).where(PasswordToken.token_hash == _digest(token)).with_for_update()
        )
        if row is None or row.used_at is not None or row.expires_at <= clock.now():
            raise DomainError(_l("This link has expired or was already used."))
        row.used_at = clock.now()
        user = db.session.get(User, row.user_id)
        user.password_hash = hash_password(password)
        _revoke_all_sessions(user.id)
    return user


def _recent_failures(email: str, address: str, since) -> tuple[int, int]:
    by_email = db.session.scalar(
        select(func.count(LoginFailure.id)).where(LoginFailure.email == email, LoginFailure.at > since)
    )
    by_address = db.session.scalar(
        select(func.count(LoginFailure.id)).where(LoginFailure.address == address, LoginFailure.at > since)
    )
    return by_email, by_address


def authenticate(email: str, password: str, address: str) -> User:
    """Check a login. Ten failures in the window for an account or an address lock it out."""
    cfg = current_app.config
    window = timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW"])
    limit = cfg["LOGIN_FAILURE_LIMIT"]
    email = normalize_email(email)
    now = clock.now()
    by_email, by_address = _recent_failures(email, address, now - window)
    if by_email >= limit or by_address >= limit:
        raise LoginThrottled(
            _l("Too many failed sign-ins. Please wait 15 minutes and try again."),
            retry_after=int(window.total_seconds()),
        )
    user = db.session.scalar(select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        with transaction():
            db.session.add(LoginFailure(email=email, address=address, at=now))
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


def _revoke_all_sessions(user_id: int) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def purge_expired(before_days: int = 30) -> int:
    """Delete sessions and login failures nobody needs any more."""
    cutoff = clock.now() - timedelta(days=before_days)
    with transaction():
        n = db.session.query(LoginSession).filter(LoginSession.expires_at < cutoff).delete()
        n += db.session.query(LoginFailure).filter(LoginFailure.at < cutoff).delete()
    return n


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such account."))
    return user


def update_profile(user_id: int, name: str, address: str, language: str) -> User:
    """Anyone edits their own name, address and language."""
    with transaction():
        user = get_user(user_id)
        user.name = name.strip()
        user.address = address.strip()
        user.language = _check_language(language)
        publish(f"{user.role}.updated", _public(user))
    return user


def set_language(user_id: int, language: str) -> None:
    with transaction():
        user = get_user(user_id)
        if user.language != language:
            user.language = _check_language(language)
            publish(f"{user.role}.updated", _public(user))


def change_password(user_id: int, old: str, new: str, keep_token: str | None = None) -> None:
    """Change one's password knowing the old one; other signed-in browsers are signed out."""
    with transaction():
        user = get_user(user_id)
        if not verify_password(user.password_hash, old):
            raise DomainError(_l("The current password is not right."), field="old_password")
        _check_password_strength(new, field="new_password")
        user.password_hash = hash_password(new)
        q = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        if keep_token:
            q = q.where(LoginSession.token_hash != _digest(keep_token))
        db.session.execute(q.values(revoked_at=clock.now()))


def set_active(user_id: int, active: bool, by: User) -> User:
    """A manager deactivates (or reactivates) an account; deactivation signs it out everywhere."""
    with transaction():
        user = get_user(user_id)
        if user.id == by.id and not active:
            raise DomainError(_l("You cannot deactivate your own account."))
        if user.active == active:
            return user
        user.active = active
        user.deactivated_at = None if active else clock.now()
        if not active:
            _revoke_all_sessions(user.id)
        publish(f"{user.role}.{'reactivated' if active else 'deactivated'}", _public(user) | {"by": by.id})
    return user


def search_people(role: str | None, query: str, page: int, per_page: int = 25):
    """People for the managers' list: filter by role, search name or email, newest first."""
    stmt = select(User)
    if role in ROLES:
        stmt = stmt.where(User.role == role)
    q = (query or "").strip().lower()
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(func.lower(User.name).like(like), User.email.like(like)))
    return db.paginate(stmt.order_by(User.created_at.desc(), User.id.desc()), page=page,
                       per_page=per_page, error_out=False)


def counts_by_role() -> dict[str, int]:
    rows = db.session.execute(
        select(User.role, func.count(User.id)).where(User.active.is_(True)).group_by(User.role)
    )
    counts = {r: 0 for r in ROLES}
    counts.update({role: n for role, n in rows})
    return counts
