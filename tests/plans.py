"""How PostgreSQL would run a statement a page ran: which growing tables it reads whole.

The statement is explained with sequential scans priced out (``enable_seqscan = off``): the
planner then uses an index wherever one can serve. A growing table is read whole when the plan
still scans it sequentially, or walks a whole index (no ``Index Cond``) with nothing that stops
early above it: a ``Limit`` reached only through nodes that stream rows (a ``Sort``, an
aggregate or a hash reads all of its input first). That is what an exact count, a total or a
sort no index serves looks like.
"""

from __future__ import annotations

import re

from portal.db import db

# Tables that hold a handful of rows whatever the business's size (settings, catalogues,
# the ledger's accounts, the test sets hiring writes by hand): reading them whole is cheap.
SMALL_TABLES = frozenset({
    "alembic_version", "service_types", "qc_settings", "qc_causes", "matching_pipelines",
    "matching_pipeline_steps", "ledger_accounts", "applicant_tests", "applicant_questions",
    "applicant_choices", "applicant_test_sets", "applicant_test_set_items", "applicant_vacancy_test_sets",
})

_EXPLAINABLE = re.compile(r"\s*(SELECT|WITH|UPDATE|DELETE)\b", re.I)
_SCANS = {"Seq Scan", "Index Scan", "Index Only Scan"}
# Nodes that read all of their input before giving a row: a Limit above them stops nothing below.
_JOINS = {"Nested Loop", "Merge Join", "Hash Join"}
_BLOCKING = {"Sort", "Aggregate", "Hash", "Materialize", "Incremental Sort", "SetOp", "WindowAgg"}


def plan(statement: str, parameters) -> dict | None:
    """PostgreSQL's plan for ``statement`` (JSON), sequential scans priced out; None for
    statements with nothing to scan (BEGIN, INSERT … VALUES)."""
    if not _EXPLAINABLE.match(statement):
        return None
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        found = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar_one()
        conn.rollback()
    return found[0]["Plan"]


def _whole_reads(node: dict, limited: bool, joined: bool = False) -> list[str]:
    """Growing tables that ``node``'s subtree reads whole; ``limited``: a Limit above stops it
    early; ``joined``: under a join, whose sides the planner picks by the (small) test data's
    statistics, so only a sequential scan there counts."""
    kind = node["Node Type"]
    found = []
    table = node.get("Relation Name")
    if kind in _SCANS and table and table not in SMALL_TABLES:
        if kind == "Seq Scan" or ("Index Cond" not in node and not limited and not joined):
            found.append(f"{kind} on {table}")
    if kind == "Limit":
        limited = True
    elif kind in _BLOCKING:
        limited = False
    joined = joined or kind in _JOINS
    for child in node.get("Plans", []):
        found += _whole_reads(child, limited, joined)
    return found


def full_scans(calls, accepted: frozenset[str] = frozenset()) -> list[str]:
    """Each statement of ``calls`` (``(statement, parameters)``) that reads a growing table
    (other than the ``accepted`` ones) whole, with what it reads whole."""
    with db.engine.connect() as conn:
        # Fresh statistics, as autovacuum keeps them: the planner sees how many rows there are.
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    found = []
    for statement, parameters in calls:
        tree = plan(statement, parameters)
        whole = [] if tree is None else [r for r in _whole_reads(tree, limited=False) if r.split()[-1] not in accepted]
        if whole:
            found.append(f"{', '.join(whole)}:\n{statement}")
    return found
