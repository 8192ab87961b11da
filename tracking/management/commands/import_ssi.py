"""python manage.py import_ssi FILE [--dry-run] [--as-of YYYY-MM-DD] [--create-users] [--skip-invalid] [--json]
                                 [--user EMAIL]

Imports a per-day CSV file, a Sales Navigator usage report, a long
one-value-per-row file or LinkedIn's SSI JSON. ``--user EMAIL`` names the one
person a file is about when it carries no email (a personal history, LinkedIn's
JSON, a long log); a row naming anyone else is then rejected. Exit status: 0 when every row is valid and written (or would be, with
--dry-run); 1 when rows are rejected (then nothing is written, unless
--skip-invalid, which writes the valid rows); 2 when the file cannot be read or
is not an SSI file, with the reason on one line of stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand
from django.core.validators import validate_email

from tracking.importing import parser, writer
from tracking.management.arguments import iso_date
from tracking.models import ImportJob, User


class Command(BaseCommand):
    help = "Import SSI snapshots and activity from a CSV file or LinkedIn's SSI JSON."

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE")
        parser.add_argument("--dry-run", action="store_true", help="Check and count everything, write nothing.")
        parser.add_argument("--as-of", type=iso_date, metavar="YYYY-MM-DD",
                            help="The date of a usage report's scores when its rows carry none.")
        parser.add_argument("--create-users", action="store_true", help="Create people the file names who are not here.")
        parser.add_argument("--skip-invalid", action="store_true", help="Write the valid rows even if some are rejected.")
        parser.add_argument("--json", action="store_true", dest="as_json", help="Print the report as JSON.")
        parser.add_argument("--user", metavar="EMAIL", dest="user_email",
                            help="The one person the file is about, when it carries no email; rows naming "
                                 "anyone else are rejected.")

    def handle(self, *args, file, dry_run, as_of, create_users, skip_invalid, as_json, user_email, **options):
        path = Path(file)
        about = self._person(user_email, create_users) if user_email else None
        try:
            stream = path.open("rb")
        except OSError as error:
            self._unreadable(f"Cannot read {file}: {error.strerror or error}.")
        with stream:
            job = None
            if not dry_run:
                job = ImportJob.objects.create(
                    file_name=path.name[:255], status=ImportJob.Status.RUNNING,
                    options={"as_of": as_of.isoformat() if as_of else None, "create_users": create_users,
                             "skip_invalid": skip_invalid, "via": "command"},
                    about=about,
                )
            try:
                result = writer.import_file(
                    stream, job=job, as_of=as_of, dry_run=dry_run, create_users=create_users,
                    skip_invalid=skip_invalid, email=user_email, today=about.today() if about else None,
                )
            except parser.ImportFileError as error:
                self._unreadable(str(error))
        if as_json:
            self._print_json(result)
        else:
            self._print_summary(path.name, result, dry_run)
        if result.rejected_lines:
            sys.exit(1)

    def _person(self, email: str, create_users: bool) -> User | None:
        """The person ``--user`` names; one that is not here stops the import
        (exit 2), unless --create-users, which lets the import create them."""
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            self._unreadable(f"--user: “{email}” is not a valid email address.")
        person = User.objects.filter(email__iexact=email).first()
        if person is None and not create_users:
            self._unreadable(f"--user: no one here has the email “{email}”: add them first, or use --create-users.")
        return person

    def _unreadable(self, reason: str):
        self.stderr.write(reason)
        sys.exit(2)

    def _print_json(self, result: writer.ImportResult) -> None:
        self.stdout.write(json.dumps(result.report(), ensure_ascii=False))
        for warning in result.warnings:
            self.stderr.write(f"Warning: {warning}")

    def _print_summary(self, name: str, result: writer.ImportResult, dry_run: bool) -> None:
        how = ", ".join(filter(None, (result.encoding, parser.DELIMITERS.get(result.delimiter or ""),
                                      f"{result.date_order} dates" if result.date_order else None)))
        self.stdout.write(f"{name}: {result.format.replace('_', ' ')} file ({how}), {result.rows} rows.")
        counts = f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
        if result.written:
            self.stdout.write(f"Imported: {counts}.")
        elif dry_run and (not result.rejected_lines or result.created + result.updated + result.unchanged):
            self.stdout.write(f"Dry run, nothing written; it would have {counts}.")
        else:
            self.stdout.write("Nothing written: fix the rejected rows, or import with --skip-invalid.")
        for warning in result.warnings:
            self.stdout.write(f"Warning: {warning}")
        if result.rejected_lines:
            self.stdout.write(f"{result.rejected_lines} rows rejected:")
            for rejection in result.rejected:
                where = f"Line {rejection['line']}"
                self.stdout.write(f"  {where}: {rejection['message']}")
            if result.rejected_lines > len({r["line"] for r in result.rejected}):
                self.stdout.write(f"  … the first {len(result.rejected)} problems are shown.")
