"""Rules of ARCHITECTURE.md that code review alone would let slip.

A moved clock must move the whole portal (a deadline read from the wall clock would not
follow the demo or a test), money must never pass through a float, and imports point one way.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import Integer

from portal.config import ROOT
from portal.models import metadata

CODE = ("portal", "roles", "jobs")
CLOCK = ROOT / "portal" / "clock.py"

# Calls that read a clock other than portal.clock: the wall clock, or the database's.
WALL_CLOCK = {
    ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
    ("time", "time"), ("time", "time_ns"), ("func", "now"), ("func", "current_timestamp"),
}

# Column names (split on "_") that hold an amount of money.
MONEY_WORDS = {
    "amount", "price", "total", "subtotal", "stake", "fine", "bonus", "balance", "fee", "cost",
    "payout", "pot", "cents", "penalty", "refund", "commission", "salary",
}


# os.environ.get("X"), environ["X"], env.get("X"), _flag("X") as portal/config.py reads settings.
# Settings come from the process environment (os.environ, config's ``env``); a WSGI
# request's environ (PATH_INFO, HTTP_*) is not a setting.
ENV_READ = re.compile(r"""(?:\bos\.environ\.get|\bos\.environ\[|\benv\.get|_flag)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")


def _python_files():
    for folder in CODE:
        yield from (ROOT / folder).rglob("*.py")


def _clock_reads(source: str) -> list[tuple[int, str]]:
    """(line, call) of every call in ``source`` that reads a clock other than portal.clock."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            owner_name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", None)
            if (owner_name, node.func.attr) in WALL_CLOCK:
                found.append((node.lineno, ast.unparse(node)))
    return sorted(found)


def test_only_the_portal_clock_reads_the_time():
    reads = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in _python_files() if path != CLOCK
        for line, call in _clock_reads(path.read_text())
    ]
    assert reads == [], "use portal.clock.now() / today() instead:\n" + "\n".join(reads)


def test_the_clock_check_catches_wall_clock_reads_but_not_the_portal_clock():
    sample = (
        "import datetime, time\nfrom sqlalchemy import func\n"
        "a = datetime.datetime.now()\nb = datetime.date.today()\nc = time.time()\n"
        "d = func.now()\ne = clock.now()\n# datetime.now() in a comment is fine\n"
    )
    assert [call for _, call in _clock_reads(sample)] == [
        "datetime.datetime.now()", "datetime.date.today()", "time.time()", "func.now()",
    ]


def _row_locks(source: str) -> list[tuple[int, str]]:
    """(line, call) of every ``with_for_update`` that is not a batch claim (``skip_locked=True``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr == "with_for_update":
            skips = any(k.arg == "skip_locked" and getattr(k.value, "value", False) is True for k in node.keywords)
            if not skips:
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_rows_are_locked_only_through_portal_db_locked():
    """``FOR UPDATE`` alone does nothing on SQLite: a read-then-change takes its row through
    ``portal.db.locked``. Claiming a batch nobody else holds (``skip_locked=True``) is fine: on
    SQLite the operation's transaction already holds the write lock."""
    locks = [
        f"{path.relative_to(ROOT)}:{line}: {call}"
        for path in _python_files() if path != ROOT / "portal" / "db.py"
        for line, call in _row_locks(path.read_text())
    ]
    assert locks == [], "lock rows with portal.db.locked(Model, *criteria):\n" + "\n".join(locks)


def test_the_row_lock_check_catches_for_update_but_not_a_batch_claim():
    sample = ("a = select(X).with_for_update()\nb = select(X).with_for_update(of=X)\n"
              "c = select(X).with_for_update(skip_locked=True)\nd = locked(X, X.id == 1)\n")
    assert [call for _, call in _row_locks(sample)] == [
        "select(X).with_for_update()", "select(X).with_for_update(of=X)"]


def test_money_columns_hold_integer_hundredths():
    money_columns = [
        column for table in metadata.tables.values() for column in table.columns
        if MONEY_WORDS & set(column.name.lower().split("_"))
    ]
    not_integer = [
        f"{column.table.name}.{column.name}: {column.type!r}" for column in money_columns
        if not isinstance(getattr(column.type, "impl", column.type), Integer)
    ]
    assert not_integer == [], "money is stored in integer hundredths (portal.money):\n" + "\n".join(not_integer)


def test_imports_point_one_way():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / ".importlinter"), "--no-cache"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_setting_read_from_the_environment_is_documented():
    # An operator learns the settings from the README's table, so a new one must be added there.
    readme = (ROOT / "README.md").read_text()
    names = set()
    for path in _python_files():
        names |= set(ENV_READ.findall(path.read_text()))
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert names and undocumented == [], f"add these to README.md's Configuration table: {undocumented}"
