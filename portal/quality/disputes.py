"""Disputes (SPEC §14): a client or a worker disputes a line of their statement; the dispute is
a quality case of its own reason, linked to the line's ledger entry. A manager confirms the
line or corrects it with a new entry in the disputer's favour (the old one is never edited);
who and why are kept, and the disputer and the managers are emailed.

The billing contexts own the lines: they say which line is the disputer's (``StatementLine``)
and write the correction; quality keeps the case and the decision.
"""

from __future__ import annotations

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from portal import client_billing, clock, notifications, people, worker_billing
from portal.db import db, locked, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_ngettext
from portal.ledger import StatementLine
from portal.money import Money
from portal.people import User
from portal.quality.models import Case
from portal.urls import external_url

MAX_REASON = 1000
# A worker's line corrected by more than this is a typing slip, not a correction.
MAX_WORKER_CORRECTION = worker_billing.MAX_BONUS


def _words(text: str, limit: int, field: str, missing) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError(missing, field=field)
    if len(text) > limit:
        raise DomainError(lazy_ngettext("Keep it under %(num)s character.", "Keep it under %(num)s characters.",
                                        limit), field=field)
    return text


def open_dispute(line: StatementLine, reason: str, by: User) -> Case:
    """The line's owner disputes it: a quality case of reason ``dispute`` linked to the line's
    entry, the managers emailed. One open dispute per line: a second (a racing click) is refused."""
    reason = _words(reason, MAX_REASON, "reason", _l("Say what is wrong with this line."))
    if by is None or by.id != line.owner_id or by.role != line.owner_role:
        raise NotFound(_l("There is no such line on your statement."))
    with transaction():
        if db.session.scalar(select(exists().where(Case.entry_key == line.key, Case.state == "open"))):
            raise Conflict(_l("This line is disputed already; a manager is looking at it."))
        case = Case(order_id=line.order_id, reason="dispute", state="open",
                    client_id=by.id if line.owner_role == "client" else None,
                    worker_id=by.id if line.owner_role == "worker" else None, service_type="",
                    complaint=reason, opened_at=clock.now(), entry_key=line.key, line_kind=line.kind,
                    line_cents=line.amount.cents, disputed_by=by.id, findings="", hypothesis="")
        try:
            with db.session.begin_nested():  # the open-dispute index decides a race on PostgreSQL
                db.session.add(case)
        except IntegrityError:
            raise Conflict(_l("This line is disputed already; a manager is looking at it.")) from None
        _email_managers(case, by, exclude=None)
    return case


def resolve_dispute(case_id: int, by: User, *, correct: bool, amount: Money | None, note: str) -> Case:
    """A manager's decision: confirm the line, or correct it by ``amount`` in the disputer's
    favour with a new entry (a worker's correction on this month's earnings, a client's credit
    on the next invoice). Who and why are kept; the disputer and the managers are emailed."""
    if by is None or by.role != "manager" or not by.active:
        raise DomainError(_l("Only managers work on quality cases."))
    note = _words(note, MAX_REASON, "note", _l("Say why."))
    if correct and (amount is None or amount.cents <= 0):
        raise DomainError(_l("A correction is more than zero."), field="amount")
    with transaction():
        case = locked(Case, Case.id == case_id)
        if case is None or not case.is_dispute:
            raise NotFound(_l("There is no such dispute."))
        if case.state != "open":
            raise Conflict(_l("This dispute is decided already."))
        if correct:
            _correct(case, amount, note, by)
        case.outcome = "corrected" if correct else "confirmed"
        case.findings, case.state, case.closed_at, case.closed_by = note, "closed", clock.now(), by.id
        disputer = people.get_person(case.disputed_by)
        if disputer is not None and disputer.email:
            notifications.queue_email(disputer.email, "dispute_result", disputer.language,
                                      time_zone=disputer.time_zone, name=disputer.name, case=case,
                                      link=_statement_link(case))
        _email_managers(case, disputer, exclude=by.id)
    return case


def _correct(case: Case, amount: Money, note: str, by: User) -> None:
    if case.line_kind in ("charge", "credit"):
        # Never credit back more than the client was charged for the line, over all its disputes.
        limit = Money(abs(case.line_cents or 0)) - _corrected_before(case.entry_key)
        if amount > limit:
            raise DomainError(_l("A credit is at most what is left of the charge: %(max)s.", max=limit.format()),
                              field="amount")
        credit = client_billing.credit_client(case.client_id, amount, note)
        case.correction_key = client_billing.line_key(credit)
    else:
        if amount > MAX_WORKER_CORRECTION:
            raise DomainError(_l("A correction is at most %(max)s.", max=MAX_WORKER_CORRECTION.format()),
                              field="amount")
        line = worker_billing.credit_worker(case.worker_id, amount, note, by)
        case.correction_key = worker_billing.line_key(line)
    case.correction_cents = amount.cents


def _corrected_before(entry_key: str) -> Money:
    return Money(int(db.session.scalar(
        select(func.coalesce(func.sum(Case.correction_cents), 0))
        .where(Case.entry_key == entry_key, Case.outcome == "corrected"))))


def _statement_link(case: Case) -> str:
    return external_url("clients.billing" if case.client_id else "workers.earnings")


def _email_managers(case: Case, disputer: User | None, exclude: int | None) -> None:
    """The house is the other side of every statement line: its managers hear of each dispute."""
    link = external_url("managers.quality_case", case_id=case.id)
    for manager in people.search_people("manager", "", 1, per_page=100).items:
        if manager.active and manager.email and manager.id != exclude:
            notifications.queue_email(manager.email, "dispute_managers", manager.language,
                                      time_zone=manager.time_zone, name=manager.name, case=case,
                                      disputer=disputer, link=link)


# --- what the statements and the people's records read ------------------------------------------

def disputes_for(entry_keys: list[str]) -> dict[str, Case]:
    """For each line (entry key): its latest dispute, to show next to it (one query)."""
    if not entry_keys:
        return {}
    latest: dict[str, Case] = {}
    for case in db.session.scalars(select(Case).where(Case.entry_key.in_(set(entry_keys)))
                                   .order_by(Case.opened_at, Case.id)):
        latest[case.entry_key] = case
    return latest


def disputes_of(person_id: int, limit: int = 50) -> list[Case]:
    """A client's or a worker's disputes, newest first (one query): for their record."""
    return list(db.session.scalars(
        select(Case).where(Case.reason == "dispute", Case.disputed_by == person_id)
        .order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)))


def open_disputes_count(person_id: int) -> int:
    """How many of a person's disputes wait for a manager (one query): their record's tile
    counts all of them, not only the latest ones the record lists."""
    return db.session.scalar(select(func.count()).select_from(Case).where(
        Case.reason == "dispute", Case.disputed_by == person_id, Case.state == "open"))
