"""How kit and cookie states read, in the user's language."""

from __future__ import annotations

from portal.i18n import lazy_gettext as _l
from portal.i18n import lazy_pgettext

KIT_STATE_LABELS = {
    "new": lazy_pgettext("kit state", "new"),
    "assembling": _l("assembling"),
    "ready": _l("ready for pickup"),
    "issued": lazy_pgettext("kit state", "issued"),
    "cancelled": lazy_pgettext("kit state", "cancelled"),
}

COOKIE_STATE_LABELS = {
    "requested": _l("requested"),
    "expected": _l("expected"),
    "late": _l("late"),
    "received": _l("received"),
}


def kit_state_label(state: str):
    return KIT_STATE_LABELS.get(state, state)


def cookie_state_label(state: str):
    return COOKIE_STATE_LABELS.get(state, state)
