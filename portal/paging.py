"""Pages of a list whose cost does not grow with the list: counts stop at a cap.

An exact ``COUNT(*)`` reads every row the filters match, on every page view (659 ms at
500 000 orders). A page instead counts the rows from its own first row up to ``COUNT_CAP``
further (``SELECT count(*) FROM (… OFFSET o LIMIT cap + 1)``, which an index on the list's
order serves). Below the cap the total is exact; past it the page says "1 000+".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

from babel.numbers import format_decimal
from sqlalchemy import CompoundSelect, Integer, Select, bindparam, func, inspect, literal_column, select, union_all

from portal.db import db
from portal.i18n import language

# Rows counted past a page's first row; a list longer than that shows "N+".
COUNT_CAP = 1_000


@dataclass
class Page:
    """One page of a list: ``items``, and as much of the total as was worth counting."""

    items: list
    page: int
    per_page: int
    total: int  # exact when ``total_exact``; else a lower bound
    total_exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def total_label(self) -> str:
        """``1 234`` or ``1 000+``: the total as a page says it."""
        return at_least(self.total, self.total_exact)

    @property
    def pages_label(self) -> str:
        return at_least(self.pages, self.total_exact)

    def __iter__(self):
        return iter(self.items)


def at_least(n: int, exact: bool = True) -> str:
    """A count in the reader's digits, with "+" when it is only a lower bound."""
    return _number(n, language()) + ("" if exact else "+")


@lru_cache(maxsize=2048)
def _number(n: int, lang: str) -> str:
    # Babel's number formatting, ~30 µs, kept per count and language: the overview writes eleven.
    return format_decimal(n, locale=lang)


def paginate(stmt: Select, page: int, per_page: int, *, cap: int | None = None, key=None,
             params: dict | None = None) -> Page:
    """Page ``page`` of ``stmt`` (already ordered) and how many rows follow it, in one statement
    whatever the list's length (the capped count rides on each row as an uncorrelated
    subquery, computed once: a second statement was a round trip and a tenth of a list page).

    A list of one entity pages its objects; a list of columns pages its rows, and names the
    column that identifies a row as ``key`` (deep pages find their keys first, see ``_rows``).
    A statement built once, with bind ``params``, has its paged form built once too."""
    cap = cap or COUNT_CAP
    page = max(page, 1)
    offset = (page - 1) * per_page
    shape = (stmt, cap, key, offset == 0)
    paged = _kept.get(shape) if params is not None else None
    if paged is None:
        paged = _paged(stmt, cap, key, first=offset == 0)
        if params is not None:
            _kept[shape] = paged
    one_entity = _entity(stmt) is not None
    result = db.session.execute(paged, {**(params or {}), "page_offset": offset, "page_limit": per_page})
    rows = (result.unique() if one_entity else result).all()  # an entity's joined loads repeat it
    # A row of columns keeps its trailing count: rebuilding 25 rows without it costs more
    # than the column nobody reads.
    items = [row[0] for row in rows] if one_entity else rows
    ahead = rows[0][-1] if rows else 0  # no row from the offset on: none to count either
    # Nothing from here on (a page past the end): the total is not known, only that it is no more.
    exact = ahead <= cap and (ahead > 0 or page == 1)
    return Page(items, page, per_page, offset + min(ahead, cap), total_exact=exact)


# The paged form of each statement built once (a few per process: the homes' lists).
_kept: dict[tuple, Select] = {}


def _paged(stmt: Select, cap: int, key, *, first: bool) -> Select:
    """``stmt``'s page at ``:page_offset`` (``:page_limit`` rows), each row with the count
    of rows from the page's first on, up to ``cap + 1``."""
    offset, limit = bindparam("page_offset", type_=Integer), bindparam("page_limit", type_=Integer)
    if key is None and (entity := _entity(stmt)) is not None:
        key = inspect(entity).primary_key[0]
    # Counted by key alone: what a row shows beside its key (an order list's names, looked up
    # per row) is not computed for the rows only counted, and an index can serve the count.
    counted = stmt if key is None else stmt.with_only_columns(key)
    ahead_of_page = select(func.count()).select_from(_window(counted.offset(offset), cap)).scalar_subquery()
    return _rows(stmt, limit, offset, key, first=first).add_columns(ahead_of_page.label("rows_ahead"))


def _entity(stmt: Select):
    """The entity a statement lists, when it lists exactly one (``select(Order)``)."""
    descriptions = stmt.column_descriptions
    return descriptions[0].get("entity") if len(descriptions) == 1 else None


def _rows(stmt: Select, limit, offset, key, *, first: bool) -> Select:
    """A page of rows. Past the first page the page's keys are found first, in the list's
    order (an index's entries: skipping 975 rows costs no row and no join), then only those
    rows are read with what they load: page 40 of the orders read 1 000 orders with their
    people to keep 25."""
    if first or key is None:
        return stmt.limit(limit).offset(offset)
    keys = stmt.with_only_columns(key).limit(limit).offset(offset).subquery()
    return stmt.join(keys, key == keys.c[key.name])


def capped_count(stmt: Select, cap: int | None = None) -> int:
    """How many rows ``stmt`` gives, counting no further than ``cap + 1``."""
    cap = cap or COUNT_CAP
    return db.session.scalar(select(func.count()).select_from(_window(stmt, cap)))


def _window(stmt: Select, cap: int):
    # The order does not change how many rows there are; without it any index may serve.
    # The cap is written into the SQL: a constant, not a parameter to send with every count.
    return stmt.order_by(None).limit(literal_column(str(int(cap) + 1))).subquery()


def capped_counts(stmts: dict[str, Select], cap: int | None = None) -> dict[str, int]:
    """``capped_count`` of each statement, in one statement (a count per state, per role)."""
    if not stmts:
        return {}
    return counts_statement(stmts, cap).run()


@dataclass(frozen=True)
class Counts:
    """The statement ``capped_counts`` runs, for a page that counts the same things on every
    view: built once, with bind parameters, and run with their values. Each part is keyed by
    its position, written into the SQL (forty parameters fewer for the overview's twenty
    counts: converting and sending them was a twelfth of the page)."""

    keys: tuple[str, ...]
    statement: CompoundSelect

    def run(self, params: dict | None = None) -> dict[str, int]:
        counted = dict(db.session.execute(self.statement, params or {}).tuples().all())
        return {key: counted[i] for i, key in enumerate(self.keys)}


def counts_statement(stmts: dict[str, Select], cap: int | None = None) -> Counts:
    cap = cap or COUNT_CAP
    return Counts(tuple(stmts), union_all(*(select(literal_column(str(i)), func.count()).select_from(_window(stmt, cap))
                                            for i, stmt in enumerate(stmts.values()))))


# A search box's text in a statement built once goes in as a bind parameter, which SQLAlchemy's
# ``contains(..., autoescape=True)`` does not take: the pattern is escaped here instead, so a
# "%" or "_" typed in the box is a character, not a wildcard.
LIKE_ESCAPE = "/"


def contains_pattern(text: str) -> str:
    """The LIKE pattern ``matches(column, name)`` takes as ``name``'s value: ``text`` anywhere."""
    escaped = text.replace(LIKE_ESCAPE, 2 * LIKE_ESCAPE).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")
    return f"%{escaped}%"


def matches(column, name: str):
    """``column`` contains the text whose ``contains_pattern`` is bound as ``name``."""
    return column.like(bindparam(name), escape=LIKE_ESCAPE)


def capped(n: int) -> str:
    """A count from ``capped_count``: ``1 000+`` when it reached past the cap."""
    return at_least(min(n, COUNT_CAP), n <= COUNT_CAP)


def init_app(app) -> None:
    app.jinja_env.filters["capped"] = capped
