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
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from portal import clock, notifications, timezones
from portal.db import db, locked, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.events import publish
from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_ngettext
from portal.images import reencode
from portal.paging import paginate
from portal.people.models import (
    LANGUAGES,
    ROLES,
    LoginAttempt,
    LoginSession,
    PasswordToken,
    PendingRegistration,
    User,
    WorkerProfile,
)
from portal.people.passwords import hash_password, verify_password
from portal.people.photos import store_photo
from portal.urls import external_url

MIN_PASSWORD = 8
MAX_PASSWORD = 200
STAFF_ROLES = ("manager", "warehouse")
PASSWORD_LINK_DAYS = 7
REGISTRATION_LINK_HOURS = 48
# Sign-ups with one address that get an email in a day: nobody can flood a mailbox from the form.
SIGN_UP_EMAILS_PER_DAY = 3
# An owner hears about failed sign-ins on their account at most once in this time.
LOGIN_ALERT_INTERVAL = timedelta(hours=24)
# Deliberately loose: the address is proven by the email we send, not by a pattern.
_EMAIL_SHAPE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

EMAIL_TAKEN = _l("An account with this email already exists.")
LINK_UNUSABLE = _l("This link has expired or was already used.")


class InvalidLogin(DomainError):
    status_code = 401


class AccountDeactivated(DomainError):
    """The right password for an account a manager has deactivated."""

    status_code = 403


class LoginThrottled(DomainError):
    status_code = 429

    def __init__(self, message, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


DEACTIVATED = _l("This account is deactivated. If you think this is a mistake, contact MCF.")


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


def _valid_time_zone(time_zone: str | None) -> str | None:
    """An IANA zone from the list, or None (blank: the portal's zone)."""
    if not (time_zone or "").strip():
        return None
    if (valid := timezones.valid_zone(time_zone)) is None:
        raise DomainError(_l("Choose a time zone from the list, e.g. Europe/Moscow."), field="time_zone")
    return valid


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
                 password_hash: str | None = None, address: str = "", time_zone: str | None = None) -> User:
    """Insert an account in the current transaction; a taken email is refused."""
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise DomainError(EMAIL_TAKEN, field="email")
    user = User(email=email, password_hash=password_hash, role=role, name=name, address=address,
                language=language, time_zone=time_zone, active=True, created_at=clock.now())
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


def _open_client_account(email: str, name: str, address: str, language: str, password_hash: str,
                         time_zone: str | None = None) -> User:
    with transaction():
        user = _new_account("client", email, name, language, password_hash=password_hash,
                            address=address, time_zone=time_zone)
        publish("client.registered", _public(user))
        notifications.queue_email(user.email, "welcome", user.language, time_zone=user.time_zone, name=user.name)
    return user


def register_client(email: str, password: str, name: str, address: str, language: str = "en",
                    time_zone: str | None = None) -> User:
    """A client account at once, for callers that know the address is theirs (demo, tests);
    the public sign-up goes through ``request_registration``."""
    email, name = valid_email(email), _valid_name(name)
    address, language = _valid_address(address, required=True), _valid_language(language)
    return _open_client_account(email, name, address, language, _new_password_hash(password),
                                timezones.valid_zone(time_zone))


def request_registration(email: str, password: str, name: str, address: str, language: str = "en",
                         time_zone: str | None = None) -> None:
    """A cat asks for a client account; the address is emailed a link that opens it.

    An address that already has an account is emailed a note saying so instead; the page
    and the time taken are the same either way, so nobody learns who has an account. An
    address gets at most SIGN_UP_EMAILS_PER_DAY of these emails a day.
    ``time_zone`` is the browser's where known; one the portal does not know is ignored (the
    portal's zone then applies, and the client may choose one on the account page).
    """
    email, name = valid_email(email), _valid_name(name)
    address, language = _valid_address(address, required=True), _valid_language(language)
    time_zone = timezones.valid_zone(time_zone)
    password_hash = _new_password_hash(password)
    token = secrets.token_urlsafe(32)
    with transaction():
        now = clock.now()
        earlier = db.session.scalar(select(func.count()).select_from(PendingRegistration).where(
            PendingRegistration.email == email, PendingRegistration.created_at > now - timedelta(days=1)))
        if earlier >= SIGN_UP_EMAILS_PER_DAY:
            return  # the mailbox has enough from us today; the page says the same
        owner = db.session.scalar(select(User).where(User.email == email))
        db.session.add(PendingRegistration(
            token_hash=_digest(token), email=email, name=name, address=address, language=language,
            time_zone=time_zone, password_hash=None if owner else password_hash, created_at=now,
            expires_at=now + timedelta(hours=REGISTRATION_LINK_HOURS)))
        if owner is not None:
            notifications.queue_email(owner.email, "registration_existing", owner.language,
                                      name=owner.name, sign_in=external_url("auth.login"))
            return
        notifications.queue_email(email, "registration_confirm", language, name=name,
                                  link=external_url("auth.confirm_registration", token=token),
                                  hours=REGISTRATION_LINK_HOURS)


def _usable_registration(token: str, lock: bool = False) -> PendingRegistration | None:
    criteria = (PendingRegistration.token_hash == _digest(token),)
    row = (locked(PendingRegistration, *criteria) if lock
           else db.session.scalar(select(PendingRegistration).where(*criteria)))
    if row is None or row.password_hash is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    return row


def pending_registration(token: str) -> PendingRegistration | None:
    """The sign-up an emailed confirmation link is for, while the link is good."""
    return _usable_registration(token)


def confirm_registration(token: str, password: str) -> User:
    """Open the client account of an emailed link; the password chosen at sign-up proves that
    whoever follows the link also made the request (nobody opens an account for someone else)."""
    row = _usable_registration(token)
    if row is None:
        raise DomainError(LINK_UNUSABLE)
    if not verify_password(row.password_hash, password or ""):
        raise DomainError(_l("This is not the password you chose when you signed up."), field="password")
    with transaction():
        row = _usable_registration(token, lock=True)
        if row is None:
            raise DomainError(LINK_UNUSABLE)
        row.used_at = clock.now()
        user = _open_client_account(row.email, row.name, row.address, row.language, row.password_hash,
                                    row.time_zone)
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
    strengths, weaknesses = _valid_skills(strengths or [], weaknesses or [])
    clean = reencode(photo) if photo else None  # CPU work before the transaction starts
    with transaction():
        user = _new_account("worker", email, name, language)
        db.session.add(WorkerProfile(
            user_id=user.id, age=age, breed=breed.strip(), fur_colour=fur_colour.strip(),
            photo_id=store_photo(clean).id if clean else None,
            strengths=strengths, weaknesses=weaknesses, about=about.strip(),
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

def _throttled(minutes: int) -> LoginThrottled:
    return LoginThrottled(
        lazy_ngettext("Too many failed sign-ins. Please wait %(num)s minute and try again.",
                      "Too many failed sign-ins. Please wait %(num)s minutes and try again.", minutes),
        retry_after=minutes * 60)


def _slowed(seconds: int) -> LoginThrottled:
    return LoginThrottled(
        lazy_ngettext("Someone has been trying many passwords on this account, so sign-ins from new places are "
                      "slowed down. Please wait %(num)s second and try again.",
                      "Someone has been trying many passwords on this account, so sign-ins from new places are "
                      "slowed down. Please wait %(num)s seconds and try again.", seconds),
        retry_after=seconds)


def _signed_in_from(user_id: int, address: str) -> bool:
    """Whether this account has signed in from this address before (its owner's places)."""
    return db.session.scalar(select(LoginSession.id).where(
        LoginSession.user_id == user_id, LoginSession.address == address).limit(1)) is not None


def _reserve_attempt(email: str, address: str, known: bool, now) -> int:
    """Write the attempt as pending and commit before counting: of any number of parallel
    requests, the k-th to commit sees at least k attempts, so at most the limit pass."""
    with transaction():
        attempt = LoginAttempt(email=email, address=address, at=now, outcome="pending",
                               known_address=known)
        db.session.add(attempt)
        db.session.flush()
        return attempt.id


def _attempts_counted(email: str, address: str, now, window: timedelta, slow: timedelta):
    """Attempts in the window: of this account from this address and from this address (all
    but right passwords: refused ones too, as they were guesses), of this account (checked or
    being checked), and of this account from unknown addresses in the slow interval (checked)."""
    tried = LoginAttempt.outcome.in_(("pending", "failed"))
    same_email, same_address = LoginAttempt.email == email, LoginAttempt.address == address
    return db.session.execute(select(
        func.count().filter(same_email, same_address),
        func.count().filter(same_address),
        func.count().filter(same_email, tried),
        func.count().filter(same_email, tried, LoginAttempt.known_address.is_(False),
                            LoginAttempt.at > now - slow),
    ).where(LoginAttempt.outcome != "ok", LoginAttempt.at > now - window,
            or_(same_email, same_address))).one()


def _settle_attempt(attempt_id: int, outcome: str | None) -> None:
    """Record how the attempt ended; None forgets it (slowed down: it must not keep the
    account's slow lane busy, or a stranger could hold it shut for the owner)."""
    stmt = (update(LoginAttempt).values(outcome=outcome) if outcome
            else LoginAttempt.__table__.delete())
    db.session.execute(stmt.where(LoginAttempt.id == attempt_id))


def _tell_owner(user_id: int, failures: int, now) -> None:
    """Email the owner that their account is being guessed at, once per LOGIN_ALERT_INTERVAL."""
    owner = locked(User, User.id == user_id)
    if owner is None or (owner.login_alert_at is not None
                         and owner.login_alert_at > now - LOGIN_ALERT_INTERVAL):
        return
    owner.login_alert_at = now
    window = current_app.config["LOGIN_FAILURE_WINDOW"] // 60
    notifications.queue_email(owner.email, "login_failures", owner.language, name=owner.name,
                              failures=failures, minutes=window,
                              slow_seconds=current_app.config["LOGIN_SLOW_SECONDS"],
                              sign_in=external_url("auth.login"))


def authenticate(email: str, password: str, address: str) -> User:
    """Check a login, throttled without letting a stranger lock the owner out.

    Refused (429) for the window: an account from an address after LOGIN_FAILURE_LIMIT
    failures, an address after LOGIN_ADDRESS_FAILURE_LIMIT failures on any accounts. An
    account with LOGIN_FAILURE_LIMIT failures from anywhere is slowed instead, and only for
    addresses it never signed in from: one check per LOGIN_SLOW_SECONDS; its owner is emailed.
    """
    cfg = current_app.config
    limit = cfg["LOGIN_FAILURE_LIMIT"]
    window = timedelta(seconds=cfg["LOGIN_FAILURE_WINDOW"])
    slow = timedelta(seconds=cfg["LOGIN_SLOW_SECONDS"])
    email, address = normalize_email(email)[:254], (address or "unknown")[:64]
    now = clock.now()
    user = db.session.scalar(select(User).where(User.email == email))
    known = user is not None and _signed_in_from(user.id, address)
    attempt_id = _reserve_attempt(email, address, known, now)
    # Every count includes this attempt itself.
    pair, by_address, by_account, slow_lane = _attempts_counted(email, address, now, window, slow)
    if pair > limit or by_address > cfg["LOGIN_ADDRESS_FAILURE_LIMIT"]:
        with transaction():
            _settle_attempt(attempt_id, "refused")
        raise _throttled(int(window.total_seconds() // 60))
    if by_account > limit and not known and slow_lane > 1:
        with transaction():
            _settle_attempt(attempt_id, None)
        raise _slowed(int(slow.total_seconds()))
    # verify_password spends the same time on a missing account as on a wrong password.
    ok = verify_password(user.password_hash if user else None, password)
    with transaction():
        _settle_attempt(attempt_id, "ok" if ok and user is not None else "failed")
        if user is not None and not ok and by_account >= limit:
            _tell_owner(user.id, by_account, now)
    if not ok or user is None:
        # One answer whether or not the account exists.
        raise InvalidLogin(_l("Wrong email or password."))
    if not user.active:
        # Only someone who knows the password learns this.
        raise AccountDeactivated(DEACTIVATED)
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


# Every signed-in request runs this: built once, so a request pays for the query, not for
# building the statement and its cache key again (a tenth of a small page's time).
_SESSION_USER = (
    select(User).join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.user_id == bindparam("user_id"),
           LoginSession.revoked_at.is_(None), LoginSession.expires_at > bindparam("now"), User.active.is_(True))
)


def session_user(user_id: int, token: str | None) -> User | None:
    """The user of a live session, or None (revoked, expired, deactivated, wrong user)."""
    if not token:
        return None
    return db.session.scalar(_SESSION_USER, {"token_hash": _digest(token), "user_id": user_id, "now": clock.now()})


def session_deactivated(user_id: int, token: str | None) -> bool:
    """Whether this browser's session was cut off because a manager deactivated the account."""
    if not token:
        return False
    return db.session.scalar(
        select(User.id).join(LoginSession, LoginSession.user_id == User.id).where(
            LoginSession.token_hash == _digest(token), LoginSession.user_id == user_id,
            User.active.is_(False))
    ) is not None


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


def carry_sessions_over(skipped: timedelta) -> int:
    """The demo clock jumped ``skipped`` ahead: every live sign-in moves with it, so a jump to
    Sunday or the month's end signs nobody out (a session's 14 days are time people lived,
    not time the demo skipped). Returns how many moved."""
    if skipped <= timedelta(0):
        return 0
    with transaction():
        live = list(db.session.scalars(select(LoginSession).where(
            LoginSession.revoked_at.is_(None), LoginSession.expires_at > clock.now())))
        for record in live:  # a handful in a demo; SQLite has no portable interval arithmetic
            record.expires_at = record.expires_at + skipped
    return len(live)


def _revoke_sessions(user_id: int, keep_token: str | None = None) -> None:
    """End every live session of a user, except the one carrying ``keep_token``."""
    stmt = update(LoginSession).where(LoginSession.user_id == user_id, LoginSession.revoked_at.is_(None))
    if keep_token:
        stmt = stmt.where(LoginSession.token_hash != _digest(keep_token))
    db.session.execute(stmt.values(revoked_at=clock.now()))


def purge_expired(before_days: int = 30) -> int:
    """Delete sessions, login attempts, sign-ups and set-password links nobody needs any more."""
    cutoff = clock.now() - timedelta(days=before_days)
    with transaction():
        n = db.session.query(LoginSession).filter(LoginSession.expires_at < cutoff).delete()
        n += db.session.query(LoginAttempt).filter(LoginAttempt.at < cutoff).delete()
        n += db.session.query(PendingRegistration).filter(PendingRegistration.expires_at < cutoff).delete()
        n += db.session.query(PasswordToken).filter(PasswordToken.expires_at < cutoff).delete()
    return n


# --- reading -------------------------------------------------------------------------

def get_user(user_id: int) -> User:
    """An account by id; NotFound if there is none."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(_l("No such account."))
    return user


def get_users(user_ids) -> dict[int, User]:
    """Accounts by id, in one query (a batch; ``get_user`` then finds them in the session)."""
    return {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(set(user_ids))))}


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
    return paginate(stmt.order_by(User.created_at.desc(), User.id.desc()), page, per_page)


def active_accounts_by_role() -> dict[str, Select]:
    """Each role's active accounts, as statements to count."""
    return {role: select(User.id).where(User.role == role, User.active.is_(True)) for role in ROLES}


# --- one's own account ---------------------------------------------------------------

_KEEP = object()


def update_profile(user_id: int, name: str, address: str, language: str, time_zone=_KEEP) -> User:
    """Anyone edits their own name, address, language and time zone (blank: the portal's);
    ``<role>.updated`` tells the others."""
    name, language = _valid_name(name), _valid_language(language)
    if time_zone is not _KEEP:
        time_zone = _valid_time_zone(time_zone)
    with transaction():
        user = _locked_user(user_id)
        # A client's address is where workers go, so a client cannot blank it.
        address = _valid_address(address, required=user.role == "client")
        if time_zone is not _KEEP:
            user.time_zone = time_zone  # followed by nobody else: no event
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

def _valid_skills(strengths: list[str], weaknesses: list[str]) -> tuple[list[str], list[str]]:
    """Service-type codes, each once; a type is a strength or a weakness, never both."""
    strengths, weaknesses = sorted(set(strengths or [])), sorted(set(weaknesses or []))
    if set(strengths) & set(weaknesses):
        raise DomainError(_l("A service type is either a strength or a weakness, not both."), field="weaknesses")
    return strengths, weaknesses


def set_skills(worker_id: int, strengths: list[str], weaknesses: list[str], by: User) -> WorkerProfile:
    """A manager corrects what hiring learned: the service types a worker is strong or weak at.

    Matching reads them at the next match (a weakness rules the worker out of that type).
    """
    strengths, weaknesses = _valid_skills(strengths, weaknesses)
    with transaction():
        profile = locked(WorkerProfile, WorkerProfile.user_id == worker_id)
        if profile is None:
            raise NotFound(_l("There is no such worker."))
        if (sorted(profile.strengths or []), sorted(profile.weaknesses or [])) == (strengths, weaknesses):
            return profile
        profile.strengths, profile.weaknesses = strengths, weaknesses
        publish("worker.skills_changed", {"id": worker_id, "strengths": strengths,
                                          "weaknesses": weaknesses, "by": by.id})
    return profile


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
