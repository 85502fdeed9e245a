from __future__ import annotations

from sqlalchemy import (
    JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db

ROLES = ("client", "worker", "manager", "warehouse")
LANGUAGES = ("en", "ru")


class User(db.Model):
    """Every account: clients, workers, managers and warehouse staff."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # stored lower-case
    # None until an invited worker or staff member sets a password.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    role: Mapped[str] = mapped_column(String(20), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300), default="")
    language: Mapped[str] = mapped_column(String(5), default="en")
    # An IANA zone (Europe/Berlin); None: the portal's zone, whatever it is configured to.
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    deactivated_at = mapped_column(UTCDateTime, nullable=True)
    # When the owner was last emailed about failed sign-ins (at most one such email a day).
    login_alert_at = mapped_column(UTCDateTime, nullable=True)

    worker_profile: Mapped["WorkerProfile | None"] = relationship(
        back_populates="user", uselist=False, lazy="raise"
    )

    __table_args__ = (
        Index("ix_users_role_created", "role", "created_at"),
        Index("ix_users_created_id", "created_at", "id"),  # the managers' people list, newest first
    )

    # Flask-Login protocol
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class Photo(db.Model):
    """A re-encoded portrait (workers, applicants' photos once hired)."""

    __tablename__ = "people_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    created_at = mapped_column(UTCDateTime, nullable=False)


class WorkerProfile(db.Model):
    """What hiring learned about a worker; orders and matching read it."""

    __tablename__ = "worker_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    age: Mapped[int | None] = mapped_column(Integer, nullable=True)
    breed: Mapped[str] = mapped_column(String(80), default="")
    fur_colour: Mapped[str] = mapped_column(String(80), default="")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("people_photos.id"), nullable=True)
    # Service-type codes the worker is good or weak at, from the tests.
    strengths: Mapped[list] = mapped_column(JSON, default=list)
    weaknesses: Mapped[list] = mapped_column(JSON, default=list)
    about: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(back_populates="worker_profile", lazy="raise")


class LoginSession(db.Model):
    """A signed-in browser. Logging out revokes it, so a copied cookie is useless after."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    revoked_at = mapped_column(UTCDateTime, nullable=True)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")


class LoginAttempt(db.Model):
    """A sign-in attempt, written before the password is checked, so that parallel tries are
    counted against the throttle too; right passwords do not count."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at = mapped_column(UTCDateTime, nullable=False)
    # pending (being checked), failed, refused (throttled: a guess too), ok (the right password)
    outcome: Mapped[str] = mapped_column(String(10), default="pending")
    # The address had signed in to this account before: never slowed when the account is attacked.
    known_address: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )


class PendingRegistration(db.Model):
    """A client sign-up waiting for its emailed link: the account exists only once it is followed.

    A sign-up with an address that already has an account is kept too (without a password,
    its link never sent), so that the emails one address gets from sign-ups can be capped.
    """

    __tablename__ = "pending_registrations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(300))
    language: Mapped[str] = mapped_column(String(5))
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)  # the browser's, if known
    # None: the address had an account, its owner was sent a note instead of a link.
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    used_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_pending_registrations_email_created", "email", "created_at"),)


class PasswordToken(db.Model):
    """A one-time link to set a password (invitations, hired workers)."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    used_at = mapped_column(UTCDateTime, nullable=True)
