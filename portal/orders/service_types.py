"""The list of services managers maintain (names and descriptions in both languages, a base price)."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session, object_session

from portal import clock
from portal.db import db, transaction
from portal.errors import DomainError, NotFound
from portal.events import publish
from portal.i18n import lazy_gettext as _l
from portal.money import Money
from portal.orders.models import DEFAULT_BASE_PRICE_CENTS, ServiceType

CODE = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
# The most an order of a service may list at: past it is a typing slip, and a week's invoice
# of many such orders still fits the money columns.
MAX_BASE_PRICE = Money.cu(10_000)


@dataclass(frozen=True)
class ServiceName:
    """What lists and filters show of a service: its id, code and names."""

    id: int
    code: str
    name_en: str
    name_ru: str
    active: bool

    def name(self, language) -> str:
        return (self.name_ru if str(language).startswith("ru") else self.name_en) or self.name_en


# The service names lists and filters show, kept per process: reading them was a statement on
# every view of the orders, quality, applicants and warehouse lists (a sixteenth of each), and
# they change when a manager edits a service, a few times a year. A change made in this process
# is seen at once (the mapper events below); other processes see it within NAMES_SECONDS.
# Kept per database (engine), so two apps in one process never show each other's.
NAMES_SECONDS = 10.0
_names: dict[Engine, tuple[float, tuple[ServiceName, ...], dict[int, ServiceName]]] = {}
_names_lock = threading.Lock()


def _held() -> tuple[float, tuple[ServiceName, ...], dict[int, ServiceName]]:
    engine = db.engine
    held = _names.get(engine)
    if held is None or time.monotonic() - held[0] > NAMES_SECONDS:
        with _names_lock:
            rows = db.session.execute(select(
                ServiceType.id, ServiceType.code, ServiceType.name_en, ServiceType.name_ru, ServiceType.active,
            ).order_by(ServiceType.name_en)).all()
            names = tuple(ServiceName(*row) for row in rows)
            held = _names[engine] = (time.monotonic(), names, {name.id: name for name in names})
    return held


def service_names() -> tuple[ServiceName, ...]:
    """Every service's id, code and names, by English name (read at most NAMES_SECONDS ago)."""
    return _held()[1]


def service_name(service_type_id: int, language) -> str:
    """One service's name in ``language`` (what an order's row shows). A service added in
    another process within NAMES_SECONDS is not kept yet: the names are read again, once."""
    name = _held()[2].get(service_type_id)
    if name is None:
        forget_service_names()
        name = _held()[2].get(service_type_id)
    return name.name(language) if name is not None else ""


def forget_service_names() -> None:
    """The next ``service_names()`` reads them again (a service was added or changed)."""
    _names.clear()


def _service_changed(_mapper, _connection, target) -> None:
    forget_service_names()
    session = object_session(target)
    if session is not None:  # and again once it is committed: a read in between saw the old names
        session.info["service_names_changed"] = True


for _change in ("after_insert", "after_update", "after_delete"):
    event.listen(ServiceType, _change, _service_changed)


@event.listens_for(Session, "after_commit")
def _forget_after_commit(session) -> None:
    if session.info.pop("service_names_changed", False):
        forget_service_names()


def list_service_types(active_only: bool = False) -> list[ServiceType]:
    stmt = select(ServiceType).order_by(ServiceType.name_en)
    if active_only:
        stmt = stmt.where(ServiceType.active.is_(True))
    return list(db.session.scalars(stmt))


def get_service_type(service_type_id: int) -> ServiceType:
    service = db.session.get(ServiceType, service_type_id)
    if service is None:
        raise NotFound(_l("There is no such service."))
    return service


def _check(name_en: str, name_ru: str, base_price: Money) -> None:
    if not name_en.strip():
        raise DomainError(_l("Enter the English name."), field="name_en")
    if not name_ru.strip():
        raise DomainError(_l("Enter the Russian name."), field="name_ru")
    if base_price.cents < 0:
        raise DomainError(_l("The price cannot be negative."), field="base_price")
    if base_price > MAX_BASE_PRICE:
        raise DomainError(_l("The price is at most %(max)s.", max=MAX_BASE_PRICE.format()), field="base_price")


def create_service_type(code: str, name_en: str, name_ru: str, description_en: str = "",
                        description_ru: str = "", base_price: Money | None = None,
                        active: bool = True) -> ServiceType:
    """A manager adds a service; its code is what hiring and matching know it by, so it never changes."""
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise DomainError(_l("A code is 2–40 lower-case letters, digits, - or _, starting with a letter."),
                          field="code")
    base_price = base_price if base_price is not None else Money(DEFAULT_BASE_PRICE_CENTS)
    _check(name_en, name_ru, base_price)
    with transaction():
        if db.session.scalar(select(ServiceType.id).where(ServiceType.code == code)):
            raise DomainError(_l("Another service already has this code."), field="code")
        service = ServiceType(code=code, name_en=name_en.strip(), name_ru=name_ru.strip(),
                              description_en=description_en.strip(),
                              description_ru=description_ru.strip(),
                              base_price_cents=base_price.cents, active=active,
                              created_at=clock.now())
        db.session.add(service)
        db.session.flush()
        publish("service_type.created", {"service_type_id": service.id, "code": code})
    return service


def update_service_type(service_type_id: int, name_en: str, name_ru: str, description_en: str,
                        description_ru: str, base_price: Money, active: bool) -> ServiceType:
    """Rename, re-describe, re-price or (de)activate a service; booked orders keep their price."""
    _check(name_en, name_ru, base_price)
    with transaction():
        service = get_service_type(service_type_id)
        service.name_en, service.name_ru = name_en.strip(), name_ru.strip()
        service.description_en, service.description_ru = description_en.strip(), description_ru.strip()
        service.base_price_cents, service.active = base_price.cents, active
    return service
