"""Every advisory lock the product takes, in one place.

All are transaction-scoped (released at commit or rollback), and each kind is
taken in id order by one statement, so two holders of several never deadlock.

- ``lock_people``: writing a person's raw rows (snapshots and activity). Every
  writer takes it: the entry form and the API (``recording``), imports and
  their undo, Django admin edits and deletes, demo seeding, and deleting the
  person. An import can therefore insert the rows it found new without
  ON CONFLICT, and its created / updated / unchanged counts stay exact.
- ``lock_recompute_people`` / ``lock_recompute_team``: recomputing a person's
  or a team's derived rows. Concurrent recomputes of one person or team take
  turns instead of racing on the derived tables' unique keys. They share no key
  with the writers: a recompute reads committed rows, and each write asks for
  its own recompute after it commits, so writers and recomputes need not wait
  for each other.
"""

from __future__ import annotations

from collections.abc import Iterable

# The key spaces: a person's writing lock is (PEOPLE_WRITING << 32) + their id;
# a person's recompute lock is their bare id (the one-key form); a team's
# recompute lock is the two-key form (TEAM_RECOMPUTE, team id), which
# PostgreSQL keeps apart from every one-key lock.
PEOPLE_WRITING = 0x5551
TEAM_RECOMPUTE = 7_000_001


def lock_people(cursor, user_ids: Iterable[int]) -> None:
    """Hold these people's writing locks until the transaction ends."""
    cursor.execute(
        "SELECT pg_advisory_xact_lock((%s::bigint << 32) + id) FROM unnest(%s::bigint[]) AS id",
        [PEOPLE_WRITING, sorted(set(user_ids))],
    )


def lock_recompute_people(cursor, user_ids: Iterable[int]) -> None:
    """Hold these people's recompute locks until the transaction ends."""
    cursor.execute("SELECT COUNT(pg_advisory_xact_lock(u)) FROM unnest(%s::bigint[]) AS u", [sorted(set(user_ids))])


def lock_recompute_team(cursor, team_id: int) -> None:
    """Hold a team's recompute lock until the transaction ends."""
    cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TEAM_RECOMPUTE, team_id])
