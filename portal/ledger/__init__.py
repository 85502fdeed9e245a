"""Ledger: double-entry books. Every movement of money is an entry whose postings sum to zero.

Other contexts write only through ``post`` (which validates) and read balances, which are
sums of postings. The sandbox providers for payments and payouts live here too: both billing
contexts move money in and out of the house bank through the same small interface.
"""

from portal.ledger.attempts import UNKNOWN_RETRY_AFTER, begin_try, end_try
from portal.ledger.books import (
    BANK, BONUSES, CORRECTIONS, DISCOUNTS, FINES, REVENUE, WORKER_COSTS, NewEntry, StatementLine, Unbalanced, balance, balance_query, balances,
    client_account, debits_by_key, entry_amounts, post, post_many, total_of_all_postings, unbalanced_entries, worker_account,
)
from portal.ledger.models import Account, Entry, Posting
from portal.ledger.providers import (
    DECLINED, ERROR, SUCCEEDED, Outcome, OutcomeUnknown, Provider, Sandbox, call_once, sandbox_token,
    script_next_calls,
)

__all__ = [
    "BANK", "BONUSES", "CORRECTIONS", "DECLINED", "DISCOUNTS", "ERROR", "FINES", "REVENUE", "SUCCEEDED",
    "UNKNOWN_RETRY_AFTER", "WORKER_COSTS", "Account", "begin_try", "end_try", "Entry", "call_once", "Outcome", "OutcomeUnknown", "Posting", "Provider",
    "NewEntry", "Sandbox", "StatementLine", "Unbalanced", "balance", "balance_query", "balances", "client_account", "debits_by_key", "entry_amounts",
    "post", "post_many", "sandbox_token", "script_next_calls",
    "total_of_all_postings", "unbalanced_entries", "worker_account",
]
