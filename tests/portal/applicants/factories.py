"""Applicants test data, made through the real operations."""

from __future__ import annotations

import itertools
from datetime import timedelta

from portal import applicants, clock
from portal.db import db
from tests import factories
from tests.portal.orders import factories as order_factories

_seq = itertools.count(1)


def vacancy(code: str | None = None):
    """An active service type one can apply for."""
    return order_factories.service_type(code=code) if code else order_factories.service_type()


def application(email: str | None = None, service=None, language: str = "en", **fields):
    """An application as the public form makes it; returns ``applicants.Applied``."""
    n = next(_seq)
    service = service or vacancy()
    values = dict(name=f"Applicant {n}", age=3, breed="Tabby", fur_colour="grey", about="I love tidying.")
    values.update(fields)
    return applicants.apply(email or f"applicant{n}@example.test", values["name"], values["age"],
                            values["breed"], values["fur_colour"], values["about"], service.id,
                            factories.image_bytes(), language=language)


def skill_test(service=None, questions=2, title=None):
    """A test of ``questions`` single-choice questions (right answer: "Yes"), 1 point each."""
    test = applicants.save_test(None, title or f"Test {next(_seq)}", service.id if service else None)
    for i in range(questions):
        applicants.add_question(test.id, f"Question {i + 1}?", False, 1, [("Yes", True), ("No", False)])
    return test


def test_set(*tests, minutes=30, pass_mark=80, name=None):
    return applicants.save_test_set(None, name or f"Set {next(_seq)}", minutes, pass_mark, [t.id for t in tests])


def assigned(manager=None, service=None, minutes=30, pass_mark=80, questions=2):
    """An application with a test set assigned; returns (application, test link token)."""
    service = service or vacancy()
    app = application(service=service).application
    tset = test_set(skill_test(service, questions), minutes=minutes, pass_mark=pass_mark)
    link = applicants.assign_test_set(app.id, tset.id, manager or factories.user("manager"))
    return db.session.get(applicants.Application, app.id), link.rsplit("/", 1)[1]


def taken(right: int, manager=None, service=None, questions=2, pass_mark=80):
    """An application whose test was taken with ``right`` right answers."""
    app, token = assigned(manager, service, pass_mark=pass_mark, questions=questions)
    attempt = applicants.start_attempt(token)
    for i, q in enumerate(applicants.questions_of(attempt.test_set)):
        pick = "Yes" if i < right else "No"
        applicants.save_answer(token, q.id, [c.id for c in q.choices if c.text == pick])
    applicants.finish_attempt(token)
    return db.session.get(applicants.Application, app.id), token


def later(minutes: int) -> None:
    clock.advance(timedelta(minutes=minutes))
