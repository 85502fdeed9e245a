"""The warehouse's part: the kits board, for warehouse staff and managers."""

from __future__ import annotations

from flask import Blueprint

from portal import warehouse
from portal.auth import require_role

bp = Blueprint("warehouse", __name__, url_prefix="/warehouse")
require_role(bp, "warehouse", "manager")


@bp.context_processor
def _kit_labels():
    return {"kit_state_label": warehouse.kit_state_label, "cookie_state_label": warehouse.cookie_state_label}


from roles.warehouse import views  # noqa: E402,F401 - registers the views
