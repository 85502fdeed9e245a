"""What happens to orders: booking, matching, the lifecycle, photos, feedback, rebooking.

Each operation is one transaction: it locks the order, checks the state, records the
transition in the timeline, publishes its events and queues its emails, or raises a
DomainError and writes nothing. Two racing clicks leave exactly one result: the order
row is locked (PostgreSQL) or the write lock taken (SQLite) before the state is read,
and the version column refuses a stale write anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import exists, or_, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal import client_billing, clock, matching
from portal.db import add_once, db, locked, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.events import publish
from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_ngettext
from portal.images import BadImage, hash_bands, reencode, same_picture
from portal.orders import candidates, notify, records, rules
from portal.orders.models import (
    BUSY_STATES,
    FINAL_STATES,
    Feedback,
    Order,
    OrderPhoto,
    ServiceType,
    TimelineEntry,
)
from portal.orders.pricing import order_price
from portal.orders.states import state_label
from portal.people.models import User

MAX_HOURS = 12
# Bookings further ahead than this are surely a typo in the year.
MAX_DAYS_AHEAD = 366
# A lost race for a worker (someone else took them meanwhile) is retried with the others.
MATCH_ATTEMPTS = 3

# (from, to) pairs of SPEC §7; everything else is refused.
TRANSITIONS = {
    ("awaiting_worker", "assigned"),
    ("assigned", "in_progress"),
    ("in_progress", "completed"),
    ("awaiting_worker", "cancelled"),
    ("assigned", "cancelled"),
    ("assigned", "failed"),
    ("awaiting_worker", "expired"),
}

REFUSALS = {
    "assigned": _l("A worker can no longer be assigned: the order is %(state)s."),
    "in_progress": _l("You cannot check in: the order is %(state)s."),
    "completed": _l("You cannot finish this order: it is %(state)s."),
    "cancelled": _l("This order can no longer be cancelled: it is %(state)s."),
    "failed": _l("This order cannot fail now: it is %(state)s."),
    "expired": _l("This order cannot end unmatched: it is %(state)s."),
}


# --- locking and transitions -------------------------------------------------------------

def _locked(order_id: int) -> Order:
    """The order, locked for the rest of the transaction, read fresh from the database."""
    order = locked(Order, Order.id == order_id, options=[joinedload(Order.service_type)])
    if order is None:
        raise NotFound(_l("There is no such order."))
    return order


def _owned(order_id: int, by: User, role: str) -> Order:
    """The order locked, if ``by`` is its client or worker; others learn nothing about it."""
    order = _locked(order_id)
    owner = order.client_id if role == "client" else order.worker_id
    if by is None or by.role != role or owner != by.id:
        raise NotFound(_l("There is no such order."))
    return order


def _actor(by: User | None) -> tuple[int | None, str]:
    return (by.id, by.role) if by is not None else (None, "system")


def _note(order: Order, kind: str, by: User | None, note: str = "") -> TimelineEntry:
    actor_id, actor_role = _actor(by)
    entry = TimelineEntry(order_id=order.id, at=clock.now(), kind=kind, actor_id=actor_id,
                          actor_role=actor_role, note=note)
    db.session.add(entry)
    return entry


def _transition(order: Order, to: str, kind: str, by: User | None, note: str = "") -> None:
    """Move ``order`` to ``to`` if SPEC §7 allows it, recorded with time and actor."""
    if (order.state, to) not in TRANSITIONS:
        raise Conflict(REFUSALS[to] % {"state": state_label(order.state)})
    entry = _note(order, kind, by, note)
    entry.from_state, entry.to_state = order.state, to
    order.state = to
    if to in FINAL_STATES:
        order.finished_at = entry.at  # in the same UPDATE as the state
    try:
        db.session.flush()
    except StaleDataError:
        # Somebody changed the order between our read and our write (SQLite without the lock).
        raise Conflict(_l("The order changed meanwhile. Reload the page and try again."))
    if to in FINAL_STATES:  # the worker's record matching weighs moves with the order
        records.count_outcome(order)


def _finished(order: Order, outcome: str) -> None:
    """``order.finished`` for billing, bets and quality control: once per order, in this transaction."""
    publish("order.finished", _payload(order) | {"outcome": outcome,
                                                 "finished_at": order.finished_at.isoformat()})


def _payload(order: Order) -> dict:
    return {
        "order_id": order.id, "client_id": order.client_id, "worker_id": order.worker_id,
        "price_cents": order.price_cents, "service_type": order.service_type.code,
        "starts_at": order.starts_at.isoformat(), "ends_at": order.ends_at.isoformat(),
        "address": order.address,
    }


# --- booking and matching ----------------------------------------------------------------

def _check_slot(starts_at: datetime, hours: int) -> datetime:
    if starts_at.tzinfo is None:
        raise ValueError("starts_at must be timezone-aware")
    if starts_at <= clock.now():
        raise DomainError(_l("Choose a time in the future."), field="date")
    if starts_at > clock.now() + timedelta(days=MAX_DAYS_AHEAD):
        raise DomainError(_l("Book at most a year ahead."), field="date")
    if not 1 <= hours <= MAX_HOURS:
        raise DomainError(lazy_ngettext("An order lasts 1 to %(num)s hour.", "An order lasts 1 to %(num)s hours.", MAX_HOURS), field="hours")
    return starts_at + timedelta(hours=hours)


def _client(by: User | None) -> User:
    if by is None or by.role != "client" or not by.active:
        raise DomainError(_l("Only clients book orders."))
    return by


def book_order(by: User, service_type_id: int, description: str, address: str,
               starts_at: datetime, hours: int = 2, submission_key: str | None = None) -> Order:
    """A client books a chore; matching runs at once (CL-3). The same form sent again
    (``submission_key``: a double click, a second tab) books nothing more and returns the
    order it booked."""
    client = _client(by)
    client_billing.require_may_book(client.id)  # an invoice unpaid after its last try blocks
    description, address = (description or "").strip(), (address or "").strip()
    if not description:
        raise DomainError(_l("Say what needs doing."), field="description")
    if not address:
        raise DomainError(_l("Enter the address."), field="address")
    ends_at = _check_slot(starts_at, hours)
    with transaction():
        service = db.session.get(ServiceType, service_type_id)
        if service is None or not service.active:
            raise DomainError(_l("Choose one of the services we offer."), field="service_type")
        order = Order(client_id=client.id, service_type=service, description=description,
                      address=address, starts_at=starts_at, ends_at=ends_at,
                      state="awaiting_worker", price_cents=order_price(service).cents,
                      created_at=clock.now(), submission_key=submission_key)
        if submission_key:
            order, added = add_once(order, Order, Order.submission_key == submission_key,
                                   Order.client_id == client.id)
            if not added:
                return order
        db.session.add(order)
        db.session.flush()
        _note(order, "booked", client).to_state = "awaiting_worker"
        if not _match(order, excluded=candidates.workers_who_failed(client.id)):
            _note(order, "waiting", None)
    return order


def match_order(order_id: int) -> bool:
    """Try again to find a worker for a waiting order (the retry job). True when assigned."""
    with transaction():
        order = _locked(order_id)
        if order.state != "awaiting_worker" or order.starts_at <= clock.now():
            return False
        excluded = candidates.workers_who_failed(order.client_id)
        if order.rebooked_from_id:
            excluded |= _failed_worker(order.rebooked_from_id)
        return _match(order, excluded)


def waiting_order_ids(limit: int = 500) -> list[int]:
    """Orders still waiting for a worker whose start is ahead (for the retry job)."""
    return list(db.session.scalars(
        select(Order.id).where(Order.state == "awaiting_worker", Order.starts_at > clock.now())
        .order_by(Order.starts_at).limit(limit)
    ))


def _failed_worker(order_id: int) -> set[int]:
    worker_id = db.session.scalar(select(Order.worker_id).where(Order.id == order_id))
    return {worker_id} if worker_id else set()


def _match(order: Order, excluded: set[int]) -> bool:
    """Run the matching pipeline and assign its choice; a worker taken meanwhile is skipped."""
    excluded = set(excluded)
    for _ in range(MATCH_ATTEMPTS):
        reference = candidates.reference_for(order, order.service_type.code, excluded)
        result = matching.match(reference, candidates.ordinary_samples(order))
        matching.record_match(order.id, result)
        if result.sample_id is None:
            return False
        if _take_worker(order, result.sample_id):
            return True
        excluded.add(result.sample_id)
    return False


def _take_worker(order: Order, worker_id: int) -> bool:
    """Assign ``worker_id`` unless another order took their time since matching read it."""
    if db.session.get_bind().dialect.name == "postgresql":
        # One worker's calendar at a time: a concurrent match for the same worker waits here
        # and then sees this order (SQLite's single writer gives the same for free).
        db.session.execute(text("SELECT pg_advisory_xact_lock(7301, :worker)"), {"worker": worker_id})
    if db.session.scalar(select(exists().where(
            Order.worker_id == worker_id, Order.state.in_(BUSY_STATES), Order.id != order.id,
            Order.starts_at < order.ends_at, Order.ends_at > order.starts_at))):
        return False
    worker = db.session.get(User, worker_id)
    if worker is None or not worker.active or worker.role != "worker":
        return False
    order.worker_id = worker_id
    order.assigned_at = clock.now()
    _transition(order, "assigned", "assigned", None, note=worker.name)
    publish("order.accepted", _payload(order) | {"assigned_at": order.assigned_at.isoformat()})
    notify.worker_matched(order)
    notify.worker_found(order, worker)
    return True


# --- the client's actions ------------------------------------------------------------------

def cancel_order(order_id: int, by: User) -> Order:
    """The client cancels before check-in; it is still charged in full (CL-5)."""
    with transaction():
        order = _owned(order_id, by, "client")
        _transition(order, "cancelled", "cancelled", by)
        _finished(order, "cancelled")
        notify.status_changed(order, to_client=False, to_worker=True)
    return order


def rate_order(order_id: int, by: User, stars: int, comment: str = "") -> Order:
    """The client confirms a completed order with 1–5 stars (CL-6); ratings feed matching."""
    if not isinstance(stars, int) or not 1 <= stars <= 5:
        raise DomainError(_l("Give 1 to 5 stars."), field="stars")
    return _feedback(order_id, by, "rating", stars, (comment or "").strip())


def report_problem(order_id: int, by: User, text_: str) -> Order:
    """The client reports a problem with a completed order; quality control opens a case."""
    text_ = (text_ or "").strip()
    if not text_:
        raise DomainError(_l("Tell us what went wrong."), field="comment")
    return _feedback(order_id, by, "problem", None, text_)


def _feedback(order_id: int, by: User, kind: str, stars: int | None, comment: str) -> Order:
    with transaction():
        order = _owned(order_id, by, "client")
        if order.state != "completed":
            raise Conflict(_l("You can rate an order or report a problem once it is completed."))
        if db.session.get(Feedback, order.id) is not None:
            raise Conflict(_l("You already gave your word on this order."))
        db.session.add(Feedback(order_id=order.id, kind=kind, stars=stars, comment=comment,
                                created_at=clock.now()))
        _note(order, "rated" if kind == "rating" else "problem_reported", by,
              note=f"{stars}/5 {comment}".strip() if kind == "rating" else comment)
        if kind == "problem":
            publish("problem.reported", _payload(order) | {"comment": comment})
        try:
            db.session.flush()
        except IntegrityError:  # the same form sent twice at once
            raise Conflict(_l("You already gave your word on this order."))
        records.count_feedback(order, kind, stars)
    return order


def rebook_order(order_id: int, by: User, starts_at: datetime) -> Order:
    """A copy of a failed order on another date, matched to a different worker (CL-7)."""
    with transaction():
        failed = _owned(order_id, by, "client")
        client_billing.require_may_book(failed.client_id)
        if failed.state != "failed":
            raise Conflict(_l("Only a failed order can be rebooked."))
        if db.session.scalar(select(Order.id).where(Order.rebooked_from_id == failed.id)):
            raise Conflict(_l("This order was already rebooked."))
        hours = max(1, round((failed.ends_at - failed.starts_at).total_seconds() / 3600))
        ends_at = _check_slot(starts_at, hours)
        order = Order(client_id=failed.client_id, service_type=failed.service_type,
                      description=failed.description, address=failed.address,
                      starts_at=starts_at, ends_at=ends_at, state="awaiting_worker",
                      price_cents=order_price(failed.service_type).cents,
                      rebooked_from_id=failed.id, created_at=clock.now())
        db.session.add(order)
        db.session.flush()
        _note(order, "booked", by, note=f"#{failed.id}").to_state = "awaiting_worker"
        _note(failed, "rebooked", by, note=f"#{order.id}")
        excluded = candidates.workers_who_failed(order.client_id) | _failed_worker(failed.id)
        if not _match(order, excluded):
            _note(order, "waiting", None)
    return order


# --- the worker's actions ------------------------------------------------------------------

def check_in(order_id: int, by: User, photo: bytes) -> Order:
    """The worker arrives, uploads a photo and starts (WK-2)."""
    with transaction():
        order = _owned(order_id, by, "worker")
        now = clock.now()
        if order.state == "assigned":
            if now < rules.check_in_opens_at(order):
                raise DomainError(lazy_ngettext("Check-in opens %(num)s minute before the start.",
                                                "Check-in opens %(num)s minutes before the start.",
                                                rules.check_in_early_minutes()))
            if now >= rules.no_show_deadline(order):
                raise DomainError(lazy_ngettext(
                    "It is too late to check in: the start was more than %(num)s minute ago.",
                    "It is too late to check in: the start was more than %(num)s minutes ago.",
                    rules.no_show_minutes()))
            if not rules.kit_is_issued(order):
                raise DomainError(_l("Pick up the order's kit at the warehouse first."))
        _transition(order, "in_progress", "checked_in", by)
        order.checked_in_at = now
        # Bets close at check-in.
        publish("order.started", _payload(order) | {"checked_in_at": now.isoformat()})
        _store_photo(order, "check_in", photo, by)
        notify.status_changed(order, to_client=True, to_worker=False)
    return order


def finish_order(order_id: int, by: User, photo: bytes) -> Order:
    """The worker uploads the report the client signed; the order is completed (WK-3)."""
    with transaction():
        order = _owned(order_id, by, "worker")
        _transition(order, "completed", "completed", by)
        _store_photo(order, "report", photo, by)
        _finished(order, "completed")
        notify.status_changed(order)
    return order


def _store_photo(order: Order, kind: str, raw: bytes, by: User) -> OrderPhoto:
    clean = reencode(raw)
    reused = BadImage(_l("This picture was already used for an order, perhaps saved again or resized. "
                         "Take a new photo."))
    if _used_before(clean):
        raise reused
    bands = dict(zip(("dhash_q1", "dhash_q2", "dhash_q3", "dhash_q4"),
                     hash_bands(clean.dhash) if clean.dhash is not None else (None,) * 4))
    photo = OrderPhoto(order_id=order.id, kind=kind, sha256=clean.sha256, pixels_sha256=clean.pixels_sha256,
                       dhash=clean.dhash, **bands, content_type=clean.content_type, data=clean.data,
                       width=clean.width, height=clean.height, uploaded_by=by.id, created_at=clock.now())
    db.session.add(photo)
    try:
        db.session.flush()
    except IntegrityError:  # the same photo uploaded twice at the same moment
        raise reused
    return photo


def _used_before(clean) -> bool:
    """The same bytes, the same pixels, or a picture whose hash is within a few bits of this
    one's (one query: the identical ones and the near candidates together)."""
    same = or_(OrderPhoto.sha256 == clean.sha256, OrderPhoto.pixels_sha256 == clean.pixels_sha256)
    if clean.dhash is None:
        return db.session.scalar(select(exists().where(same)))
    q1, q2, q3, q4 = hash_bands(clean.dhash)
    rows = db.session.execute(select(OrderPhoto.dhash, same).where(or_(
        same, OrderPhoto.dhash_q1 == q1, OrderPhoto.dhash_q2 == q2, OrderPhoto.dhash_q3 == q3,
        OrderPhoto.dhash_q4 == q4)))
    return any(identical or same_picture(clean.dhash, other) for other, identical in rows)


# --- what other contexts tell the order ---------------------------------------------------

def record_kit_issued(order_id: int, issued_by: int, issued_at: datetime) -> None:
    """The warehouse handed the kit to the worker (``kit.issued``): the timeline says who and when."""
    with transaction():
        order = db.session.get(Order, order_id)
        if order is None:
            return
        _note(order, "kit_issued", db.session.get(User, issued_by)).at = issued_at


# --- the no-show sweep ---------------------------------------------------------------------

def overdue_order_ids(limit: int = 500) -> list[int]:
    """Assigned orders whose worker has not checked in by the deadline."""
    return list(db.session.scalars(
        select(Order.id).where(Order.state == "assigned",
                               Order.starts_at <= clock.now() - rules.no_show_grace())
        .order_by(Order.starts_at).limit(limit)
    ))


def fail_no_show(order_id: int) -> bool:
    """Fail one order whose worker did not come (WK-4); False if it moved on meanwhile."""
    with transaction():
        order = _locked(order_id)
        if order.state != "assigned" or clock.now() < rules.no_show_deadline(order):
            return False
        _transition(order, "failed", "failed", None)
        _finished(order, "failed")
        notify.no_show(order)
    return True


def fail_no_shows() -> list[int]:
    """The sweep: fail every overdue order, each in its own transaction."""
    return [order_id for order_id in overdue_order_ids() if fail_no_show(order_id)]


# --- orders nobody was found for -------------------------------------------------------------

def unmatched_past_start_ids(limit: int = 500) -> list[int]:
    """Orders still waiting for a worker when their start has come (for the matching sweep)."""
    return list(db.session.scalars(
        select(Order.id).where(Order.state == "awaiting_worker", Order.starts_at <= clock.now())
        .order_by(Order.starts_at).limit(limit)
    ))


def expire_unmatched(order_id: int) -> bool:
    """End an order no worker was found for by its start: the client is told, nothing is
    charged (no ``order.finished``: there is no worker to pay or fine, no book, no kit).
    False if it moved on meanwhile."""
    with transaction():
        order = _locked(order_id)
        if order.state != "awaiting_worker" or order.starts_at > clock.now():
            return False
        _transition(order, "expired", "expired", None)
        publish("order.expired", _payload(order) | {"expired_at": order.finished_at.isoformat()})
        notify.no_worker_found(order)
    return True


def expire_unmatched_orders() -> list[int]:
    """The sweep: end every order still waiting at its start, each in its own transaction."""
    return [order_id for order_id in unmatched_past_start_ids() if expire_unmatched(order_id)]
