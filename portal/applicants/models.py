"""The applicants context's tables: applications and their notes, tests, test sets, attempts."""

from __future__ import annotations

from sqlalchemy import (
    JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, LargeBinary, String, Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import UTCDateTime, db

# The pipeline managers work through (SPEC §11); accepted and rejected are final.
STAGES = ("new", "contacted", "test_assigned", "test_taken", "accepted", "rejected")
FINAL_STAGES = ("accepted", "rejected")
PHOTO_STATES = ("pending", "ok", "refused")


class ApplicantPhoto(db.Model):
    """The photo sent with an application: kept as uploaded until a job re-encodes it."""

    __tablename__ = "applicant_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default="pending")
    content_type: Mapped[str] = mapped_column(String(40))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    problem: Mapped[str] = mapped_column(String(300), default="")
    created_at = mapped_column(UTCDateTime, nullable=False)


class Application(db.Model):
    """One cat who wants to work for MCF; the same email applying again updates it."""

    __tablename__ = "applications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)  # lower-case
    name: Mapped[str] = mapped_column(String(120))
    age: Mapped[int] = mapped_column(Integer)
    breed: Mapped[str] = mapped_column(String(80))
    fur_colour: Mapped[str] = mapped_column(String(80))
    about: Mapped[str] = mapped_column(Text, default="")
    # The vacancy: a service type of the orders context, by id.
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    language: Mapped[str] = mapped_column(String(5), default="en")
    stage: Mapped[str] = mapped_column(String(20), default="new")
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("applicant_photos.id"), nullable=True)
    # The personal link to the status page (only its SHA-256).
    status_token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # How many times this email applied; more than one flags it for managers.
    times_applied: Mapped[int] = mapped_column(Integer, default=1)
    reapplied_at = mapped_column(UTCDateTime, nullable=True)
    # A manager's choice of test set for this applicant instead of the vacancy's default.
    test_set_id: Mapped[int | None] = mapped_column(ForeignKey("applicant_test_sets.id"), nullable=True)
    strengths: Mapped[list] = mapped_column(JSON, default=list)
    weaknesses: Mapped[list] = mapped_column(JSON, default=list)
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    # The worker account hiring created, once the people context has made it.
    worker_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)
    stage_changed_at = mapped_column(UTCDateTime, nullable=False)
    # When the managers' digest mentioned it (None: not yet).
    notified_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint("stage IN ('new', 'contacted', 'test_assigned', 'test_taken', 'accepted', 'rejected')",
                        name="stage_known"),
        Index("ix_applications_stage_created", "stage", "created_at"),
        Index("ix_applications_notified", "notified_at"),
        # The managers' pipeline: newest first, unfiltered or by vacancy.
        Index("ix_applications_created_id", "created_at", "id"),
        Index("ix_applications_service_created", "service_type_id", "created_at"),
    )

    @property
    def flagged(self) -> bool:
        return self.times_applied > 1


class ApplicationChange(db.Model):
    """The same email applying again: the new details wait here until the owner of the address
    follows the emailed link, so nobody can overwrite someone else's application."""

    __tablename__ = "application_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    age: Mapped[int] = mapped_column(Integer)
    breed: Mapped[str] = mapped_column(String(80))
    fur_colour: Mapped[str] = mapped_column(String(80))
    about: Mapped[str] = mapped_column(Text, default="")
    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"))
    language: Mapped[str] = mapped_column(String(5), default="en")
    photo_id: Mapped[int] = mapped_column(ForeignKey("applicant_photos.id"))
    created_at = mapped_column(UTCDateTime, nullable=False)
    expires_at = mapped_column(UTCDateTime, nullable=False)
    confirmed_at = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_application_changes_application_created", "application_id", "created_at"),)


class ApplicationNote(db.Model):
    """The log of an application: managers' notes ("called on …") and every step taken."""

    __tablename__ = "application_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    # Who wrote it, as shown then (None: the portal itself).
    author: Mapped[str | None] = mapped_column(String(120), nullable=True)
    # A manager's own words; empty for a step the portal noted, which is a code and its
    # parameters (portal.applicants.notes.NOTES) put into words in the reader's language.
    text: Mapped[str] = mapped_column(Text, default="")
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    params: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)


class SkillTest(db.Model):
    """A test of questions; one about a service type tells hiring its strengths and weaknesses."""

    __tablename__ = "applicant_tests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    service_type_id: Mapped[int | None] = mapped_column(ForeignKey("service_types.id"), nullable=True)
    created_at = mapped_column(UTCDateTime, nullable=False)

    questions: Mapped[list["Question"]] = relationship(
        order_by="Question.position", lazy="selectin", cascade="all, delete-orphan")


class Question(db.Model):
    """A single- or multiple-choice question worth ``points``."""

    __tablename__ = "applicant_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("applicant_tests.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    multiple: Mapped[bool] = mapped_column(Boolean, default=False)
    points: Mapped[int] = mapped_column(Integer, default=1)

    choices: Mapped[list["Choice"]] = relationship(
        order_by="Choice.position", lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (CheckConstraint("points > 0", name="points_positive"),)


class Choice(db.Model):
    __tablename__ = "applicant_choices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("applicant_questions.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    correct: Mapped[bool] = mapped_column(Boolean, default=False)


class TestSet(db.Model):
    """Tests taken together, within a time limit, passed from a mark (percent of the points)."""

    __tablename__ = "applicant_test_sets"
    __test__ = False  # not a pytest class, whatever its name

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    time_limit_minutes: Mapped[int] = mapped_column(Integer)
    pass_mark: Mapped[int] = mapped_column(Integer)  # percent
    created_at = mapped_column(UTCDateTime, nullable=False)

    items: Mapped[list["TestSetItem"]] = relationship(
        order_by="TestSetItem.position", lazy="selectin", cascade="all, delete-orphan")

    __table_args__ = (
        CheckConstraint("time_limit_minutes > 0", name="time_limit_positive"),
        CheckConstraint("pass_mark BETWEEN 0 AND 100", name="pass_mark_percent"),
    )


class TestSetItem(db.Model):
    __tablename__ = "applicant_test_set_items"
    __test__ = False

    test_set_id: Mapped[int] = mapped_column(ForeignKey("applicant_test_sets.id"), primary_key=True)
    test_id: Mapped[int] = mapped_column(ForeignKey("applicant_tests.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)

    test: Mapped[SkillTest] = relationship(lazy="joined")


class VacancyTestSet(db.Model):
    """The test set a vacancy's applicants get unless a manager chooses another."""

    __tablename__ = "applicant_vacancy_test_sets"

    service_type_id: Mapped[int] = mapped_column(ForeignKey("service_types.id"), primary_key=True)
    test_set_id: Mapped[int] = mapped_column(ForeignKey("applicant_test_sets.id"))


class Attempt(db.Model):
    """A test set assigned to an applicant through a personal link: taken once, in time."""

    __tablename__ = "applicant_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    test_set_id: Mapped[int] = mapped_column(ForeignKey("applicant_test_sets.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    assigned_at = mapped_column(UTCDateTime, nullable=False)
    link_expires_at = mapped_column(UTCDateTime, nullable=False)
    started_at = mapped_column(UTCDateTime, nullable=True)
    deadline_at = mapped_column(UTCDateTime, nullable=True)
    finished_at = mapped_column(UTCDateTime, nullable=True)
    # A newer assignment replaces this one (its link stops working).
    withdrawn_at = mapped_column(UTCDateTime, nullable=True)
    score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_score: Mapped[int | None] = mapped_column(Integer, nullable=True)
    percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    # Percent per test of the set, by test id (strengths and weaknesses come from it).
    per_test: Mapped[dict] = mapped_column(JSON, default=dict)

    test_set: Mapped[TestSet] = relationship(lazy="joined")

    __table_args__ = (Index("ix_applicant_attempts_set_percent", "test_set_id", "percent"),)


class Answer(db.Model):
    """The choices an applicant gave to one question of an attempt (saved as given)."""

    __tablename__ = "applicant_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("applicant_attempts.id"))
    question_id: Mapped[int] = mapped_column(ForeignKey("applicant_questions.id"))
    choice_ids: Mapped[list] = mapped_column(JSON, default=list)
    answered_at = mapped_column(UTCDateTime, nullable=False)

    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)
