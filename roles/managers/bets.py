"""The managers' betting pool: the bet slip on each order page, and who won what."""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from portal import bets, orders
from portal.errors import DomainError, NotFound
from portal.htmx import redirect, render, stop_polling
from portal.i18n import lazy_gettext as _l
from portal.inputs import page_number
from portal.money import Money
from roles.forms import MoneyField, apply_domain_error
from roles.managers import bp

# The pool refreshes itself this often while the order can still change it.
POLL_SECONDS = 5


class BetForm(FlaskForm):
    outcome = RadioField(_l("How will the order end?"), validators=[DataRequired(_l("Choose an outcome."))])
    stake = MoneyField(_l("Your stake, CU"), validators=[DataRequired(_l("Enter a stake."))],
                       minimum=Money(1), maximum=bets.MAX_STAKE, example=_l("Enter a stake like 10 or 2.50."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = [SelectChoice(o, orders.state_label(o)) for o in bets.OUTCOMES]



@dataclass
class Slip:
    """What the bet slip shows: the book, the managers' names, this manager's form."""

    book: bets.BookView
    names: dict[int, str]
    form: BetForm
    mine: bets.Bet | None


def _slip(order_id: int, form: BetForm | None = None) -> Slip:
    book = bets.book_view(order_id)
    mine = book.bet_of(current_user.id)
    if form is None:
        form = BetForm(formdata=None, outcome=mine.outcome if mine else None,
                       stake=Money(mine.stake_cents).format(request.accept_languages.best or "en")
                       if mine else "")
    return Slip(book, orders.people_names([b.manager_id for b in book.bets]), form, mine)


@bp.app_template_global("bet_slip")
def bet_slip(order_id: int) -> Slip:
    """For the order page's include of ``_bet_slip.html``."""
    return _slip(order_id)


def _order_or_404(order_id: int) -> None:
    try:
        orders.order_detail(order_id, current_user)
    except NotFound:
        abort(404)


@bp.get("/bets/orders/<int:order_id>")
def bet_pool(order_id: int):
    """The order's pool, stakes and odds; the slip polls it until the book is settled."""
    _order_or_404(order_id)
    slip = _slip(order_id)
    response = render("managers/bets_order.html", "managers/_bet_pool.html", slip=slip,
                      order_id=order_id, polling=True)
    return stop_polling(response) if slip.book.settled else response


@bp.post("/bets/orders/<int:order_id>")
def place_bet(order_id: int):
    """A manager places or changes their bet on an order."""
    _order_or_404(order_id)
    form = BetForm()
    if form.validate_on_submit():
        try:
            bets.place_bet(order_id, current_user, form.outcome.data, form.stake.money)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            flash(_("Your bet is in."), "success")
            return redirect(url_for("managers.order", order_id=order_id))
    return render("managers/bets_order.html", "managers/_bet_slip.html", slip=_slip(order_id, form),
                  order_id=order_id)


@bp.post("/bets/orders/<int:order_id>/withdraw")
def withdraw_bet(order_id: int):
    """A manager takes their bet back before check-in."""
    _order_or_404(order_id)
    try:
        bets.withdraw_bet(order_id, current_user)
    except DomainError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Your bet is withdrawn."), "success")
    return redirect(url_for("managers.order", order_id=order_id))


@bp.get("/bets")
def bets_overview():
    """What takes bets now and this manager's open bets; the leaderboard, the house bank and,
    per settled order that had bets, who gets how much."""
    board = bets.leaderboard()
    books, placed = bets.recent_settlements(page_number())
    ids = {t.manager_id for t in board} | {b.manager_id for rows in placed.values() for b in rows}
    return render("managers/bets.html", betting=bets.open_betting(current_user.id),
                  board=board, house=bets.house_bank(), books=books,
                  placed=placed, names=orders.people_names(sorted(ids)))
