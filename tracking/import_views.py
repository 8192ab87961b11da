"""CSV import for admins (upload → preview → confirm → progress → result, the
history, undo) and the CSV downloads (a person's data, a team's).

The import pages under ``/imports/`` are for admins only: anyone else gets a
404, as for a page that does not exist. The same pages under ``/me/imports/``
are anyone's import of their own history: the job is about them, rows without
an email are theirs, and a job about anyone else answers 404. Uploads go straight to disk, byte-counted against
``SSI_IMPORT_MAX_BYTES``; a request announcing more than that is refused
before its body is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from tracking import rules
from tracking.access import get_managed_team_for_viewer, get_person_for_viewer, require_admin
from tracking.forms import OptionsForm, UploadForm
from tracking.importing import export, jobs, lease, parser, writer
from tracking.models import ImportJob, Membership

# Room for the multipart envelope and the form's other fields around the file.
FORM_OVERHEAD_BYTES = 64 * 1024
HISTORY_PAGE = 50


class _CountingUploadHandler(TemporaryFileUploadHandler):
    """Streams the upload to a temporary file on disk (never into memory), and
    stops it as soon as it passes the limit instead of reading it to its end."""

    def __init__(self, request, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)


FORMAT_NAMES = {
    parser.DAILY: "Per-day file",
    parser.SALES_NAVIGATOR: "Sales Navigator usage report",
    parser.LINKEDIN_JSON: "LinkedIn SSI data (JSON)",
    parser.LONG: "One value per row (date, field, value)",
}


def format_name(key: str) -> str:
    return FORMAT_NAMES.get(key, "–")


ADMIN_URLS = {"index": "tracking:imports", "upload": "tracking:import-upload", "job": "tracking:import-job", "status": "tracking:import-status",
              "undo": "tracking:import-undo", "template": "tracking:import-template"}
OWN_URLS = {"index": "tracking:my-imports", "upload": "tracking:my-import-upload", "job": "tracking:my-import-job",
            "status": "tracking:my-import-status", "undo": "tracking:my-import-undo", "template": "tracking:my-import-template"}


class _Scope:
    """Whose imports a page shows: every import, for an admin (``/imports/``),
    or a person's imports of their own history (``/me/imports/``), where a job
    about anyone else answers 404 like a page that does not exist."""

    def __init__(self, request, own: bool):
        if not own:
            require_admin(request.user)
        self.own = own
        self.person = request.user
        self.urls = OWN_URLS if own else ADMIN_URLS

    def jobs(self):
        found = ImportJob.objects.select_related("created_by")
        return found.filter(about=self.person) if self.own else found

    def job(self, job_id: int) -> ImportJob:
        return get_object_or_404(self.jobs(), pk=job_id)

    def context(self) -> dict:
        return {"urls": self.urls, "own": self.own}


def _index(request, scope: _Scope, form=None, status=200, error=""):
    lease.reap()
    history = Paginator(scope.jobs(), HISTORY_PAGE).get_page(request.GET.get("page"))
    for job in history:
        job.format_name = format_name(job.format)
    return render(request, "imports/index.html", {
        "form": form or UploadForm(today=request.user.today()), "history": history, "error": error,
        "max_mb": f"{parser.max_bytes() / 1024 / 1024:g}", **scope.context(),
    }, status=status)


@login_required
def imports(request, own: bool = False):
    """The upload form and the history of every import (or of one's own)."""
    return _index(request, _Scope(request, own))


@login_required
@csrf_exempt
@require_POST
def upload(request, own: bool = False):
    """Receive a file. CSRF is checked in ``_receive``: checking it here would
    read the body with the default upload handlers, before ours is in place.
    A file uploaded to one's own imports is about its uploader."""
    scope = _Scope(request, own)
    limit = parser.max_bytes()
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > limit + FORM_OVERHEAD_BYTES:
        # Refused from the header alone: not a byte of the body is read.
        return _too_large(request, scope, limit)
    handler = _CountingUploadHandler(request, limit)
    request.upload_handlers = [handler]
    return _receive(request, scope, handler, limit)


@csrf_protect
def _receive(request, scope: _Scope, handler: _CountingUploadHandler, limit: int):
    form = UploadForm(request.POST, request.FILES, today=request.user.today())
    if handler.too_large:
        return _too_large(request, scope, limit)
    if not form.is_valid():
        return _index(request, scope, form, status=400)
    upload_file = form.cleaned_data["file"]
    as_of = form.cleaned_data["as_of"]
    job = ImportJob(
        created_by=request.user, file_name=upload_file.name[:255],
        options={"as_of": as_of.isoformat() if as_of else None, "create_users": False, "skip_invalid": False,
                 "via": "web"},
        about=request.user if scope.own else None,
    )
    # A temporary upload is moved into MEDIA_ROOT/imports, not read back.
    job.file.save(upload_file.name, upload_file, save=False)
    job.save()
    jobs.start_preview(job, upload_file.size)
    return redirect(scope.urls["job"], job.pk)


def _too_large(request, scope: _Scope, limit: int):
    return _index(request, scope, status=413, error=parser.too_large_message(limit))


def _options_form(request, scope: _Scope, job: ImportJob) -> OptionsForm:
    """The options ``job`` was previewed or run with, as a form to change them."""
    options = job.options or {}
    return OptionsForm(today=request.user.today(), own=scope.own, initial={
        "as_of": options.get("as_of") or (job.report or {}).get("period_end"),
        "create_users": options.get("create_users", False), "skip_invalid": options.get("skip_invalid", False),
    })


def _job_context(request, scope: _Scope, job: ImportJob, options_form=None) -> dict:
    report = job.report or {}
    wrote_nothing = job.status in jobs.WROTE_NOTHING
    if options_form is None and (job.status == ImportJob.Status.PREVIEW or wrote_nothing):
        options_form = _options_form(request, scope, job)
    rejected = [_rejection(r) for r in report.get("rejected", [])]
    # A preview counts the valid rows; a run that refused its rejected rows wrote
    # none, and the valid ones are the rest.
    valid_rows = job.created + job.updated + job.unchanged
    if wrote_nothing and not valid_rows:
        valid_rows = max(job.rows - job.rejected, 0)
    return {
        **scope.context(),
        "job": job, "report": {**report, "rejected": rejected}, "checking": jobs.is_checking(job),
        "format_name": format_name(job.format),
        "pending": jobs.is_checking(job) or job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        "options_form": options_form,
        "columns": [parser.LABELS[name] for name in report.get("columns", [])],
        "period_file": job.format == parser.SALES_NAVIGATOR or job.error == parser.NO_DATE_COLUMN,
        "rejected_shown": len(rejected),
        "rejected_emails": any(r["email"] for r in rejected), "value_shown": VALUE_SHOWN,
        "rejected_lines_shown": len({r["line"] for r in rejected}),
        "valid_rows": valid_rows,
        "file_kept": wrote_nothing and jobs.file_kept(job),
        "can_run_again": jobs.can_run_again(job),
        # Its own ids: the options form on the same page has an as-of date too.
        "upload_form": UploadForm(today=request.user.today(), auto_id="upload_%s"),
    }


# A rejected value is shown up to this many characters.
VALUE_SHOWN = 40


def _rejection(rejected: dict) -> dict:
    """A rejected row as the pages show it: the field by its label, the value as given."""
    return {**rejected, "field_label": parser.LABELS.get(rejected["field"] or "", ""),
            "email": rejected.get("email", ""), "value": rejected.get("value", "")}


def _refusal(job: ImportJob, options: dict) -> str:
    """Why importing ``job`` with ``options`` cannot work, or ""."""
    if not job.rejected:
        return ""
    if job.rows <= job.rejected:
        return "Every row was rejected, so there is nothing to import: fix the file and upload it again."
    if not options.get("skip_invalid"):
        return (f"{job.rejected} row{'s were' if job.rejected != 1 else ' was'} rejected: import the valid rows "
                "and skip the rejected ones, or fix the file and upload it again.")
    return ""


@login_required
@require_http_methods(["GET", "POST"])
def job_page(request, job_id: int, own: bool = False):
    """A job: its preview (and the confirm form), its progress, or its result.
    POST ``action=check`` previews again with the chosen options; ``action=import``
    queues the import (refused while rows are rejected and not skipped);
    ``action=again`` runs a job that wrote nothing again, ``action=recheck``
    previews its file again, each with the options posted when the form carries
    them (``change_options``), else with the ones it had."""
    scope = _Scope(request, own)
    lease.reap()
    job = scope.job(job_id)
    if request.method == "POST":
        form = OptionsForm(request.POST, today=request.user.today(), own=scope.own)
        if not form.is_valid():
            return render(request, "imports/job.html", _job_context(request, scope, job, form), status=400)
        action = request.POST.get("action")
        if action in ("again", "recheck"):
            return _retry(request, scope, job, form.options(job) if request.POST.get("change_options") else None)
        if action == "import":
            _confirm(request, job, form.options(job))
        elif not jobs.recheck(job, form.options(job)):
            messages.info(request, "This import has already been started.")
        return redirect(scope.urls["job"], job.pk)
    return render(request, "imports/job.html", _job_context(request, scope, job))


def _confirm(request, job: ImportJob, options: dict) -> None:
    if refusal := _refusal(job, options):
        messages.error(request, refusal)
        return
    try:
        if jobs.confirm(job, options):
            messages.success(request, f"Importing {job.file_name}.")
        else:
            messages.info(request, "This import has already been started.")
    except jobs.QueueUnavailable as error:
        messages.error(request, str(error))


def _retry(request, scope: _Scope, job: ImportJob, options: dict | None):
    action = request.POST["action"]
    if not jobs.file_kept(job) and job.status in jobs.WROTE_NOTHING:
        messages.error(request, "The uploaded file is no longer on the server: upload it again.")
        return redirect(scope.urls["job"], job.pk)
    if action == "again" and job.status in jobs.WROTE_NOTHING and not jobs.can_run_again(job):
        messages.error(request, "Check the file again first: the same run would be refused again.")
        return redirect(scope.urls["job"], job.pk)
    if action == "again" and (refusal := _refusal(job, options if options is not None else job.options or {})):
        messages.error(request, refusal)
        return redirect(scope.urls["job"], job.pk)
    try:
        if action == "again" and jobs.run_again(job, options):
            messages.success(request, f"Importing {job.file_name} again.")
        elif action == "recheck" and jobs.check_again(job, options):
            messages.success(request, f"Checked {job.file_name} again against the data as it is now.")
        else:
            messages.info(request, "This import has already been started again.")
    except jobs.QueueUnavailable as error:
        messages.error(request, str(error))
    return redirect(scope.urls["job"], job.pk)


@login_required
def job_status(request, job_id: int, own: bool = False):
    """The part of the job page that changes, polled by htmx while the job runs."""
    scope = _Scope(request, own)
    lease.reap()
    job = scope.job(job_id)
    return render(request, "imports/_status.html", _job_context(request, scope, job))


@login_required
@require_http_methods(["GET", "POST"])
def undo(request, job_id: int, own: bool = False):
    """Ask, then undo an import: overwritten values come back, created rows go."""
    scope = _Scope(request, own)
    job = scope.job(job_id)
    if request.method == "POST":
        try:
            outcome = jobs.undo(job)
        except (writer.CannotUndo, jobs.QueueUnavailable) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _undone(job, outcome))
        return redirect(scope.urls["job"], job.pk)
    return render(request, "imports/undo.html", {
        "job": job, "can_undo": job.status == ImportJob.Status.DONE, **scope.context(),
    })


def _undone(job: ImportJob, outcome: dict[str, int] | None) -> str:
    if outcome is None:
        return f"Undoing the import of {job.file_name} in the background: this page says “Undone” when it is finished."
    return (f"Import of {job.file_name} undone: {outcome['restored']} rows restored to their previous values, "
            f"{outcome['deleted']} rows it had added removed.")


TEMPLATE_EXAMPLE = {
    "ssi": "62", "brand": "15.5", "people": "14.25", "insights": "16", "relationships": "16.25",
    "industry_rank": "12", "network_rank": "18",
}


@login_required
def download_template(request, own: bool = False):
    """A per-day file to fill in: the header the importer reads and one example
    row, dated yesterday (the person's). The admin's names the admin, so it
    previews as it is; one's own history needs no email column."""
    scope = _Scope(request, own)
    header = [*([] if scope.own else ["email"]), "date", *export.SCORE_COLUMNS[:7], *rules.ACTIVITY_FIELDS]
    day = request.user.today() - dt.timedelta(days=1)
    example = {"email": request.user.email, "date": day.isoformat(), **TEMPLATE_EXAMPLE,
               **{name: str(n % 5 + 1) for n, name in enumerate(rules.ACTIVITY_FIELDS)}}
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(header)
    out.writerow([export.neutralise(example[name]) for name in header])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    name = "my-ssi-history-template.csv" if scope.own else "ssi-import-template.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _csv_response(user_ids: list[int], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(export.iter_csv(user_ids=user_ids), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def download_person(request, person_id: int):
    """A person's snapshots as CSV: their own, or, for their managers and admins, theirs."""
    person = get_person_for_viewer(request.user, person_id)
    name = "my-ssi" if person.pk == request.user.pk else f"ssi-{slugify(person.email.split('@')[0]) or person.pk}"
    return _csv_response([person.pk], f"{name}-{request.user.today().isoformat()}.csv")


@login_required
def download_team(request, slug: str):
    """A team's snapshots as CSV, for its managers and admins."""
    team = get_managed_team_for_viewer(request.user, slug)
    members = list(Membership.objects.filter(team=team).values_list("user_id", flat=True))
    return _csv_response(members, f"ssi-{team.slug}-{request.user.today().isoformat()}.csv")
