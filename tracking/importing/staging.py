"""The writer's full path: the parsed rows are copied (PostgreSQL COPY) into a
temporary staging table; checks that need the database (unknown people, each
person's own "today", duplicates within the file) run there as set operations;
then, per table, the staged rows are compared with the stored ones
(``IS DISTINCT FROM``) and only new rows are inserted and changed ones updated,
so a row whose values are already stored is left alone and the created /
updated / unchanged counts are exact. An overwritten row's previous values are
logged (``ImportChange``) for ``undo``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from tracking import rules
from tracking.changes import rows_changed
from tracking.importing import copy_layout
from tracking.importing.rows import SALES_NAVIGATOR, VALUE_COLUMNS, ParsedFile, kept
from tracking.locks import lock_people
from tracking.models import Activity, ImportChange, ImportJob, Snapshot, Source, User

_COLUMN_TYPES = {
    "ssi": "numeric(6,3)", "industry_avg": "numeric(6,3)", "network_avg": "numeric(6,3)",
    "industry_rank": "smallint", "network_rank": "smallint",
    **{p: "numeric(5,3)" for p in rules.PILLARS},
    **{c: "integer" for c in rules.ACTIVITY_FIELDS},
}


class Staging:
    """One import's staging table and the SQL run on it, inside the transaction."""

    def __init__(self, cursor, parsed: ParsedFile, job: ImportJob | None):
        self.cursor = cursor
        self.parsed = parsed
        self.job_id = job.pk if job is not None else None
        self.identical_duplicates = 0
        self.scores = copy_layout.snapshot_scores(parsed.fields)
        self.counts = tuple(f for f in rules.ACTIVITY_FIELDS if f in parsed.fields)
        self.users = User._meta.db_table
        self.snapshots = Snapshot._meta.db_table
        self.activities = Activity._meta.db_table
        self.changes = ImportChange._meta.db_table

    def execute(self, sql: str, params=None):
        self.cursor.execute(sql, params)
        return self.cursor

    # -- staging -----------------------------------------------------------

    def stage(self, progress: Callable[[int], None] | None, sample: list | None = None) -> None:
        value_columns = ", ".join(f"{c} {_COLUMN_TYPES[c]}" for c in (*self.scores, *self.counts))
        # Temporary tables are the session's: a previous import's in the same
        # session is gone at commit, but not inside a test's outer transaction.
        self.execute("DROP TABLE IF EXISTS import_staging, import_rejected, import_touched")
        self.execute(f"""
            CREATE TEMPORARY TABLE import_staging (
                line integer NOT NULL, email text NOT NULL, name text NOT NULL, date date NOT NULL,
                period_start date, period_end date, has_activity boolean NOT NULL, {value_columns}
            ) ON COMMIT DROP""")
        self.execute(
            "CREATE TEMPORARY TABLE import_rejected (line integer, field text, message text, email text, value text)"
            " ON COMMIT DROP"
        )
        self.execute("""CREATE TEMPORARY TABLE import_touched (
            line integer, user_id bigint, day date, kind char(1), created boolean, has_snapshot boolean
        ) ON COMMIT DROP""")
        columns = ", ".join((*VALUE_COLUMNS, *self.scores, *self.counts))
        total = max(self.parsed.total_records, 1)
        with self.cursor.copy(f"COPY import_staging ({columns}) FROM STDIN") as copy:
            rows = self.parsed.values(self.scores, self.counts, sample, copy_layout.copy_value)
            for chunk in copy_layout.staging_chunks(rows):
                copy.write(chunk)
                if progress is not None:
                    progress(min(80, self.parsed.records * 80 // total))
        # The planner knows nothing of a fresh temporary table; the join keys are what matter.
        self.execute("ANALYZE import_staging (email, date, period_start, period_end)")

    def drop(self) -> None:
        self.execute("DROP TABLE import_staging, import_rejected, import_touched")

    # -- checks that need the database ---------------------------------------

    def create_people(self) -> list[str]:
        """Create everyone the file names who is not here yet (with no password:
        they set one through the password-reset link). Sorted, so two imports
        creating the same people wait for each other instead of deadlocking."""
        missing = self.execute(f"""
            SELECT DISTINCT ON (s.email) s.email, s.name FROM import_staging s
            WHERE NOT EXISTS (SELECT 1 FROM {self.users} u WHERE lower(u.email) = s.email)
            ORDER BY s.email, s.line""").fetchall()
        # Only the rows this INSERT wrote count as created: a concurrent import
        # creating the same people inserts them once, and the other's conflict
        # (on the lower-cased email) returns nothing. Defaults are those of the
        # model; the password is unusable, a distinct one per person.
        created = self.execute(f"""
            INSERT INTO {self.users} (password, is_superuser, email, name, time_zone, linkedin_url, industry,
                                      is_active, is_staff, date_joined)
            SELECT p.password, false, p.email, p.name, %s, '', '', true, false, now()
            FROM unnest(%s::text[], %s::text[], %s::text[]) AS p(email, name, password)
            ORDER BY p.email
            ON CONFLICT DO NOTHING
            RETURNING email""", [
            User._meta.get_field("time_zone").default,
            [email for email, _ in missing], [(name or "")[:150] for _, name in missing],
            [make_password(None) for _ in missing],
        ]).fetchall()
        return sorted(email for (email,) in created)

    def check_people(self) -> None:
        """Refuse rows naming nobody known, and rows dated after their person's today."""
        self.execute(f"""
            INSERT INTO import_rejected (line, field, message, email, value)
            SELECT s.line, 'email', 'No one here has the email “' || s.email
                   || '”: add them first, or let the import create people.', s.email, s.email
            FROM import_staging s
            WHERE NOT EXISTS (SELECT 1 FROM {self.users} u WHERE lower(u.email) = s.email)""")
        latest = self.execute("SELECT greatest(max(date), max(period_end)) FROM import_staging").fetchone()[0]
        # Nowhere on Earth is it earlier than UTC-12: dates up to then are past for everyone.
        if latest is None or latest <= (timezone.now() - dt.timedelta(hours=12)).date():
            return
        zones = [z for (z,) in self.execute(f"""
            SELECT DISTINCT u.time_zone FROM {self.users} u JOIN import_staging s ON lower(u.email) = s.email
        """).fetchall()]
        todays = [User(time_zone=zone).today() for zone in zones]
        self.execute(f"""
            INSERT INTO import_rejected (line, field, message, email, value)
            SELECT s.line,
                   CASE WHEN s.date > z.today THEN 'date' ELSE 'period_end' END,
                   CASE WHEN s.date > z.today THEN 'The date cannot be in the future.'
                        ELSE 'The period cannot end in the future.' END,
                   s.email, CASE WHEN s.date > z.today THEN s.date ELSE s.period_end END::text
            FROM import_staging s
            JOIN {self.users} u ON lower(u.email) = s.email
            JOIN unnest(%s::text[], %s::date[]) AS z(zone, today) ON z.zone = u.time_zone
            WHERE s.date > z.today OR (s.has_activity AND s.period_end > z.today)""", [zones, todays])

    def drop_identical_duplicates(self) -> list[int]:
        """Rows repeating an earlier row exactly are imported once; rows giving the
        same person and day different values are all refused (which is right is
        not ours to guess). A usage report's activity is checked by period too."""
        dropped = self._dedupe(("email", "date"), (*self.scores, *self.counts, "period_start", "period_end"),
                               "the same email and date")
        if self.parsed.format == SALES_NAVIGATOR and self.counts:
            dropped += self._dedupe(("email", "period_start", "period_end"), self.counts,
                                    "the same email and period", where="WHERE has_activity")
        return sorted(dropped)

    def _dedupe(self, key: tuple[str, ...], values: tuple[str, ...], what: str, where: str = "") -> list[int]:
        key_sql = ", ".join(key)
        joined = " AND ".join(f"s.{k} = d.{k}" for k in key)
        rows = self.execute(f"""
            WITH k AS (
                SELECT {key_sql} FROM import_staging {where} GROUP BY {key_sql} HAVING count(*) > 1
            ),
            d AS (
                SELECT {key_sql}, array_agg(line ORDER BY line) AS lines, count(DISTINCT ROW({", ".join(values)})) AS variants
                FROM import_staging JOIN k USING ({key_sql}) {where} GROUP BY {key_sql}
            ),
            gone AS (
                DELETE FROM import_staging s USING d
                WHERE d.variants = 1 AND {joined} AND s.line = ANY(d.lines) AND s.line <> d.lines[1]
                RETURNING s.line
            ),
            refused AS (
                INSERT INTO import_rejected (line, field, message, email, value)
                SELECT unnest(d.lines), NULL,
                       'Lines ' || array_to_string(d.lines[1:cardinality(d.lines) - 1], ', ') || ' and '
                       || d.lines[cardinality(d.lines)] || ' give {what} with different values: keep one of them.',
                       d.email, ''
                FROM d WHERE d.variants > 1
            )
            SELECT line FROM gone""").fetchall()
        self.identical_duplicates += len(rows)
        return [line for (line,) in rows]

    def rejected_lines(self) -> int:
        return self.execute("SELECT count(DISTINCT line) FROM import_rejected").fetchone()[0]

    def rejections(self, limit: int) -> list[dict]:
        rows = self.execute(
            "SELECT line, field, message, email, value FROM import_rejected ORDER BY line, field LIMIT %s", [limit]
        ).fetchall()
        return [{"line": line, "field": field_name, "message": message, "email": kept(email), "value": kept(value)}
                for line, field_name, message, email, value in rows]

    def drop_rejected(self) -> None:
        self.execute("DELETE FROM import_staging WHERE line IN (SELECT line FROM import_rejected)")

    # -- writing ----------------------------------------------------------

    def lock_people(self) -> None:
        ids = [pk for (pk,) in self.execute(f"""
            SELECT DISTINCT u.id FROM {self.users} u JOIN import_staging s ON lower(u.email) = s.email ORDER BY u.id
        """).fetchall()]
        lock_people(self.cursor, ids)

    def upsert(self) -> tuple[int, int, int]:
        """Write the staged rows; (created, updated, valid rows)."""
        self._upsert(self.snapshots, "s", ("date",), self.scores, "s.ssi IS NOT NULL")
        if self.counts:
            self._upsert(self.activities, "a", ("period_start", "period_end"), self.counts, "s.has_activity")
        # A row counts as created when its snapshot is new (or, for a seat's
        # activity without SSI, its activity); as updated when anything changed.
        created, updated = self.execute("""
            SELECT count(*) FILTER (WHERE created), count(*) FILTER (WHERE NOT created) FROM (
                SELECT bool_or(created AND (kind = 's' OR NOT has_snapshot)) AS created
                FROM import_touched GROUP BY line
            ) x""").fetchone()
        valid = self.execute("SELECT count(*) FROM import_staging").fetchone()[0]
        return created, updated, valid

    def _upsert(self, table: str, kind: str, key: tuple[str, ...], values: tuple[str, ...], where: str) -> None:
        """One table's upsert. Rows are compared with what is stored first, so only
        new and changed rows are written: new ones inserted, changed ones updated
        by id. Every writer of snapshots and activity takes the people's advisory
        locks before it writes (``lock_people``), so that comparison stays true
        until commit, and a new row needs no ON CONFLICT arbitration."""
        key_sql = ", ".join(key)
        values_sql = ", ".join(values)
        # A snapshot's key is one date; an activity's, its period.
        start, end = (key[0], key[0]) if len(key) == 1 else key
        log = previous = ""
        if self.job_id is not None:
            previous = ", to_jsonb(o) - 'id' AS previous"
            log = f"""
            , logged AS (
                INSERT INTO {self.changes} (job_id, kind, user_id, period_start, period_end, previous)
                SELECT %(job)s, %(kind_name)s, user_id, {start}, {end}, previous FROM src WHERE NOT created
            )"""
        self.execute(f"""
            WITH src AS (
                SELECT u.id AS user_id, s.line, {", ".join(f"s.{c}" for c in (*key, *values))},
                       o.id AS stored, o.id IS NULL AS created, s.ssi IS NOT NULL AS has_snapshot{previous}
                FROM import_staging s
                JOIN {self.users} u ON lower(u.email) = s.email
                LEFT JOIN {table} o ON o.user_id = u.id AND {" AND ".join(f"o.{k} = s.{k}" for k in key)}
                WHERE {where}
                  AND (o.id IS NULL OR ({", ".join(f"o.{v}" for v in values)}) IS DISTINCT FROM
                                       ({", ".join(f"s.{v}" for v in values)}))
            ),
            inserted AS (
                INSERT INTO {table} (user_id, {key_sql}, {values_sql}, source, import_job_id, import_line,
                                     created_at, updated_at)
                SELECT user_id, {key_sql}, {values_sql}, %(source)s, %(job)s, line, %(now)s, %(now)s
                FROM src WHERE created
            ),
            changed AS (
                UPDATE {table} t SET ({values_sql}, source, import_job_id, import_line, updated_at)
                    = ({", ".join(f"src.{v}" for v in values)}, %(source)s, %(job)s, src.line, %(now)s)
                FROM src WHERE NOT src.created AND t.id = src.stored
            ){log}
            INSERT INTO import_touched (line, user_id, day, kind, created, has_snapshot)
            SELECT line, user_id, {start}, %(kind)s, created, has_snapshot FROM src
        """, {
            "source": Source.IMPORT.value, "job": self.job_id, "now": timezone.now(), "kind": kind,
            "kind_name": ImportChange.Kind.SNAPSHOT.value if kind == "s" else ImportChange.Kind.ACTIVITY.value,
        })

    def schedule_recomputes(self) -> None:
        """After commit, one recompute per person whose data changed, from their
        earliest changed day."""
        rows_changed(dict(self.execute("SELECT user_id, min(day) FROM import_touched GROUP BY user_id")))

