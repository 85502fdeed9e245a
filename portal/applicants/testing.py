"""Tests, test sets, and taking them through a personal link.

A link is long and random (only its digest is stored), expires, and is good for one
attempt. The time limit is the server's: an answer after the deadline is refused and the
attempt is scored as it stands. Scoring is automatic: a question earns its points when
exactly the right choices are given.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select, update

from portal import clock, orders, people
from portal.applicants.applications import (
    _email,
    _log,
    _open,
    _set_stage,
    _text,
    digest,
    get_application,
    link_days,
    new_token,
)
from portal.applicants.models import (
    Answer,
    Application,
    Attempt,
    Choice,
    Question,
    SkillTest,
    TestSet,
    TestSetItem,
    VacancyTestSet,
)
from portal.db import db, locked, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.i18n import lazy_gettext as _l
from portal.urls import external_url

# The pass mark is meant to let about this share of applicants through (SPEC §11).
TOP_SHARE = 3


# --- managers edit tests and sets ------------------------------------------------------------

def list_tests() -> list[SkillTest]:
    return list(db.session.scalars(select(SkillTest).order_by(SkillTest.title)))


def get_test(test_id: int) -> SkillTest:
    test = db.session.get(SkillTest, test_id)
    if test is None:
        raise NotFound(_l("There is no such test."))
    return test


def _service_type_id(service_type_id: int | None) -> int | None:
    if not service_type_id:
        return None
    try:
        return orders.get_service_type(int(service_type_id)).id
    except NotFound:
        raise DomainError(_l("Choose a service from the list."), field="service_type_id") from None


def save_test(test_id: int | None, title: str, service_type_id: int | None) -> SkillTest:
    """Create or rename a test; one about a service type tells hiring strengths and weaknesses."""
    title = _text(title, "title", 120, _l("Give the test a title."))
    service_type_id = _service_type_id(service_type_id)
    with transaction():
        test = get_test(test_id) if test_id else SkillTest(created_at=clock.now())
        test.title, test.service_type_id = title, service_type_id
        db.session.add(test)
        db.session.flush()
    return test


def parse_choices(lines: str) -> list[tuple[str, bool]]:
    """Choices typed one per line; a leading ``*`` marks a correct one."""
    choices = []
    for line in (lines or "").splitlines():
        line = line.strip()
        if line:
            correct = line.startswith("*")
            choices.append((line.lstrip("*").strip(), correct))
    return choices


def add_question(test_id: int, text: str, multiple: bool, points: int | None,
                 choices: list[tuple[str, bool]]) -> Question:
    """A question with its choices: single choice has exactly one right answer, multiple at least one."""
    text = _text(text, "text", 2000, _l("Write the question."))
    if points is None or not 1 <= points <= 100:
        raise DomainError(_l("A question is worth 1 to 100 points."), field="points")
    if len(choices) < 2 or any(not c or len(c) > 500 for c, _ in choices):
        raise DomainError(_l("Give at least two choices, one per line (at most 500 characters each)."),
                          field="choices")
    right = sum(correct for _, correct in choices)
    if (not multiple and right != 1) or right < 1:
        raise DomainError(_l("Mark the right answer with * (exactly one for a single choice)."),
                          field="choices")
    with transaction():
        # Locked: two questions added at once must not both take the next position.
        test = locked(SkillTest, SkillTest.id == test_id)
        if test is None:
            raise NotFound(_l("There is no such test."))
        question = Question(text=text, multiple=multiple, points=points,
                            position=len(test.questions) + 1,
                            choices=[Choice(text=c, correct=ok, position=i) for i, (c, ok) in enumerate(choices, 1)])
        test.questions.append(question)
        db.session.flush()
    return question


def remove_question(question_id: int) -> None:
    """Take a question out of its test, unless someone has already answered it."""
    with transaction():
        question = db.session.get(Question, question_id)
        if question is None:
            raise NotFound(_l("There is no such question."))
        if db.session.scalar(select(Answer.id).where(Answer.question_id == question_id).limit(1)):
            raise Conflict(_l("Applicants have answered this question; it stays so their scores stay true."))
        db.session.delete(question)


def list_test_sets() -> list[TestSet]:
    return list(db.session.scalars(select(TestSet).order_by(TestSet.name)))


def get_test_set(test_set_id: int) -> TestSet:
    test_set = db.session.get(TestSet, test_set_id)
    if test_set is None:
        raise NotFound(_l("There is no such test set."))
    return test_set


def save_test_set(test_set_id: int | None, name: str, time_limit_minutes: int | None,
                  pass_mark: int | None, test_ids: list[int]) -> TestSet:
    """Create or change a set: its tests in order, its time limit and its pass mark (percent)."""
    name = _text(name, "name", 120, _l("Give the set a name."))
    if time_limit_minutes is None or not 1 <= time_limit_minutes <= 600:
        raise DomainError(_l("The time limit is 1 to 600 minutes."), field="time_limit_minutes")
    if pass_mark is None or not 0 <= pass_mark <= 100:
        raise DomainError(_l("The pass mark is a percentage, 0 to 100."), field="pass_mark")
    known = set(db.session.scalars(select(SkillTest.id).where(SkillTest.id.in_(test_ids))))
    test_ids = [t for t in dict.fromkeys(test_ids) if t in known]
    if not test_ids:
        raise DomainError(_l("Choose at least one test."), field="test_ids")
    with transaction():
        test_set = get_test_set(test_set_id) if test_set_id else TestSet(created_at=clock.now())
        test_set.name, test_set.time_limit_minutes, test_set.pass_mark = name, time_limit_minutes, pass_mark
        test_set.items = [TestSetItem(test_id=t, position=i) for i, t in enumerate(test_ids, 1)]
        db.session.add(test_set)
        db.session.flush()
    return test_set


def vacancy_defaults() -> dict[int, int]:
    """The default test set of each vacancy that has one: ``{service_type_id: test_set_id}``."""
    return dict(db.session.execute(select(VacancyTestSet.service_type_id, VacancyTestSet.test_set_id)).all())


def set_vacancy_default(service_type_id: int, test_set_id: int | None) -> None:
    """Choose (or clear) the test set a vacancy's applicants get by default."""
    service_type_id = _service_type_id(service_type_id)
    with transaction():
        db.session.execute(delete(VacancyTestSet).where(VacancyTestSet.service_type_id == service_type_id))
        if test_set_id:
            db.session.add(VacancyTestSet(service_type_id=service_type_id,
                                          test_set_id=get_test_set(test_set_id).id))


def test_set_for(app: Application) -> int | None:
    """The applicant's own test set if a manager chose one, else their vacancy's default."""
    return app.test_set_id or vacancy_defaults().get(app.service_type_id)


# --- assigning -------------------------------------------------------------------------------

def assign_test_set(application_id: int, test_set_id: int | None, by: people.User) -> str:
    """Email the applicant a personal link to a test set; returns the link.

    Choosing a set other than the vacancy's default keeps it as this applicant's own. A
    new link replaces an unused earlier one; once the test is started it cannot be replaced.
    """
    with transaction():
        app = _open(application_id, "new", "contacted", "test_assigned")
        default = vacancy_defaults().get(app.service_type_id)
        chosen = test_set_id or app.test_set_id or default
        if not chosen:
            raise DomainError(_l("This vacancy has no default test set: choose one."), field="test_set_id")
        test_set = get_test_set(chosen)
        app.test_set_id = test_set.id if test_set.id != default else None
        started = db.session.scalar(select(Attempt.id).where(
            Attempt.application_id == app.id, Attempt.started_at.is_not(None), Attempt.withdrawn_at.is_(None)))
        if started:
            raise Conflict(_l("The applicant has already started a test."))
        now = clock.now()
        db.session.execute(update(Attempt).where(Attempt.application_id == app.id, Attempt.withdrawn_at.is_(None))
                           .values(withdrawn_at=now))
        token, token_hash = new_token()
        expires = now + timedelta(days=link_days())
        db.session.add(Attempt(application_id=app.id, test_set_id=test_set.id, token_hash=token_hash,
                               assigned_at=now, link_expires_at=expires, per_test={}))
        _set_stage(app, "test_assigned")
        _log(app, by.name, "test_assigned", name=test_set.name)
        link = external_url("applicants.test", token=token)
        _email(app, "applicant_test_assigned", link=link, expires_at=expires,
               minutes=test_set.time_limit_minutes)
    return link


# --- taking a test ---------------------------------------------------------------------------

TIME_UP = _l("Time is up: the test is over and your answers so far are scored.")
LINK_DEAD = _l("This test link is not valid any more. If you think that is a mistake, reply to our email.")


def attempt_by_token(token: str) -> Attempt | None:
    """The attempt a link opens, whatever its state (None: no such link or replaced)."""
    attempt = db.session.scalar(select(Attempt).where(Attempt.token_hash == digest(token)))
    return attempt if attempt is not None and attempt.withdrawn_at is None else None


def attempt_state(attempt: Attempt) -> str:
    """``expired`` (never started in time), ``ready``, ``running``, ``overdue`` or ``finished``."""
    now = clock.now()
    if attempt.finished_at is not None:
        return "finished"
    if attempt.started_at is None:
        return "expired" if now >= attempt.link_expires_at else "ready"
    return "overdue" if now >= attempt.deadline_at else "running"


def _locked(token: str) -> Attempt:
    attempt = locked(Attempt, Attempt.token_hash == digest(token))
    if attempt is None or attempt.withdrawn_at is not None:
        raise NotFound(LINK_DEAD)
    return attempt


def start_attempt(token: str) -> Attempt:
    """The clock starts now; there is no second start."""
    with transaction():
        attempt = _locked(token)
        state = attempt_state(attempt)
        if state == "expired":
            raise Conflict(LINK_DEAD)
        if state != "ready":
            raise Conflict(_l("This test has already been started; it cannot be started again."))
        now = clock.now()
        attempt.started_at = now
        attempt.deadline_at = now + timedelta(minutes=attempt.test_set.time_limit_minutes)
    return attempt


def questions_of(test_set: TestSet) -> list[Question]:
    return [q for item in test_set.items for q in item.test.questions]


def answers_of(attempt_id: int) -> dict[int, list[int]]:
    """``{question_id: [choice ids]}`` given so far."""
    return dict(db.session.execute(
        select(Answer.question_id, Answer.choice_ids).where(Answer.attempt_id == attempt_id)).all())


def save_answer(token: str, question_id: int, choice_ids: list[int]) -> Attempt:
    """Keep an answer as it is given; after the deadline the attempt is scored instead."""
    with transaction():
        attempt = _locked(token)
        state = attempt_state(attempt)
        if state == "overdue":
            _score(attempt)  # committed: the refusal below comes after the transaction
        elif state == "ready":
            raise Conflict(_l("Start the test first."))
        elif state != "running":
            raise Conflict(TIME_UP)
        else:
            _keep_answer(attempt, question_id, choice_ids)
    if state == "overdue":
        raise Conflict(TIME_UP)
    return attempt


def _keep_answer(attempt: Attempt, question_id: int, choice_ids: list[int]) -> None:
    """Replace the answer to one question of the attempt (a single choice keeps one)."""
    question = next((q for q in questions_of(attempt.test_set) if q.id == question_id), None)
    if question is None:
        raise NotFound(_l("There is no such question in this test."))
    valid = {c.id for c in question.choices}
    chosen = sorted({c for c in choice_ids if c in valid})
    if not question.multiple:
        chosen = chosen[:1]
    answer = db.session.scalar(select(Answer).where(Answer.attempt_id == attempt.id,
                                                    Answer.question_id == question_id))
    if answer is None:
        db.session.add(Answer(attempt_id=attempt.id, question_id=question_id, choice_ids=chosen,
                              answered_at=clock.now()))
    else:
        answer.choice_ids, answer.answered_at = chosen, clock.now()


def finish_attempt(token: str) -> Attempt:
    """The applicant hands in; answers are scored at once."""
    with transaction():
        attempt = _locked(token)
        state = attempt_state(attempt)
        if state in ("running", "overdue"):
            _score(attempt)
        elif state != "finished":
            raise Conflict(_l("This test has not been started."))
    return attempt


def finish_overdue() -> int:
    """Score every attempt whose time ran out without the applicant handing in."""
    with transaction():
        overdue = list(db.session.scalars(select(Attempt).where(
            Attempt.finished_at.is_(None), Attempt.deadline_at <= clock.now(),
            Attempt.withdrawn_at.is_(None)).with_for_update(of=Attempt, skip_locked=True)))
        for attempt in overdue:
            _score(attempt)
    return len(overdue)


def reaches(earned: int, total: int, pass_mark: int) -> bool:
    """Whether ``earned`` of ``total`` points is at least ``pass_mark`` percent, exactly (in
    integers: 7 of 8 points, 87.5 %, does not reach 88 %). No points to earn reaches only 0 %."""
    return earned * 100 >= pass_mark * total if total else pass_mark <= 0


def whole_percent(earned: int, total: int) -> int:
    """The score in whole percent, rounded down (87.5 % shows as 87 %): a score shown at or above
    a whole-percent mark has reached it, so the page and the pass/fail never disagree."""
    return earned * 100 // total if total else 0


def _score(attempt: Attempt) -> None:
    """Score in the current transaction; the applicant is told, managers see it in the pipeline."""
    given = answers_of(attempt.id)
    total = earned = 0
    per_test: dict[str, int] = {}
    for item in attempt.test_set.items:
        t_total = t_earned = 0
        for q in item.test.questions:
            right = sorted(c.id for c in q.choices if c.correct)
            t_total += q.points
            t_earned += q.points if sorted(given.get(q.id, [])) == right else 0
        per_test[str(item.test_id)] = whole_percent(t_earned, t_total)
        total, earned = total + t_total, earned + t_earned
    attempt.finished_at = min(clock.now(), attempt.deadline_at)
    attempt.score, attempt.max_score = earned, total
    attempt.percent = whole_percent(earned, total)
    attempt.passed = reaches(earned, total, attempt.test_set.pass_mark)
    attempt.per_test = per_test
    app = get_application(attempt.application_id)
    _set_stage(app, "test_taken")
    _log(app, None, "test_taken", score=earned, num=total, percent=attempt.percent)
    _email(app, "applicant_test_taken")


# --- results for the managers ----------------------------------------------------------------

def standing(attempt: Attempt) -> dict:
    """Where a score stands among everyone who took the same set, and the top-3% mark."""
    finished = (Attempt.test_set_id == attempt.test_set_id) & Attempt.finished_at.is_not(None)
    taken, below = db.session.execute(select(
        func.count(), func.count().filter(Attempt.percent < attempt.percent)).where(finished)).one()
    # The lowest score among the best TOP_SHARE percent (at least the single best).
    top_n = max(1, taken * TOP_SHARE // 100)
    top_mark = db.session.scalar(select(Attempt.percent).where(finished)
                                 .order_by(Attempt.percent.desc()).offset(top_n - 1).limit(1))
    return {"taken": taken, "better_than": round(100 * below / taken) if taken else 0,
            "top_mark": top_mark}


def suggested_characteristics(attempt: Attempt) -> tuple[list[str], list[str]]:
    """Strengths and weaknesses (service codes) from the tests about a service: passed or not."""
    codes = {s.id: s.code for s in orders.list_service_types()}
    strengths, weaknesses = [], []
    for item in attempt.test_set.items:
        code = codes.get(item.test.service_type_id)
        if code is None or str(item.test_id) not in (attempt.per_test or {}):
            continue
        good = attempt.per_test[str(item.test_id)] >= attempt.test_set.pass_mark
        (strengths if good else weaknesses).append(code)
    return sorted(set(strengths)), sorted(set(weaknesses) - set(strengths))
