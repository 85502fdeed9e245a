"""How the lifecycle's states and timeline entries read, in the user's language."""

from __future__ import annotations

from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_pgettext

# In context: "failed" and "cancelled" are also email, kit and case words that Russian says
# differently (an order is «сорван», an email «не доставлено»).
STATE_LABELS = {
    "awaiting_worker": lazy_pgettext("order state", "waiting for a worker"),
    "assigned": lazy_pgettext("order state", "worker assigned"),
    "in_progress": lazy_pgettext("order state", "in progress"),
    "completed": lazy_pgettext("order state", "completed"),
    "cancelled": lazy_pgettext("order state", "cancelled"),
    "failed": lazy_pgettext("order state", "failed"),
    "expired": lazy_pgettext("order state", "no worker found"),
}

ENTRY_LABELS = {
    "booked": _l("Booked"),
    "waiting": _l("No worker free yet; we keep looking"),
    "assigned": _l("Worker assigned"),
    "checked_in": _l("Worker checked in and started"),
    "completed": _l("Completed with the signed report"),
    "cancelled": _l("Cancelled"),
    "failed": _l("Failed: the worker did not check in"),
    "expired": _l("Ended: no worker was free before the start; nothing is charged"),
    "rated": _l("Rated"),
    "problem_reported": _l("Problem reported"),
    "rebooked": _l("Rebooked"),
    "kit_issued": _l("Kit issued to the worker"),
}


def state_label(state: str):
    return STATE_LABELS.get(state, state)


def entry_label(kind: str):
    return ENTRY_LABELS.get(kind, kind)
