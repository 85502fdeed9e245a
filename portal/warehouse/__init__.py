"""Warehouse (order package preparing): a kit per accepted order, the bakery's fortune
cookie in it, ready for pickup and issued to the worker (SPEC §12).

Other packages use only what is named here. Events consumed: ``order.accepted`` (open the
kit), ``order.finished`` (cancel it when the order was cancelled or failed). Events
published: ``kit.opened`` (order the cookie), ``kit.ready`` (email the worker),
``kit.issued`` (the order's timeline).
"""

from portal.warehouse.bakery import Bakery, BakeryUnavailable, CookieFor, SandboxBakery, configured_bakery
from portal.warehouse.models import COOKIE_STATES, KIT_STATES, WORKING_STATES, CookieRequest, Kit
from portal.warehouse.operations import (
    cancel_kit, chase_cookies, email_pickup, issue_kit, mark_cookie_received, mark_ready, open_kit,
    request_cookie, start_assembling,
)
from portal.warehouse.queries import (
    DUE_SOON, WORKING, BoardFilters, KitStatus, Pickups, board, due_soon_cutoff, get_kit, kit_issued, kit_status,
    kit_statuses, kits_due_before, matching_kits, pickups_of,
)
from portal.warehouse.states import cookie_state_label, kit_state_label

__all__ = [
    "COOKIE_STATES", "DUE_SOON", "KIT_STATES", "WORKING", "WORKING_STATES", "Bakery", "BakeryUnavailable",
    "BoardFilters", "CookieFor", "CookieRequest", "Kit", "KitStatus", "SandboxBakery", "board",
    "cancel_kit", "chase_cookies", "due_soon_cutoff", "kits_due_before", "matching_kits", "configured_bakery", "cookie_state_label", "email_pickup",
    "get_kit", "issue_kit", "kit_issued", "kit_state_label", "kit_status", "kit_statuses",
    "mark_cookie_received", "mark_ready", "open_kit", "Pickups", "pickups_of", "request_cookie", "start_assembling",
]
