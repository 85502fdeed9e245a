"""The conservation check's worker half: every earning, fine, bonus and payout balances."""

from __future__ import annotations

from sqlalchemy import String, cast, func, literal, select

from portal import ledger
from portal.db import db
from portal.words import Message, N_, Words, money, term
from portal.worker_billing.models import Line, Payout

FINDINGS = Words({
    "line_not_posted": N_("Worker line %(line)s: %(amount)s, but the ledger shows %(posted)s."),
    "payout_not_its_lines": N_("Payout %(payout)s pays %(amount)s and carries %(carry)s, but its lines come to %(total)s."),
    "payout_not_posted": N_("Payout %(payout)s (%(state)s, %(amount)s): the ledger shows %(posted)s paid."),
})
PAYOUT_STATES = {"pending": N_("being paid"), "paid": N_("paid"), "nothing": N_("nothing to pay")}


def problems(limit: int = 50) -> list[Message]:
    """What does not balance, as coded findings; an empty list when everything does."""
    found: list[Message] = []
    lines = ledger.debits_by_key("earning", "fine", "bonus", "correction")
    # As ``line_key`` names them: by order, or by the line's own id (bonuses, corrections).
    key = func.coalesce(Line.kind + literal(":order:") + cast(Line.order_id, String),
                        Line.kind + literal(":") + cast(Line.id, String))
    for line_id, amount, posted in db.session.execute(
        select(Line.id, Line.amount_cents, lines.c.cents).join(lines, lines.c.key == key, isouter=True)
        .where(func.coalesce(lines.c.cents, -1) != func.abs(Line.amount_cents)).limit(limit)
    ):
        found.append(Message(FINDINGS, "line_not_posted", {
            "line": line_id, "amount": money(amount), "posted": money(posted)}))
    of_kind = (select(Line.payout_id, func.sum(Line.amount_cents).label("net"))
               .where(Line.payout_id.is_not(None)).group_by(Line.payout_id).subquery())
    net = func.coalesce(of_kind.c.net, 0) + Payout.carried_in_cents
    for payout_id, amount, carry, total in db.session.execute(
        select(Payout.id, Payout.amount_cents, Payout.carry_out_cents, net)
        .join(of_kind, of_kind.c.payout_id == Payout.id, isouter=True)
        .where(Payout.amount_cents + Payout.carry_out_cents != net).limit(limit)
    ):
        found.append(Message(FINDINGS, "payout_not_its_lines", {
            "payout": payout_id, "amount": money(amount), "carry": money(carry), "total": money(total)}))
    paid = ledger.debits_by_key("payout")
    pkey = literal("payout:") + cast(Payout.id, String)
    for payout_id, state, amount, posted in db.session.execute(
        select(Payout.id, Payout.state, Payout.amount_cents, paid.c.cents).join(paid, paid.c.key == pkey, isouter=True)
        .where(((Payout.state == "paid") & (func.coalesce(paid.c.cents, -1) != Payout.amount_cents))
               | ((Payout.state != "paid") & paid.c.cents.is_not(None))).limit(limit)
    ):
        found.append(Message(FINDINGS, "payout_not_posted", {
            "payout": payout_id, "state": term(PAYOUT_STATES.get(state, state)), "amount": money(amount),
            "posted": money(posted)}))
    return found
