"""What happens to kits: opened on ``order.accepted``, assembled, the cookie ordered and
received, ready, issued to the worker, or cancelled with the order.

Each operation is one transaction that locks the kit, checks its state and writes, or
raises a DomainError and writes nothing. Two racing clicks leave exactly one result: the
kit row is locked (PostgreSQL) or the write lock taken (SQLite) before the state is read,
and the version column refuses a stale write anywhere.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from portal import clock, notifications, people
from portal.db import db, locked, transaction
from portal.errors import Conflict, DomainError, NotFound
from portal.events import publish
from portal.i18n import lazy_gettext as _l
from portal.urls import external_url
from portal.warehouse.bakery import Bakery, BakeryUnavailable, CookieFor
from portal.warehouse.models import CookieRequest, Kit
from portal.warehouse.states import kit_state_label

STAFF_ROLES = ("warehouse", "manager")
# A request the bakery has not answered for this long is sent again by the periodic check
# (in case the retrying job itself was lost).
UNANSWERED_RESEND_AFTER = timedelta(minutes=5)
# The worker should have the kit this long before the start (check-in opens 30 minutes before).
DEFAULT_PICKUP_LEAD_MINUTES = 60


# --- locking -------------------------------------------------------------------------------

def _locked(kit_id: int) -> Kit:
    """The kit with its cookie, locked for the rest of the transaction, read fresh.

    The cookie is read by a second statement, once the kit's lock is held: joined into the
    locking statement, PostgreSQL would hand back the cookie as it was before the wait (only
    the locked row is read again), and the bakery's late answer would overwrite a cookie the
    staff had received meanwhile. Every change to a cookie takes its kit's lock first."""
    kit = locked(Kit, Kit.id == kit_id, options=[selectinload(Kit.cookie)])
    if kit is None:
        raise NotFound(_l("There is no such kit."))
    return kit


def _staff(by) -> None:
    if by is None or by.role not in STAFF_ROLES:
        raise DomainError(_l("Only warehouse staff handle kits."))


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict(_l("The kit changed meanwhile. Reload the board and try again."))


def _refuse(kit: Kit, action) -> Conflict:
    return Conflict(_l("%(action)s is not possible: the kit is %(state)s.",
                       action=action, state=kit_state_label(kit.state)))


def _kit_of_order(order_id: int) -> Kit | None:
    return db.session.scalar(select(Kit).where(Kit.order_id == order_id).options(joinedload(Kit.cookie)))


# --- opening and cancelling (events) -------------------------------------------------------

def open_kit(accepted: dict) -> Kit:
    """Open the kit for an accepted order (payload of ``order.accepted``); once per order.

    The cookie request is saved with its idempotency key before the bakery is ever called;
    ``kit.opened`` then asks the job to call it, after this transaction commits.
    """
    with transaction():
        existing = _kit_of_order(accepted["order_id"])
        if existing is not None:
            return existing
        client = people.get_person(accepted["client_id"])
        worker = people.get_person(accepted["worker_id"])
        now = clock.now()
        kit = Kit(order_id=accepted["order_id"], client_id=accepted["client_id"],
                  client_name=client.name if client else "", worker_id=accepted["worker_id"],
                  worker_name=worker.name if worker else "", service_type=accepted["service_type"],
                  address=accepted["address"], starts_at=datetime.fromisoformat(accepted["starts_at"]),
                  state="new", opened_at=now)
        db.session.add(kit)
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:  # the same order opened by a racing delivery: theirs stands
            return _kit_of_order(accepted["order_id"])
        kit.cookie = CookieRequest(kit_id=kit.id, idempotency_key=f"kit-{kit.id}",
                                   state="requested", requested_at=now)
        publish("kit.opened", {"kit_id": kit.id, "order_id": kit.order_id})
    return kit


def cancel_kit(finished: dict) -> Kit | None:
    """The order was cancelled or failed (payload of ``order.finished``): its kit leaves the
    working list, kept for the record.

    ``order.finished`` may be handled before ``order.accepted`` (a client cancelling at once):
    the kit is then opened here from the same facts, so the late ``order.accepted`` finds it
    cancelled instead of opening a kit nobody needs.
    """
    if finished.get("worker_id") is None:  # cancelled while waiting for a worker: never had a kit
        return None
    with transaction():
        kit = _locked(open_kit(finished).id)
        if kit.state != "cancelled":
            kit.state = "cancelled"
            kit.cancelled_at = clock.now()
            _flush()
    return kit


# --- the cookie ------------------------------------------------------------------------------

def request_cookie(kit_id: int, bakery: Bakery) -> datetime | None:
    """Order the kit's cookie from ``bakery``; returns the expected arrival, None if not needed.

    The attempt is committed before the call and the answer after it, so no transaction
    stays open while the bakery takes its time. A refusal is recorded and raised again
    for the job to retry; the idempotency key makes a retry return the same cookie.
    """
    with transaction():
        kit = _locked(kit_id)
        cookie = kit.cookie
        if kit.state in ("issued", "cancelled") or cookie.state != "requested":
            return None
        cookie.attempts += 1
        cookie.last_attempt_at = clock.now()
        key, details = cookie.idempotency_key, CookieFor(kit.client_name, kit.address, _language(kit.client_id))
    try:
        expected_at = bakery.order_cookie(key, details)
    except BakeryUnavailable as exc:
        with transaction():
            cookie = _locked(kit_id).cookie
            cookie.last_error = str(exc)[:500]
        raise
    with transaction():
        kit = _locked(kit_id)
        if kit.cookie.state == "requested":  # received meanwhile stays received
            kit.cookie.state = "late" if expected_at <= clock.now() else "expected"
            kit.cookie.expected_at = expected_at
            kit.cookie.last_error = ""
    return expected_at


def _language(user_id: int) -> str:
    person = people.get_person(user_id)
    return person.language if person else "en"


def mark_cookie_received(kit_id: int, by) -> Kit:
    """Staff put the bakery's cookie in the kit (it may come before the bakery's answer)."""
    _staff(by)
    with transaction():
        kit = _locked(kit_id)
        if kit.state not in ("new", "assembling"):
            raise _refuse(kit, _l("Receiving the cookie"))
        if kit.cookie.state == "received":
            raise Conflict(_l("The cookie is already in the kit."))
        kit.cookie.state = "received"
        kit.cookie.received_at = clock.now()
        _flush()
    return kit


def cookie_request_ids_to_chase(limit: int = 500) -> list[int]:
    """Kits whose cookie is overdue, or unanswered for a while (the periodic check)."""
    now = clock.now()
    open_kits = Kit.state.in_(("new", "assembling"))
    overdue = (CookieRequest.state == "expected") & (CookieRequest.expected_at <= now)
    unanswered = (CookieRequest.state == "requested") & (
        CookieRequest.requested_at <= now - UNANSWERED_RESEND_AFTER)
    return list(db.session.scalars(
        select(CookieRequest.kit_id).join(Kit, Kit.id == CookieRequest.kit_id)
        .where(open_kits, overdue | unanswered).order_by(CookieRequest.kit_id).limit(limit)))


def chase_cookies() -> tuple[list[int], list[int]]:
    """Mark overdue cookies late; returns (kits now late, kits whose request to send again)."""
    late, unanswered = [], []
    now = clock.now()
    for kit_id in cookie_request_ids_to_chase():
        with transaction():
            cookie = _locked(kit_id).cookie
            if cookie.state == "expected" and cookie.expected_at <= now:
                cookie.state = "late"
                late.append(kit_id)
            elif cookie.state == "requested" and (cookie.last_attempt_at or cookie.requested_at) \
                    <= now - UNANSWERED_RESEND_AFTER:
                unanswered.append(kit_id)
    return late, unanswered


# --- assembling, ready, issued ---------------------------------------------------------------

def start_assembling(kit_id: int, by) -> Kit:
    """Staff start putting the kit together."""
    _staff(by)
    with transaction():
        kit = _locked(kit_id)
        if kit.state != "new":
            raise _refuse(kit, _l("Starting to assemble"))
        kit.state = "assembling"
        _flush()
    return kit


def mark_ready(kit_id: int, by) -> Kit:
    """The kit is complete, the cookie in it; the worker is emailed to pick it up (WH-3)."""
    _staff(by)
    with transaction():
        kit = _locked(kit_id)
        if kit.state not in ("new", "assembling"):
            raise _refuse(kit, _l("Marking it ready"))
        if kit.cookie.state != "received":
            raise DomainError(_l("The fortune cookie is not in the kit yet: mark it received first."))
        kit.state = "ready"
        kit.ready_at = clock.now()
        _flush()
        publish("kit.ready", {"kit_id": kit.id, "order_id": kit.order_id, "worker_id": kit.worker_id})
    return kit


def issue_kit(kit_id: int, by) -> Kit:
    """Hand the ready kit to the worker: who and when is recorded once (WH-3)."""
    _staff(by)
    with transaction():
        kit = _locked(kit_id)
        if kit.state == "issued":
            raise Conflict(_l("This kit was already issued."))
        if kit.state != "ready":
            raise _refuse(kit, _l("Issuing it"))
        kit.state = "issued"
        kit.issued_at = clock.now()
        kit.issued_by, kit.issued_by_name = by.id, by.name
        _flush()
        publish("kit.issued", {"kit_id": kit.id, "order_id": kit.order_id, "issued_by": by.id,
                               "issued_at": kit.issued_at.isoformat()})
    return kit


def email_pickup(kit_id: int) -> None:
    """Tell the worker where and when to pick up their ready kit, in their language."""
    with transaction():
        kit = db.session.get(Kit, kit_id)
        worker = people.get_person(kit.worker_id) if kit else None
        if kit is None or kit.state != "ready" or worker is None or not worker.email:
            return
        lead = timedelta(minutes=current_app.config.get("WAREHOUSE_PICKUP_LEAD_MINUTES",
                                                         DEFAULT_PICKUP_LEAD_MINUTES))
        notifications.queue_email(
            worker.email, "kit_ready", worker.language, time_zone=worker.time_zone, name=worker.name, kit=kit,
            warehouse_address=current_app.config["WAREHOUSE_ADDRESS"],
            pick_up_by=max(kit.starts_at - lead, clock.now()),
            link=external_url("workers.order", order_id=kit.order_id))
