"""Rows as PostgreSQL COPY text, in the two layouts the writer copies: the
staging table's (the row's values as the parser gives them, emails included)
and the snapshot table's own (the person's id, the day, the scores, the line,
then the columns every row of one import shares).

The parser presents each value with ``copy_value`` and remembers the text by
cell text, so a value seen before costs one look-up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence

from tracking.importing.rows import VALUE_COLUMNS, NotPlain

# Rows per chunk of COPY text handed to the database.
COPY_CHUNK_ROWS = 2000
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"


def copy_value(value) -> str:
    """A value as PostgreSQL's COPY text format writes it."""
    if value is None:
        return NULL
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def staging_chunks(rows: Iterable[Sequence[str]]) -> Iterator[str]:
    """COPY text for the staging table (``VALUE_COLUMNS`` then the scores and
    counts asked of the parser), from rows presented with ``copy_value``."""
    lines: list[str] = []
    add = lines.append
    for values in rows:
        add("\t".join(values))
        add("\n")
        if len(lines) >= 2 * COPY_CHUNK_ROWS:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


def snapshot_chunks(
    rows: Iterable[Sequence[str]], scores: int, people: dict[str, int], limits: dict[str, dt.date], tail: str,
) -> Iterator[str]:
    """COPY text for the snapshot table (user_id, date, the ``scores`` score
    columns, import_line, then ``tail``, the same for every row) from rows in
    the staging layout presented with ``copy_value``; raises ``NotPlain`` at a
    row naming a person not in ``people`` (email → id) or dated after their
    ``limits`` (email → their today)."""
    first = len(VALUE_COLUMNS)
    last = first + scores
    ids = {copy_value(email): str(pk) for email, pk in people.items()}
    ends = {copy_value(email): day.isoformat() for email, day in limits.items()}
    lines: list[str] = []
    add = lines.append
    for values in rows:
        email, date = values[1], values[3]
        person = ids.get(email)
        # ISO dates compare as their text does.
        if person is None or (ends and email in ends and date > ends[email]):
            raise NotPlain
        add("\t".join([person, date, *values[first:last], values[0]]))
        add(tail)
        if len(lines) >= 2 * COPY_CHUNK_ROWS:
            yield "".join(lines)
            lines.clear()
    if lines:
        yield "".join(lines)


# The total and the pillars are written together (the database checks their
# sum); the ranks and averages only when the file has their column, so a file
# without them leaves stored ones alone.
SNAPSHOT_ALWAYS = ("ssi", "brand", "people", "insights", "relationships")
SNAPSHOT_OPTIONAL = ("industry_rank", "network_rank", "industry_avg", "network_avg")


def snapshot_scores(fields: frozenset[str]) -> tuple[str, ...]:
    """The snapshot columns an import of a file giving ``fields`` writes."""
    return SNAPSHOT_ALWAYS + tuple(f for f in SNAPSHOT_OPTIONAL if f in fields)
