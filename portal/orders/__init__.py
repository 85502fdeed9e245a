"""Orders: booking, matching, the lifecycle, photos and feedback (the critical path)."""

from portal.orders.models import (
    ACTIVE_STATES, BUSY_STATES, FINAL_STATES, STATES, Feedback, Order, OrderPhoto, ServiceType,
    TimelineEntry,
)
from portal.orders.operations import (
    book_order, cancel_order, check_in, expire_unmatched, expire_unmatched_orders, fail_no_show, fail_no_shows, finish_order, match_order,
    overdue_order_ids, rate_order, rebook_order, record_kit_issued, report_problem,
    waiting_order_ids,
)
from portal.orders.pricing import Estimate, estimate, order_price
from portal.orders.queries import (
    OrderDetail, OrderFilters, ProblemReport, can_see, client_orders, matching_orders, order_counts, order_detail,
    order_photo, orders_by_id, people_names, problem_reports, recent_orders,
    search_orders, starting_between, worker_orders,
)
from portal.orders.records import worker_record
from portal.orders.rules import check_in_opens_at, kit_is_issued, no_show_deadline
from portal.orders.service_types import (
    MAX_BASE_PRICE, ServiceName, create_service_type, forget_service_names, get_service_type, list_service_types,
    service_name, service_names, update_service_type,
)
from portal.orders.states import entry_label, state_label

__all__ = [
    "ACTIVE_STATES", "BUSY_STATES", "FINAL_STATES", "MAX_BASE_PRICE", "STATES", "Estimate", "Feedback", "Order",
    "OrderDetail", "OrderFilters", "OrderPhoto", "ServiceName", "ServiceType", "TimelineEntry", "book_order",
    "can_see", "cancel_order", "matching_orders", "check_in", "check_in_opens_at", "client_orders",
    "create_service_type", "entry_label", "estimate", "expire_unmatched", "expire_unmatched_orders", "fail_no_show", "fail_no_shows",
    "finish_order", "forget_service_names", "get_service_type", "kit_is_issued", "list_service_types", "match_order",
    "no_show_deadline", "order_detail", "order_photo", "orders_by_id", "order_price", "overdue_order_ids", "people_names",
    "ProblemReport", "order_counts", "problem_reports", "recent_orders",
    "rate_order", "rebook_order", "record_kit_issued", "report_problem", "search_orders", "service_name", "service_names", "starting_between", "state_label",
    "update_service_type", "waiting_order_ids", "worker_orders", "worker_record",
]
