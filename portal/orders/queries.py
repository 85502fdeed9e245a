"""What the pages show: each a constant number of queries, whatever the number of orders."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ScalarSelect, Select, bindparam, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from portal import timezones
from portal.db import db
from portal.errors import NotFound
from portal.i18n import lazy_gettext as _l
from portal.inputs import whole_number
from portal.orders.models import (
    ACTIVE_STATES,
    BUSY_STATES,
    FINAL_STATES,
    STATES,
    Feedback,
    Order,
    OrderPhoto,
    TimelineEntry,
)
from portal.paging import Page, contains_pattern, matches, paginate
from portal.people.models import User

# The dashboard's and board's "now" lists are short by nature; a cap keeps them constant.
ACTIVE_LIMIT = 50


def _with_people(stmt: Select) -> Select:
    """Client and worker (with profile) in the same query (the service's name is kept per
    process: ``service_name``)."""
    return stmt.options(
        joinedload(Order.client),
        joinedload(Order.worker).joinedload(User.worker_profile),
    )


# What a row of an order list shows of the order itself (the service by id: its names are
# kept per process, ``service_names``).
_ROW = (Order.id, Order.state, Order.starts_at, Order.ends_at, Order.address, Order.description,
        Order.price_cents, Order.client_id, Order.worker_id, Order.service_type_id)


def _name_of(person_id) -> ScalarSelect:
    return select(User.name).where(User.id == person_id).scalar_subquery()


# The people a row names, each a lookup by key per row shown. Not joins: a list's count and a
# deep page's key lookup select the key alone, and PostgreSQL counts from an index only when
# no join is left in them (an outer join it could drop still made it read the table).
_CLIENT_NAME = _name_of(Order.client_id).label("client_name")
_WORKER_NAME = _name_of(Order.worker_id).label("worker_name")


def _listed(stmt: Select, *also, client: bool = True, worker: bool = True) -> Select:
    """The rows of an order list: the columns a row shows and the people's names
    (``client_name``, ``worker_name``; None for no worker yet). Rows, not orders: loading
    orders with their service and people through the ORM was a third of a list page.
    A person's own list leaves themselves out (``client=False`` on a client's); ``also``
    are further columns a list shows."""
    names = ([_CLIENT_NAME] if client else []) + ([_WORKER_NAME] if worker else [])
    return stmt.with_only_columns(*_ROW, *also, *names)


def _page(stmt: Select, page: int, per_page: int, params: dict | None = None) -> Page:
    return paginate(stmt, page, per_page, key=Order.id, params=params)


@dataclass
class OrderLists:
    active: list  # rows of ``_listed``
    past: Page  # final orders, rows of ``_listed``


def _own_lists(mine, now_states: tuple[str, ...], **leave_out: bool) -> tuple[Select, Select]:
    """A person's two lists, built once with the person as ``:person``: building them and
    their cache keys again on every view was a tenth of a home page."""
    active = _listed(select(Order).where(mine, Order.state.in_(now_states))
                     .order_by(Order.starts_at, Order.id).limit(ACTIVE_LIMIT), **leave_out)
    past = _listed(select(Order).where(mine, Order.state.in_(FINAL_STATES))
                   .order_by(Order.starts_at.desc(), Order.id.desc()), **leave_out)
    return active, past


_CLIENT_LISTS = _own_lists(Order.client_id == bindparam("person"), ACTIVE_STATES, client=False)
_WORKER_LISTS = _own_lists(Order.worker_id == bindparam("person"), BUSY_STATES, worker=False)


def _own(lists: tuple[Select, Select], person_id: int, page: int, per_page: int) -> OrderLists:
    active, past = lists
    person = {"person": person_id}
    return OrderLists(db.session.execute(active, person).all(), _page(past, page, per_page, person))


def client_orders(client_id: int, page: int = 1, per_page: int = 10) -> OrderLists:
    """CL-1: upcoming and in-progress orders, then past ones (paginated)."""
    return _own(_CLIENT_LISTS, client_id, page, per_page)


def worker_orders(worker_id: int, page: int = 1, per_page: int = 10) -> OrderLists:
    """WK-1: the worker's active orders, then completed, cancelled and failed ones (paginated)."""
    return _own(_WORKER_LISTS, worker_id, page, per_page)


@dataclass
class OrderFilters:
    """The managers' list filters; every one optional."""

    state: str = ""
    date_from: date | None = None
    date_to: date | None = None
    client: str = ""
    worker: str = ""
    service_type_id: int | None = None
    q: str = ""
    time_zone: ZoneInfo | None = None  # the dates' zone (the reader's); None: the portal's


def matching_orders(f: OrderFilters) -> Select:
    """The orders the managers' list shows with these filters, unordered: the list pages them,
    the overview counts them (``paging.capped_counts``)."""
    shape, values = _filter_values(f)
    return _filtered(*shape).params(values)


def _filter_values(f: OrderFilters) -> tuple[tuple[bool, ...], dict]:
    """Which filters are set (the shape of ``_filtered``'s statement) and their bound values."""
    zone = f.time_zone or timezones.business_zone()
    client, worker, q = f.client.strip().lower(), f.worker.strip().lower(), f.q.strip()
    # "#123" or "123" is also an order number; one no order can have is just text.
    number = whole_number(q.removeprefix("#"), 1) if q else None
    values = {
        "state": f.state,
        "date_from": timezones.start_of_day(f.date_from, zone) if f.date_from else None,
        "date_to": timezones.start_of_day(f.date_to + timedelta(days=1), zone) if f.date_to else None,
        "service": f.service_type_id,
        "client": contains_pattern(client),
        "worker": contains_pattern(worker),
        "q": contains_pattern(q.lower()),
        "number": number,
    }
    shape = (f.state in STATES, bool(f.date_from), bool(f.date_to), bool(f.service_type_id),
             bool(client), bool(worker), bool(q), number is not None)
    return shape, values


@cache
def _filtered(state: bool, date_from: bool, date_to: bool, service: bool, client: bool, worker: bool,
              q: bool, number: bool) -> Select:
    """The managers' list with these filters set, their values bound as parameters: built once
    per combination (building the list's statement and its cache key was a third of its SQL
    time)."""
    stmt = select(Order)
    if state:
        stmt = stmt.where(Order.state == bindparam("state"))
    if date_from:
        stmt = stmt.where(Order.starts_at >= bindparam("date_from"))
    if date_to:
        stmt = stmt.where(Order.starts_at < bindparam("date_to"))
    if service:
        stmt = stmt.where(Order.service_type_id == bindparam("service"))
    for name, column, searched in (("client", Order.client_id, client), ("worker", Order.worker_id, worker)):
        if searched:
            person = aliased(User)
            stmt = stmt.join(person, person.id == column).where(
                or_(matches(func.lower(person.name), name), matches(person.email, name)))
    if q:
        conditions = [matches(func.lower(Order.address), "q"), matches(func.lower(Order.description), "q")]
        if number:
            conditions.append(Order.id == bindparam("number"))
        stmt = stmt.where(or_(*conditions))
    return stmt


def starting_between(start, end) -> Select:
    """Orders starting in [start, end), unordered, as a statement to count: the managers' list
    with ``date_from`` and ``date_to`` (``timezones.day_range`` of those days). Either bound may
    be a bind parameter."""
    return select(Order).where(Order.starts_at >= start, Order.starts_at < end)


def search_orders(f: OrderFilters, page: int = 1, per_page: int = 25):
    """Orders for managers: filter by state, dates, client, worker, service; search; newest start first."""
    shape, values = _filter_values(f)
    return _page(_listed_filtered(shape), page, per_page, values)


@cache
def _listed_filtered(shape: tuple[bool, ...]) -> Select:
    return _listed(_filtered(*shape).order_by(Order.starts_at.desc(), Order.id.desc()))


@dataclass
class OrderDetail:
    order: Order
    timeline: list[tuple[TimelineEntry, str | None]]  # entry, actor's name
    photos: dict[str, int] = field(default_factory=dict)  # kind -> photo id
    feedback: Feedback | None = None

    @property
    def final(self) -> bool:
        return self.order.is_final


def order_detail(order_id: int, viewer: User) -> OrderDetail:
    """One order with its timeline, photos and feedback, if ``viewer`` may see it."""
    order = db.session.scalar(_with_people(select(Order).where(Order.id == order_id)))
    if order is None or not can_see(order, viewer):
        raise NotFound(_l("There is no such order."))
    timeline = list(db.session.execute(
        select(TimelineEntry, User.name).outerjoin(User, User.id == TimelineEntry.actor_id)
        .where(TimelineEntry.order_id == order.id).order_by(TimelineEntry.at, TimelineEntry.id)
    ).tuples())
    photos = {kind: photo_id for kind, photo_id in db.session.execute(
        select(OrderPhoto.kind, OrderPhoto.id).where(OrderPhoto.order_id == order.id))}
    return OrderDetail(order, timeline, photos, db.session.get(Feedback, order.id))


def can_see(order: Order, viewer: User | None) -> bool:
    """Managers see every order; a client only theirs, a worker only those assigned to them."""
    if viewer is None:
        return False
    if viewer.role == "manager":
        return True
    owner = {"client": order.client_id, "worker": order.worker_id}.get(viewer.role)
    return owner is not None and owner == viewer.id


def order_photo(order_id: int, kind: str, viewer: User) -> OrderPhoto:
    """A check-in or report photo, served only to the order's client, its worker and managers."""
    row = db.session.execute(
        select(OrderPhoto, Order).join(Order, Order.id == OrderPhoto.order_id)
        .where(OrderPhoto.order_id == order_id, OrderPhoto.kind == kind)).first()
    if row is None or not can_see(row.Order, viewer):
        raise NotFound(_l("There is no such photo."))
    return row.OrderPhoto



# Built once: pages of other contexts ask for these on every view.
_ORDERS_BY_ID = select(Order).where(Order.id.in_(bindparam("ids", expanding=True)))
_NAMES_BY_ID = select(User.id, User.name).where(User.id.in_(bindparam("ids", expanding=True)))


def orders_by_id(order_ids: list[int]) -> dict[int, Order]:
    """The given orders in one query (for pages of other contexts that list orders by id:
    invoice lines, betting books; their service's name is ``service_name``); ids of no order
    are left out."""
    if not order_ids:
        return {}
    return {o.id: o for o in db.session.scalars(_ORDERS_BY_ID, {"ids": list(order_ids)})}


def people_names(user_ids: list[int]) -> dict[int, str]:
    """Names of the given accounts in one query (matching's explanation speaks in ids)."""
    if not user_ids:
        return {}
    return dict(db.session.execute(_NAMES_BY_ID, {"ids": list(user_ids)}).all())


# --- a person's record (the managers' page of one client or worker) -----------------------

def order_counts(*, client_id: int | None = None, worker_id: int | None = None) -> dict[str, int]:
    """How many of one person's orders are in each state, in one grouped query."""
    mine = Order.client_id == client_id if client_id is not None else Order.worker_id == worker_id
    return dict(db.session.execute(select(Order.state, func.count()).where(mine).group_by(Order.state)).all())


def recent_orders(*, client_id: int | None = None, worker_id: int | None = None, limit: int = 10) -> list:
    """One person's latest orders by start, any state (rows of ``_listed``)."""
    mine = Order.client_id == client_id if client_id is not None else Order.worker_id == worker_id
    return db.session.execute(_listed(select(Order).where(mine))
                              .order_by(Order.starts_at.desc(), Order.id.desc()).limit(limit)).all()


@dataclass(frozen=True)
class ProblemReport:
    order: object  # a row of ``_listed``
    comment: str
    reported_at: object  # an aware datetime


def problem_reports(*, client_id: int | None = None, worker_id: int | None = None,
                    limit: int = 10) -> list[ProblemReport]:
    """The latest problems a client reported, or that were reported about a worker's orders."""
    mine = Order.client_id == client_id if client_id is not None else Order.worker_id == worker_id
    rows = db.session.execute(
        _listed(select(Order).join(Feedback, Feedback.order_id == Order.id),
                Feedback.comment, Feedback.created_at.label("reported_at"))
        .where(mine, Feedback.kind == "problem")
        .order_by(Feedback.created_at.desc(), Order.id.desc()).limit(limit)).all()
    return [ProblemReport(row, row.comment, row.reported_at) for row in rows]
