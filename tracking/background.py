"""What a background write (an import, an undo, a recompute) does around its transaction.

``guard``: for the rest of the transaction PostgreSQL cancels any statement that
runs past ``SSI_BACKGROUND_STATEMENT_TIMEOUT`` seconds. That is below the tasks'
soft time limit, so the database stops the query itself, rolls it back and
frees its locks, instead of the task giving up while its query goes on. It also
has PostgreSQL look for a vanished client (a worker killed mid-statement) every
few seconds, so a dead worker's statement does not run on to its end either.

``analyze``: after a big write, fresh planner statistics for the tables it
changed. Autovacuum analyses them later, if at all; until then a join over
200,000 rows the planner has never counted can be planned as nested loops and
take minutes instead of seconds.
"""

from __future__ import annotations

import psycopg
from django.conf import settings
from django.db import DatabaseError, connection

# Writes of at least this many rows analyse the tables they changed.
ANALYZE_AFTER_ROWS = 10_000
CLIENT_CHECK_INTERVAL = "2s"


def statement_timeout() -> int:
    """Seconds a background statement may run."""
    return settings.SSI_BACKGROUND_STATEMENT_TIMEOUT


def guard(cursor) -> None:
    """Limit the statements of the current transaction (call it inside one)."""
    cursor.execute(
        "SELECT set_config('statement_timeout', %s, true), set_config('client_connection_check_interval', %s, true)",
        [f"{statement_timeout()}s", CLIENT_CHECK_INTERVAL],
    )


def timed_out(error: BaseException) -> bool:
    """Whether ``error`` is PostgreSQL cancelling a statement past its timeout."""
    return isinstance(error, DatabaseError) and isinstance(error.__cause__, psycopg.errors.QueryCanceled)


def timeout_text() -> str:
    return f"a database statement ran past the {statement_timeout()} s a background statement may take"


def analyze(rows: int, *models) -> None:
    """ANALYZE the models' tables when ``rows`` rows were written. Run it after
    the write commits: ANALYZE holds a lock that blocks other ANALYZEs and
    schema changes until its transaction ends."""
    if rows < ANALYZE_AFTER_ROWS:
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
