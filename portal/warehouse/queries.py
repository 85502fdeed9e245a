"""What the pages show about kits: each a constant number of queries, whatever the number of kits."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import joinedload

from portal import clock, timezones
from portal.db import db
from portal.paging import paginate
from portal.warehouse.models import KIT_STATES, WORKING_STATES, CookieRequest, Kit

WORKING = "working"  # the board's default filter: kits staff still work on
# Kits not ready yet whose order starts within DUE_SOON (or has started): the managers' alarm.
DUE_SOON = "due_soon"
DUE_SOON_WITHIN = timedelta(hours=2)
NOT_READY_STATES = ("new", "assembling")


@dataclass
class BoardFilters:
    """The board's filters: a state (or every working state) and the pickup day."""

    state: str = WORKING
    day: date | None = None
    time_zone: ZoneInfo | None = None  # the day's zone (the reader's); None: the portal's


def matching_kits(f: BoardFilters) -> Select:
    """The kits the board shows with these filters, unordered: the board pages them, the
    overview counts them."""
    shape, values = _filter_values(f)
    return _filtered(*shape).params(values)


def _filter_values(f: BoardFilters) -> tuple[tuple[str, bool], dict]:
    """Which filters are set (the shape of ``_filtered``'s statement) and their bound values."""
    if f.state in KIT_STATES:
        states = "one"
    else:
        states = f.state if f.state in (WORKING, DUE_SOON) else ""
    values = {"state": f.state, "due_before": due_soon_cutoff() if states == DUE_SOON else None,
              "day_start": None, "day_end": None}
    if f.day:
        values["day_start"], values["day_end"] = timezones.day_range(
            f.day, f.day, f.time_zone or timezones.business_zone())
    return (states, bool(f.day)), values


@cache
def _filtered(states: str, by_day: bool) -> Select:
    """The board's kits with these filters set, their values bound as parameters: built once
    per combination (building the board's statement and its cache key was a quarter of it)."""
    if states == DUE_SOON:
        stmt = kits_due_before(bindparam("due_before"))
    else:
        stmt = select(Kit)
        if states == "one":
            stmt = stmt.where(Kit.state == bindparam("state"))
        elif states == WORKING:
            stmt = stmt.where(Kit.state.in_(WORKING_STATES))
    if by_day:
        stmt = stmt.where(Kit.starts_at >= bindparam("day_start"), Kit.starts_at < bindparam("day_end"))
    return stmt


def due_soon_cutoff() -> datetime:
    """A kit not ready for an order starting before this is due soon (DUE_SOON)."""
    return clock.now() + DUE_SOON_WITHIN


def kits_due_before(moment) -> Select:
    """Kits not ready for orders starting before ``moment`` (a bind parameter, or
    ``due_soon_cutoff()`` for the DUE_SOON list), unordered."""
    return select(Kit).where(Kit.state.in_(NOT_READY_STATES), Kit.starts_at < moment)


def board(f: BoardFilters, page: int = 1, per_page: int = 50):
    """Kits by pickup time (the order's start), soonest first, with their cookies."""
    shape, values = _filter_values(f)
    return paginate(_board(shape), page, per_page, params=values)


@cache
def _board(shape: tuple[str, bool]) -> Select:
    return _filtered(*shape).options(joinedload(Kit.cookie)).order_by(Kit.starts_at, Kit.id)


def get_kit(kit_id: int) -> Kit | None:
    """One kit with its cookie (to re-render its row after a change)."""
    return db.session.scalar(select(Kit).where(Kit.id == kit_id).options(joinedload(Kit.cookie)))


@dataclass(frozen=True)
class KitStatus:
    """What the order pages show about an order's kit."""

    state: str
    cookie_state: str
    issued_at: datetime | None
    issued_by_name: str

    @property
    def issued(self) -> bool:
        return self.state == "issued"


def kit_statuses(order_ids: list[int]) -> dict[int, KitStatus]:
    """The kits of these orders, by order id, in one query (orders without a kit are absent)."""
    if not order_ids:
        return {}
    rows = db.session.execute(
        select(Kit.order_id, Kit.state, CookieRequest.state, Kit.issued_at, Kit.issued_by_name)
        .outerjoin(CookieRequest, CookieRequest.kit_id == Kit.id)
        .where(Kit.order_id.in_(order_ids)))
    return {order_id: KitStatus(state, cookie or "requested", issued_at, by)
            for order_id, state, cookie, issued_at, by in rows}


def kit_status(order_id: int) -> KitStatus | None:
    """The kit of one order (one query), None before the warehouse has opened it."""
    return kit_statuses([order_id]).get(order_id)


def kit_issued(order_id: int) -> bool:
    """Has the warehouse handed this order's kit to the worker? (The worker's check-in asks.)"""
    return db.session.scalar(
        select(Kit.id).where(Kit.order_id == order_id, Kit.state == "issued")) is not None


@dataclass(frozen=True)
class Pickups:
    """A worker's kit pick-ups: how many in all, and the latest ones."""

    count: int
    latest: list[Kit]


def pickups_of(worker_id: int, limit: int = 10) -> Pickups:
    """The kits handed to a worker, newest first (two queries, whatever their number)."""
    issued = (Kit.worker_id == worker_id, Kit.state == "issued")
    count = db.session.scalar(select(func.count()).select_from(Kit).where(*issued)) or 0
    latest = list(db.session.scalars(select(Kit).where(*issued)
                                     .order_by(Kit.issued_at.desc(), Kit.id.desc()).limit(limit)))
    return Pickups(count, latest)
