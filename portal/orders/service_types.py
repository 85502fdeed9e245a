"""The list of services managers maintain (names and descriptions in both languages, a base price)."""

from __future__ import annotations

import re

from sqlalchemy import select

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
