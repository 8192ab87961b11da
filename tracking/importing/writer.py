"""Store parsed rows: one writer for the import command, the web upload and the API.

The rows are copied (PostgreSQL COPY) into a temporary staging table; checks that
need the database (unknown people, each person's own "today", duplicates within
the file) run there as set operations; then, per table, the staged rows are
compared with the stored ones (``IS DISTINCT FROM``) and only new rows are
inserted and changed ones updated, so a row whose values are already stored is
left alone and the created / updated / unchanged counts are exact. It all
happens in one transaction: by default any rejected row means nothing is written.

The common import of new days (a per-day file without activity, every row
plainly valid, known people, none of their days stored yet) takes a direct
path: its rows are copied straight into the snapshot table as the file is read,
and any file that turns out otherwise is rolled back to a savepoint and written
the full way (``_write_new_rows``).

Imports touching the same people take turns: each takes a transaction-scoped
advisory lock per person, in id order, before it reads or writes their rows, so
two imports can neither deadlock nor lose one another's updates. Every other
writer of snapshots and activity (forms and the API through
``recording.record_day``, Django admin, demo seeding, undo) takes the same locks,
which is what lets an import insert the rows it found new without ON CONFLICT.

An import records the previous values of every row it overwrites
(``ImportChange``), so ``undo`` can restore exactly what it changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import psycopg
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from tracking import rules
from tracking.changes import rows_changed
from tracking.importing import parser
from tracking.locks import lock_people
from tracking.models import Activity, ImportChange, ImportJob, Snapshot, Source, User

# The total and the pillars are written together (the database checks their
# sum); the ranks and averages only when the file has their column, so a file
# without them leaves stored ones alone.
SNAPSHOT_ALWAYS = ("ssi", *rules.PILLARS)
SNAPSHOT_OPTIONAL = ("industry_rank", "network_rank", "industry_avg", "network_avg")
_COLUMN_TYPES = {
    "ssi": "numeric(6,3)", "industry_avg": "numeric(6,3)", "network_avg": "numeric(6,3)",
    "industry_rank": "smallint", "network_rank": "smallint",
    **{p: "numeric(5,3)" for p in rules.PILLARS},
    **{c: "integer" for c in rules.ACTIVITY_FIELDS},
}


@dataclass
class ImportResult:
    """What an import did (or, for a dry run, would do)."""

    format: str
    encoding: str | None = None
    delimiter: str | None = None
    date_order: str | None = None
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[dict] = field(default_factory=list)
    rejected_lines: int = 0
    written: bool = False
    warnings: list[str] = field(default_factory=list)

    def report(self) -> dict:
        """The report the import command prints with --json (a fixed contract)."""
        return {
            "format": self.format,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "written": self.written,
        }

    def details(self) -> dict:
        """Everything, for an import job's stored report and the web pages."""
        return {
            **self.report(),
            "encoding": self.encoding,
            "delimiter": parser.DELIMITERS.get(self.delimiter or "", None),
            "date_order": self.date_order,
            "rejected_lines": self.rejected_lines,
            "warnings": self.warnings,
        }


class CannotUndo(Exception):
    """The import is not one that can be undone; ``str(err)`` says why."""


def import_file(
    stream: BinaryIO,
    *,
    job: ImportJob | None = None,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    create_users: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Parse ``stream`` and write its rows; record the outcome on ``job``.

    Raises ``parser.ImportFileError`` for a file that cannot be imported at all
    (``job`` then records the reason)."""
    try:
        parsed = parser.parse(stream, as_of=as_of)
        result = write(
            parsed, job=None if dry_run else job, dry_run=dry_run, create_users=create_users,
            skip_invalid=skip_invalid, progress=progress,
        )
    except parser.ImportFileError as error:
        if job is not None:
            job.status = ImportJob.Status.FAILED
            job.error = str(error)
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
        raise
    if job is not None:
        _record_outcome(job, result, dry_run)
    return result


def _record_outcome(job: ImportJob, result: ImportResult, dry_run: bool) -> None:
    job.format = result.format
    job.rows, job.created, job.updated, job.unchanged = result.rows, result.created, result.updated, result.unchanged
    job.rejected = result.rejected_lines
    job.report = result.details()
    update = ["format", "rows", "created", "updated", "unchanged", "rejected", "report"]
    if not dry_run:
        job.status = ImportJob.Status.DONE if result.written else ImportJob.Status.FAILED
        job.progress = 100
        job.finished_at = timezone.now()
        update += ["status", "progress", "finished_at"]
    job.save(update_fields=update)


def write(
    parsed: parser.ParsedFile,
    *,
    job: ImportJob | None = None,
    dry_run: bool = False,
    create_users: bool = False,
    skip_invalid: bool = False,
    progress: Callable[[int], None] | None = None,
    sample: list[parser.Row] | None = None,
) -> ImportResult:
    """Store ``parsed``'s rows in one transaction. With rejected rows nothing is
    written unless ``skip_invalid``; a dry run does everything, counts included,
    then rolls back. ``progress`` is called with a percentage now and then;
    ``sample``, when given, receives the first valid rows (for a preview)."""
    result = ImportResult(
        format=parsed.format, encoding=parsed.encoding, delimiter=parsed.delimiter, date_order=parsed.date_order
    )
    with transaction.atomic(), connection.cursor() as cursor:
        if sample is None and _write_new_rows(cursor, parsed, job, result, dry_run, progress):
            if not result.written:
                transaction.set_rollback(True)
            if progress is not None:
                progress(100)
            return result
        batch = _Batch(cursor, parsed, job)
        batch.stage(progress, sample)
        if create_users:
            created_people = batch.create_people()
            if created_people:
                result.warnings.append(_people_created(created_people))
        batch.check_people()
        duplicates = batch.drop_identical_duplicates()
        if duplicates:
            result.warnings.append(_duplicates_dropped(duplicates))
        result.warnings[:0] = parsed.warnings
        result.rows = parsed.records - batch.identical_duplicates
        result.rejected_lines = parsed.rejected_lines + batch.rejected_lines()
        result.rejected = sorted(
            parsed.rejected + batch.rejections(parser.MAX_REPORTED), key=lambda r: (r["line"], r["field"] or "")
        )[: parser.MAX_REPORTED]
        if result.rejected_lines == 0 or skip_invalid:
            batch.drop_rejected()
            batch.lock_people()
            result.created, result.updated, valid = batch.upsert()
            result.unchanged = valid - result.created - result.updated
            result.written = not dry_run
            if result.written:
                batch.schedule_recomputes()
        batch.drop()
        if not result.written:
            transaction.set_rollback(True)
    if progress is not None:
        progress(100)
    return result


def _write_new_rows(cursor, parsed: parser.ParsedFile, job: ImportJob | None, result: ImportResult,
                    dry_run: bool, progress: Callable[[int], None] | None) -> bool:
    """The direct path, for the common import of new days: a per-day file without
    activity whose every row is plainly valid, names only known people, none of
    them with a snapshot in the file's span of days, and no day after their
    today. Its rows are then all created, so they are copied straight into the
    snapshot table while the file is read, with no staging table, no comparison
    and no change log: what the full path would write, with the same counts.

    Returns False, having written nothing, as soon as the file is anything
    else (a row that needs the full checks, an unknown person, a stored day, a
    day repeated in the file); the full path then reads the file again."""
    if not isinstance(parsed, parser.CsvFile) or any(f in parsed.fields for f in rules.ACTIVITY_FIELDS):
        return False
    emails, span = parsed.named_people(), parsed.date_span()
    if not emails or span is None:
        return False
    users, snapshots = User._meta.db_table, Snapshot._meta.db_table
    cursor.execute(f"SELECT lower(email), id, time_zone FROM {users} WHERE lower(email) = ANY(%s)", [list(emails)])
    known = cursor.fetchall()
    if len(known) != len(emails):
        return False
    ids = sorted(pk for _, pk, _ in known)
    # The people's locks first, as every writer takes them: until commit no one
    # else writes their rows, so none of the days checked below can appear.
    lock_people(cursor, ids)
    first, last = span
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {snapshots} WHERE user_id = ANY(%s) AND date BETWEEN %s AND %s)",
        [ids, first, last],
    )
    if cursor.fetchone()[0]:
        return False
    limits = {}
    # Nowhere on Earth is it earlier than UTC-12: dates up to then are past for everyone.
    if last > (timezone.now() - dt.timedelta(hours=12)).date():
        for email, _, zone in known:
            today = User(time_zone=zone).today()
            if today < last:
                limits[parser.copy_value(email)] = today.isoformat()
    now = parser.copy_value(timezone.now())
    tail = f"\t{Source.IMPORT.value}\t{parser.copy_value(job.pk if job else None)}\t{now}\t{now}\n"
    scores = SNAPSHOT_ALWAYS + tuple(f for f in SNAPSHOT_OPTIONAL if f in parsed.fields)
    people = {parser.copy_value(email): str(pk) for email, pk, _ in known}
    columns = ", ".join(("user_id", "date", *scores, "import_line", "source", "import_job_id", "created_at",
                         "updated_at"))
    total = max(parsed.total_records, 1)
    try:
        with transaction.atomic(), cursor.copy(f"COPY {snapshots} ({columns}) FROM STDIN") as copy:
            for chunk in parsed.snapshot_copy_text(scores, people, limits, tail):
                copy.write(chunk)
                if progress is not None:
                    progress(min(80, parsed.records * 80 // total))
    except (parser.NotPlain, psycopg.IntegrityError):
        # A row for the full checks, or a day the file gives twice: read it again that way.
        parsed.restart()
        return False
    result.rows = result.created = parsed.records
    result.warnings[:0] = parsed.warnings
    result.written = not dry_run
    if result.written:
        cursor.execute(f"""
            SELECT id, (SELECT min(date) FROM {snapshots} s WHERE s.user_id = p.id AND s.date >= %s)
            FROM unnest(%s::bigint[]) AS p(id)""", [first, ids])
        rows_changed(dict(cursor.fetchall()))
    return True


def _people_created(emails: list[str]) -> str:
    shown = ", ".join(emails[:10]) + (f" and {len(emails) - 10} more" if len(emails) > 10 else "")
    return f"{len(emails)} {'person was' if len(emails) == 1 else 'people were'} created: {shown}."


def _duplicates_dropped(lines: list[int]) -> str:
    shown = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 else "")
    if len(lines) == 1:
        return f"Line {shown} repeats an earlier line exactly; it was imported once."
    return f"Lines {shown} repeat earlier lines exactly; each was imported once."


class _Batch:
    """One import's staging table and the SQL run on it, inside the transaction."""

    def __init__(self, cursor, parsed: parser.ParsedFile, job: ImportJob | None):
        self.cursor = cursor
        self.parsed = parsed
        self.job_id = job.pk if job is not None else None
        self.identical_duplicates = 0
        self.scores = SNAPSHOT_ALWAYS + tuple(f for f in SNAPSHOT_OPTIONAL if f in parsed.fields)
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
        self.execute("CREATE TEMPORARY TABLE import_rejected (line integer, field text, message text) ON COMMIT DROP")
        self.execute("""CREATE TEMPORARY TABLE import_touched (
            line integer, user_id bigint, day date, kind char(1), created boolean, has_snapshot boolean
        ) ON COMMIT DROP""")
        columns = ", ".join(("line", "email", "name", "date", "period_start", "period_end", "has_activity",
                             *self.scores, *self.counts))
        total = max(self.parsed.total_records, 1)
        with self.cursor.copy(f"COPY import_staging ({columns}) FROM STDIN") as copy:
            for chunk in self.parsed.copy_text(self.scores, self.counts, sample):
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
            INSERT INTO import_rejected (line, field, message)
            SELECT s.line, 'email', 'No one here has the email “' || s.email
                   || '”: add them first, or let the import create people.'
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
            INSERT INTO import_rejected (line, field, message)
            SELECT s.line,
                   CASE WHEN s.date > z.today THEN 'date' ELSE 'period_end' END,
                   CASE WHEN s.date > z.today THEN 'The date cannot be in the future.'
                        ELSE 'The period cannot end in the future.' END
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
        if self.parsed.format == parser.SALES_NAVIGATOR and self.counts:
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
                INSERT INTO import_rejected (line, field, message)
                SELECT unnest(d.lines), NULL,
                       'Lines ' || array_to_string(d.lines[1:cardinality(d.lines) - 1], ', ') || ' and '
                       || d.lines[cardinality(d.lines)] || ' give {what} with different values: keep one of them.'
                FROM d WHERE d.variants > 1
            )
            SELECT line FROM gone""").fetchall()
        self.identical_duplicates += len(rows)
        return [line for (line,) in rows]

    def rejected_lines(self) -> int:
        return self.execute("SELECT count(DISTINCT line) FROM import_rejected").fetchone()[0]

    def rejections(self, limit: int) -> list[dict]:
        rows = self.execute(
            "SELECT line, field, message FROM import_rejected ORDER BY line, field LIMIT %s", [limit]
        ).fetchall()
        return [{"line": line, "field": field_name, "message": message} for line, field_name, message in rows]

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


def undo(job: ImportJob) -> dict[str, int]:
    """Undo ``job``: rows it overwrote get their previous values back, rows it
    created are deleted. A row changed again since (by a form, the API or a later
    import) no longer carries this import, and keeps its newer values."""
    with transaction.atomic(), connection.cursor() as cursor:
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.DONE:
            raise CannotUndo(f"Only a finished import can be undone; this one is “{job.get_status_display()}”.")
        tables = ((Snapshot, "snapshot", ("date",)), (Activity, "activity", ("period_start", "period_end")))
        people = set(ImportChange.objects.filter(job=job).values_list("user_id", flat=True).distinct())
        for model, _, _ in tables:
            people.update(model.objects.filter(import_job=job).values_list("user_id", flat=True).distinct())
        lock_people(cursor, list(people))
        changed: dict[int, dt.date] = {}
        outcome = {"restored": 0, "deleted": 0}
        for model, kind, key in tables:
            for counter, user_id, day in _undo_table(cursor, model, kind, key, job.pk):
                outcome[counter] += 1
                changed[user_id] = min(day, changed.get(user_id, day))
        job.status = ImportJob.Status.UNDONE
        job.save(update_fields=["status"])
        rows_changed(changed)
    return outcome


def _undo_table(cursor, model, kind: str, key: tuple[str, ...], job_id: int):
    """(what, user id, first day) for each row restored, then each row deleted."""
    table = model._meta.db_table
    changes = ImportChange._meta.db_table
    start, end = (key[0], key[0]) if len(key) == 1 else key
    restored = [f.column for f in model._meta.concrete_fields if f.column not in ("id", "user_id", *key, "created_at")]
    cursor.execute(f"""
        UPDATE {table} t SET ({", ".join(restored)}) = ({", ".join(f"r.{c}" for c in restored)})
        FROM {changes} c, jsonb_populate_record(NULL::{table}, c.previous) r
        WHERE c.job_id = %(job)s AND c.kind = %(kind)s AND t.import_job_id = %(job)s
          AND t.user_id = c.user_id AND t.{start} = c.period_start AND t.{end} = c.period_end
        RETURNING t.user_id, t.{start}""", {"job": job_id, "kind": kind})
    for user_id, day in cursor.fetchall():
        yield "restored", user_id, day
    cursor.execute(f"DELETE FROM {table} WHERE import_job_id = %s RETURNING user_id, {start}", [job_id])
    for user_id, day in cursor.fetchall():
        yield "deleted", user_id, day
