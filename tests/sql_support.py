"""What SQL a piece of code sends: for tests that a page or a lookup reads a table once, not per item."""
from __future__ import annotations

from typing import Any, Callable


def statements_while(run: Callable[[], Any], containing: str) -> tuple[Any, list[str]]:
    """``run()``'s result and the SQL statements containing ``containing`` sent while it ran."""
    from ckan.model import meta
    from sqlalchemy import event

    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        if containing in statement:
            seen.append(statement)

    event.listen(meta.engine, "before_cursor_execute", record)
    try:
        result = run()
    finally:
        event.remove(meta.engine, "before_cursor_execute", record)
    return result, seen
