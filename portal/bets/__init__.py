"""Bets (SPEC §9): the managers stake their own money on how an order ends.

Books open on ``order.accepted``, close on ``order.started`` (the check-in) and are settled
once on ``order.finished``; the portal only computes who gets how much, it moves no money.
"""

from portal.bets.betting import (
    MAX_STAKE, BookView, ManagerTotals, OutcomeStakes, Settlement, book_view, close_book, divide_pool,
    MyBet, OpenBetting, OpenBook, house_bank, implied_odds, leaderboard, open_betting, open_book, place_bet,
    recent_settlements, settle_book, withdraw_bet,
)
from portal.bets.models import OUTCOMES, Bet, BetBook

__all__ = [
    "MAX_STAKE", "OUTCOMES", "Bet", "BetBook", "BookView", "ManagerTotals", "OutcomeStakes",
    "Settlement", "book_view", "close_book", "divide_pool", "house_bank", "implied_odds", "leaderboard",
    "MyBet", "OpenBetting", "OpenBook", "open_betting", "open_book", "place_bet", "recent_settlements", "settle_book", "withdraw_bet",
]
