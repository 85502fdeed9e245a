"""Quality control (SPEC §10): cases opened by the order's events, by a manager's random pick
and by the sampler; assigned, worked on and closed with a result emailed to both parties.

Everything here runs in quality's consumers or a manager's request: a slow or broken quality
context never holds up the order flow.
"""

from __future__ import annotations

import random
from datetime import datetime

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from portal import clock, notifications, people
from portal.db import db, insert_new, locked, locked_or_new, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_ngettext
from portal.people import User
from portal.quality.models import Case, Cause, FinishedOrder, Settings

# Outcomes of order.finished that open a case on their own (QC-1).
BAD_ENDS = ("cancelled", "failed")
MAX_TEXT = 5000


def _manager(by: User | None) -> User:
    if by is None or by.role != "manager" or not by.active:
        raise DomainError(_l("Only managers work on quality cases."))
    return by


def _open_case(order_id: int, reason: str, facts: dict, complaint: str = "") -> Case | None:
    """A case for this order and reason, unless one is open already (None then).

    A savepoint takes the unique constraint's word for it, so two deliveries of the same
    news racing each other still leave one case.
    """
    if db.session.scalar(select(exists().where(Case.order_id == order_id, Case.reason == reason))):
        return None
    case = Case(order_id=order_id, reason=reason, state="open", client_id=facts["client_id"],
                worker_id=facts.get("worker_id"), service_type=facts["service_type"],
                complaint=complaint, opened_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(case)
    except IntegrityError:
        return None
    return case


def record_finished(payload: dict) -> Case | None:
    """``order.finished``: remember the order for checks; a cancelled or failed one opens a case."""
    with transaction():
        order_id = payload["order_id"]
        # Once, in one statement: the same news delivered twice (even at once) adds nothing.
        insert_new(FinishedOrder.__table__, [{
            "order_id": order_id, "outcome": payload["outcome"], "client_id": payload["client_id"],
            "worker_id": payload.get("worker_id"), "service_type": payload["service_type"],
            "finished_at": datetime.fromisoformat(payload["finished_at"]),
        }], conflict=["order_id"])
        if payload["outcome"] in BAD_ENDS:
            return _open_case(order_id, payload["outcome"], payload)
    return None


def record_problem(payload: dict) -> Case | None:
    """``problem.reported``: the client's complaint opens a case (QC-1)."""
    with transaction():
        return _open_case(payload["order_id"], "problem", payload, complaint=payload.get("comment", ""))


def _no_case_yet():
    return ~exists().where(Case.order_id == FinishedOrder.order_id)


def check_random_order(by: User) -> Case:
    """A manager asks to check a random completed order that has no case yet (QC-2)."""
    _manager(by)
    with transaction():
        picked = db.session.scalar(
            select(FinishedOrder).where(FinishedOrder.outcome == "completed", _no_case_yet())
            .order_by(func.random()).limit(1))
        if picked is None:
            raise Conflict(_l("Every completed order already has a case."))
        case = _open_case(picked.order_id, "random", {
            "client_id": picked.client_id, "worker_id": picked.worker_id,
            "service_type": picked.service_type})
        if case is None:  # another manager picked the same order this instant
            raise Conflict(_l("Somebody picked that order at the same moment. Try again."))
        case.assignee_id = by.id
    return case


# --- sampling ----------------------------------------------------------------------------------

# Read on every view of the queue: one column, no object to load (built once).
_SAMPLING_PERCENT = select(Settings.sampling_percent).where(Settings.id == 1)


def sampling_percent() -> int:
    return db.session.scalar(_SAMPLING_PERCENT) or 0


def set_sampling_percent(percent: int, by: User) -> None:
    """A manager sets the share of completed orders the scheduler checks (QC-2)."""
    _manager(by)
    if not isinstance(percent, int) or not 0 <= percent <= 100:
        raise DomainError(_l("Enter a percentage from 0 to 100."), field="percent")
    with transaction():
        now = clock.now()
        settings = locked_or_new(Settings, Settings.id == 1, id=1, sampling_percent=percent, updated_at=now,
                                 updated_by=by.id)
        settings.sampling_percent, settings.updated_at, settings.updated_by = percent, now, by.id


def _draw(order_id: int, percent: int) -> bool:
    """Is this order in the sample? Seeded per order under QC_SAMPLING_SEED (tests), so the
    draw does not depend on how orders are batched; otherwise truly random."""
    seed = current_app.config.get("QC_SAMPLING_SEED")
    rng = random.Random(f"{seed}:{order_id}") if seed is not None else random.SystemRandom()
    return rng.random() * 100 < percent


def sample_completed_orders(batch: int = 500) -> int:
    """The scheduler: open a case for the configured share of newly completed orders.

    Each order is drawn once (``sampled_at``); a run twice at once opens nothing twice.
    Returns how many cases were opened.
    """
    with transaction():
        percent = sampling_percent()
        pending = list(db.session.scalars(
            select(FinishedOrder).where(FinishedOrder.outcome == "completed",
                                        FinishedOrder.sampled_at.is_(None))
            .order_by(FinishedOrder.finished_at, FinishedOrder.order_id).limit(batch)
            .with_for_update(skip_locked=True)))
        opened = 0
        for finished in pending:
            finished.sampled_at = clock.now()
            if percent and _draw(finished.order_id, percent) and _open_case(
                    finished.order_id, "sampled", {"client_id": finished.client_id,
                                                   "worker_id": finished.worker_id,
                                                   "service_type": finished.service_type}):
                opened += 1
    return opened


# --- causes ------------------------------------------------------------------------------------

def list_causes(active_only: bool = False) -> list[Cause]:
    stmt = select(Cause).order_by(Cause.name)
    if active_only:
        stmt = stmt.where(Cause.active.is_(True))
    return list(db.session.scalars(stmt))


def add_cause(name: str, by: User) -> Cause:
    """A manager adds a cause to the list the result form offers."""
    _manager(by)
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise DomainError(_l("Name the cause in at most 120 characters."), field="name")
    with transaction():
        if db.session.scalar(select(exists().where(func.lower(Cause.name) == name.lower()))):
            raise DomainError(_l("That cause is on the list already."), field="name")
        cause = Cause(name=name, active=True, created_at=clock.now())
        db.session.add(cause)
        db.session.flush()
    return cause


def set_cause_active(cause_id: int, active: bool, by: User) -> Cause:
    """Retire a cause (closed cases keep it) or bring it back."""
    _manager(by)
    with transaction():
        cause = db.session.get(Cause, cause_id)
        if cause is None:
            raise NotFound(_l("There is no such cause."))
        cause.active = active
    return cause


# --- working on a case ---------------------------------------------------------------------------

def _locked_case(case_id: int) -> Case:
    case = locked(Case, Case.id == case_id)
    if case is None:
        raise NotFound(_l("There is no such case."))
    return case


def assign_case(case_id: int, assignee_id: int | None, by: User) -> Case:
    """Give an open case to a manager (or back to nobody)."""
    _manager(by)
    with transaction():
        case = _locked_case(case_id)
        if case.state != "open":
            raise Conflict(_l("This case is closed."))
        if assignee_id is not None:
            assignee = people.get_person(assignee_id)
            if assignee is None or assignee.role != "manager" or not assignee.active:
                raise DomainError(_l("Choose an active manager."), field="assignee")
        case.assignee_id = assignee_id
    return case


def close_case(case_id: int, by: User, *, client_contacted: bool, findings: str, cause_id: int | None,
               hypothesis: str, worker_at_fault: bool) -> Case:
    """Record the result (QC-4) and email it to the client and the worker, each in their language (QC-5)."""
    _manager(by)
    findings, hypothesis = (findings or "").strip(), (hypothesis or "").strip()
    if not findings:
        raise DomainError(_l("Write down what you found."), field="findings")
    if len(findings) > MAX_TEXT or len(hypothesis) > MAX_TEXT:
        raise DomainError(lazy_ngettext("Keep it under %(num)s character.", "Keep it under %(num)s characters.", MAX_TEXT), field="findings")
    with transaction():
        case = _locked_case(case_id)
        if case.state != "open":
            raise Conflict(_l("This case is closed already."))
        if case.is_dispute:
            raise Conflict(_l("A dispute is decided by confirming or correcting its line."))
        cause = db.session.get(Cause, cause_id) if cause_id else None
        if cause is None or not cause.active:
            raise DomainError(_l("Choose a cause from the list."), field="cause")
        case.client_contacted, case.findings, case.cause_id = bool(client_contacted), findings, cause.id
        case.hypothesis, case.worker_at_fault = hypothesis, bool(worker_at_fault)
        case.state, case.closed_at, case.closed_by = "closed", clock.now(), by.id
        _email_result(case, cause)
    return case


def _email_result(case: Case, cause: Cause) -> None:
    for role, user_id in (("client", case.client_id), ("worker", case.worker_id)):
        person = people.get_person(user_id) if user_id else None
        if person is not None and person.email:
            notifications.queue_email(person.email, f"qc_result_{role}", person.language, time_zone=person.time_zone,
                                      name=person.name, case=case, cause=cause)
