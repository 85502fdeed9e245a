"""The order rules that will change when other contexts arrive, each kept in one place."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app

from portal import warehouse
from portal.orders.models import Order

# SPEC WK-2 / WK-4 (decisions): both windows are 30 minutes unless configured otherwise.
DEFAULT_CHECK_IN_EARLY_MINUTES = 30
DEFAULT_NO_SHOW_MINUTES = 30


def kit_is_issued(order: Order) -> bool:
    """Has the warehouse handed the order's kit to the worker? (Its public answer, WK-2.)"""
    return warehouse.kit_issued(order.id)


def check_in_early_minutes() -> int:
    """How many minutes before the start check-in opens."""
    return current_app.config.get("ORDERS_CHECK_IN_EARLY_MINUTES", DEFAULT_CHECK_IN_EARLY_MINUTES)


def no_show_minutes() -> int:
    """How many minutes after the start an assigned order without check-in fails."""
    return current_app.config.get("ORDERS_NO_SHOW_MINUTES", DEFAULT_NO_SHOW_MINUTES)


def check_in_opens_at(order: Order) -> datetime:
    return order.starts_at - timedelta(minutes=check_in_early_minutes())


def no_show_grace() -> timedelta:
    """How long after the start an assigned order without check-in fails."""
    return timedelta(minutes=no_show_minutes())


def no_show_deadline(order: Order) -> datetime:
    return order.starts_at + no_show_grace()
