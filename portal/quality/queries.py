"""What the quality pages show: each a constant number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from portal import clock, timezones
from portal.db import db
from portal.errors import NotFound
from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_pgettext
from portal.paging import paginate
from portal.quality.models import REASONS, Case, Cause

REASON_LABELS = {
    "cancelled": lazy_pgettext("case reason", "order cancelled"),
    "failed": lazy_pgettext("case reason", "order failed"),
    "problem": _l("client reported a problem"),
    "random": _l("random check"),
    "sampled": _l("sampled"),
    "dispute": _l("disputed statement line"),
}


def reason_label(reason: str):
    return REASON_LABELS.get(reason, reason)


@dataclass
class QueueFilters:
    """The queue's filters; every one optional."""

    reason: str = ""
    service_type: str = ""
    assignee: str = ""  # "", "me", "nobody"
    state: str = "open"


def case_queue(f: QueueFilters, viewer_id: int, page: int = 1, per_page: int = 25):
    """Cases oldest first (the longest waiting on top), filtered by reason, service and assignee."""
    state = f.state if f.state in ("open", "closed") else ""
    assignee = f.assignee if f.assignee in ("me", "nobody") else ""
    stmt = _queue(state, f.reason in REASONS, bool(f.service_type), assignee)
    return paginate(stmt, page, per_page, params={"state": state, "reason": f.reason,
                                                  "service_type": f.service_type, "viewer": viewer_id})


@cache
def _queue(state: str, by_reason: bool, by_service: bool, assignee: str) -> Select:
    """The queue with these filters, their values bound as parameters: built once per
    combination (building it and its cache key again was a fifth of the page's SQL time)."""
    stmt = select(Case)
    if state:
        stmt = stmt.where(Case.state == bindparam("state"))
    if by_reason:
        stmt = stmt.where(Case.reason == bindparam("reason"))
    if by_service:
        stmt = stmt.where(Case.service_type == bindparam("service_type"))
    if assignee == "me":
        stmt = stmt.where(Case.assignee_id == bindparam("viewer"))
    elif assignee == "nobody":
        stmt = stmt.where(Case.assignee_id.is_(None))
    order = (Case.opened_at, Case.id) if state == "open" else (Case.closed_at.desc(), Case.id.desc())
    return stmt.order_by(*order)


def open_cases() -> Select:
    """The cases waiting for a manager's result (the queue's default list), as a statement to count."""
    return select(Case.id).where(Case.state == "open")


def get_case(case_id: int) -> Case:
    case = db.session.scalar(select(Case).where(Case.id == case_id).options(joinedload(Case.cause)))
    if case is None:
        raise NotFound(_l("There is no such case."))
    return case


def worker_cases(worker_id: int | None, limit: int = 10) -> list[Case]:
    """The worker's latest cases, with their causes (the case page's history)."""
    if worker_id is None:
        return []
    return list(db.session.scalars(
        select(Case).where(Case.worker_id == worker_id).options(joinedload(Case.cause))
        .order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit)))


@dataclass
class CauseReport:
    cause: Cause
    cases: int
    weekly: list[int]  # supporting cases per week, oldest first
    hypotheses: list[Case] = field(default_factory=list)  # newest first


@dataclass
class HypothesesReport:
    weeks: list[date]  # each week's Monday (business time), oldest first
    causes: list[CauseReport]

    @property
    def peak(self) -> int:
        return max((n for c in self.causes for n in c.weekly), default=0)


def hypotheses_report(weeks: int = 12) -> HypothesesReport:
    """Closed cases' hypotheses grouped by cause, with supporting cases per week (QC-4).

    The causes with most cases first: the improvements that matter most lead.
    """
    # Weeks as the business counts them: Monday to Sunday on the portal's wall clock.
    zone = timezones.business_zone()
    today = clock.now().astimezone(zone).date()
    first_monday = today - timedelta(days=today.weekday(), weeks=weeks - 1)
    mondays = [first_monday + timedelta(weeks=i) for i in range(weeks)]
    closed = db.session.scalars(
        select(Case).where(Case.state == "closed", Case.cause_id.is_not(None))
        .options(joinedload(Case.cause)).order_by(Case.closed_at.desc(), Case.id.desc())).all()
    by_cause: dict[int, CauseReport] = {}
    for case in closed:
        report = by_cause.setdefault(case.cause_id, CauseReport(case.cause, 0, [0] * weeks))
        report.cases += 1
        if case.hypothesis:
            report.hypotheses.append(case)
        week = (case.closed_at.astimezone(zone).date() - first_monday).days // 7
        if 0 <= week < weeks:
            report.weekly[week] += 1
    causes = sorted(by_cause.values(), key=lambda r: (-r.cases, r.cause.name))
    return HypothesesReport(mondays, causes)
