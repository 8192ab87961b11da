"""CSV import for admins (upload → preview → confirm → progress → result, the
history, undo) and the CSV downloads (a person's data, a team's).

Every import page is for admins only: anyone else gets a 404, as for a page
that does not exist. Uploads go straight to disk, byte-counted against
``SSI_IMPORT_MAX_BYTES``; a request announcing more than that is refused
before its body is read.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from tracking.access import get_managed_team_for_viewer, get_person_for_viewer, require_admin
from tracking.importing import export, jobs, lease, parser, writer
from tracking.models import ImportJob, Membership

# Room for the multipart envelope and the form's other fields around the file.
FORM_OVERHEAD_BYTES = 64 * 1024
HISTORY_PAGE = 50


class UploadForm(forms.Form):
    as_of = forms.DateField(
        label="Snapshot date (optional)", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="For a Sales Navigator usage report without a date column; by default its period's end.",
    )
    file = forms.FileField(
        label="CSV file, or LinkedIn's SSI JSON",
        help_text="Per-day files (one row per person per day) and Sales Navigator usage reports; "
                  "UTF-8, UTF-16 or Windows-1252; comma, semicolon or tab separated.",
    )

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_as_of(self):
        as_of = self.cleaned_data["as_of"]
        if as_of and as_of > self.today:
            raise forms.ValidationError("The snapshot date cannot be in the future.")
        return as_of


class OptionsForm(UploadForm):
    """The choices made on the preview page before the import runs."""

    create_users = forms.BooleanField(
        label="Create people the file names who are not here yet", required=False,
        help_text="They get no password; they set one with “Forgot password”.",
    )
    skip_invalid = forms.BooleanField(
        label="Import the valid rows and skip the rejected ones", required=False,
        help_text="Otherwise one rejected row means nothing is written.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["file"]
        self.fields["as_of"].help_text = "The date of the usage report's scores when its rows carry none."

    def options(self, job: ImportJob) -> dict:
        data = self.cleaned_data
        return {
            **(job.options or {}), "as_of": data["as_of"].isoformat() if data["as_of"] else None,
            "create_users": data["create_users"], "skip_invalid": data["skip_invalid"],
        }


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
}


def format_name(key: str) -> str:
    return FORMAT_NAMES.get(key, "–")


def _index(request, form=None, status=200, error=""):
    lease.reap()
    history = Paginator(ImportJob.objects.select_related("created_by"), HISTORY_PAGE).get_page(request.GET.get("page"))
    for job in history:
        job.format_name = format_name(job.format)
    return render(request, "imports/index.html", {
        "form": form or UploadForm(today=request.user.today()), "history": history, "error": error,
        "max_mb": f"{parser.max_bytes() / 1024 / 1024:g}",
    }, status=status)


@login_required
def imports(request):
    """The upload form and the history of every import."""
    require_admin(request.user)
    return _index(request)


@login_required
@csrf_exempt
@require_POST
def upload(request):
    """Receive a file. CSRF is checked in ``_receive``: checking it here would
    read the body with the default upload handlers, before ours is in place."""
    require_admin(request.user)
    limit = parser.max_bytes()
    try:
        announced = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        announced = 0
    if announced > limit + FORM_OVERHEAD_BYTES:
        # Refused from the header alone: not a byte of the body is read.
        return _too_large(request, limit)
    handler = _CountingUploadHandler(request, limit)
    request.upload_handlers = [handler]
    return _receive(request, handler, limit)


@csrf_protect
def _receive(request, handler: _CountingUploadHandler, limit: int):
    form = UploadForm(request.POST, request.FILES, today=request.user.today())
    if handler.too_large:
        return _too_large(request, limit)
    if not form.is_valid():
        return _index(request, form, status=400)
    upload_file = form.cleaned_data["file"]
    as_of = form.cleaned_data["as_of"]
    job = ImportJob(
        created_by=request.user, file_name=upload_file.name[:255],
        options={"as_of": as_of.isoformat() if as_of else None, "create_users": False, "skip_invalid": False,
                 "via": "web"},
    )
    # A temporary upload is moved into MEDIA_ROOT/imports, not read back.
    job.file.save(upload_file.name, upload_file, save=False)
    job.save()
    jobs.start_preview(job, upload_file.size)
    return redirect("import-job", job.pk)


def _too_large(request, limit: int):
    return _index(request, status=413, error=parser.too_large_message(limit))


def _job_context(request, job: ImportJob, options_form=None) -> dict:
    report = job.report or {}
    if options_form is None and job.status == ImportJob.Status.PREVIEW:
        options = job.options or {}
        options_form = OptionsForm(today=request.user.today(), initial={
            "as_of": options.get("as_of") or report.get("period_end"),
            "create_users": options.get("create_users", False), "skip_invalid": options.get("skip_invalid", False),
        })
    rejected = [{**r, "field_label": parser.LABELS.get(r["field"] or "", "")} for r in report.get("rejected", [])]
    return {
        "job": job, "report": {**report, "rejected": rejected}, "checking": jobs.is_checking(job),
        "format_name": format_name(job.format),
        "pending": jobs.is_checking(job) or job.status in (ImportJob.Status.QUEUED, ImportJob.Status.RUNNING),
        "options_form": options_form,
        "columns": [parser.LABELS[name] for name in report.get("columns", [])],
        "period_file": job.format == parser.SALES_NAVIGATOR or job.error == parser.NO_DATE_COLUMN,
        "rejected_shown": len(rejected),
        "rejected_lines_shown": len({r["line"] for r in rejected}),
        "valid_rows": job.created + job.updated + job.unchanged,
    }


@login_required
@require_http_methods(["GET", "POST"])
def job_page(request, job_id: int):
    """A job: its preview (and the confirm form), its progress, or its result.
    POST ``action=check`` previews again with the chosen options; ``action=import``
    queues the import; ``action=again`` runs an interrupted one again;
    ``action=recheck`` previews a failed one's file again."""
    require_admin(request.user)
    lease.reap()
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=job_id)
    if request.method == "POST" and request.POST.get("action") in ("again", "recheck"):
        return _retry(request, job)
    if request.method == "POST":
        form = OptionsForm(request.POST, today=request.user.today())
        if not form.is_valid():
            return render(request, "imports/job.html", _job_context(request, job, form), status=400)
        if request.POST.get("action") == "import":
            try:
                if jobs.confirm(job, form.options(job)):
                    messages.success(request, f"Importing {job.file_name}.")
                else:
                    messages.info(request, "This import has already been started.")
            except jobs.QueueUnavailable as error:
                messages.error(request, str(error))
        elif not jobs.recheck(job, form.options(job)):
            messages.info(request, "This import has already been started.")
        return redirect("import-job", job.pk)
    return render(request, "imports/job.html", _job_context(request, job))


def _retry(request, job: ImportJob):
    try:
        if request.POST["action"] == "again" and jobs.run_again(job):
            messages.success(request, f"Importing {job.file_name} again.")
        elif request.POST["action"] == "recheck" and jobs.check_again(job):
            messages.success(request, f"Checked {job.file_name} again against the data as it is now.")
        else:
            messages.info(request, "This import has already been started again.")
    except jobs.QueueUnavailable as error:
        messages.error(request, str(error))
    return redirect("import-job", job.pk)


@login_required
def job_status(request, job_id: int):
    """The part of the job page that changes, polled by htmx while the job runs."""
    require_admin(request.user)
    lease.reap()
    job = get_object_or_404(ImportJob.objects.select_related("created_by"), pk=job_id)
    return render(request, "imports/_status.html", _job_context(request, job))


@login_required
@require_http_methods(["GET", "POST"])
def undo(request, job_id: int):
    """Ask, then undo an import: overwritten values come back, created rows go."""
    require_admin(request.user)
    job = get_object_or_404(ImportJob, pk=job_id)
    if request.method == "POST":
        try:
            outcome = jobs.undo(job)
        except (writer.CannotUndo, jobs.QueueUnavailable) as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _undone(job, outcome))
        return redirect("import-job", job.pk)
    return render(request, "imports/undo.html", {"job": job, "can_undo": job.status == ImportJob.Status.DONE})


def _undone(job: ImportJob, outcome: dict[str, int] | None) -> str:
    if outcome is None:
        return f"Undoing the import of {job.file_name} in the background: this page says “Undone” when it is finished."
    return (f"Import of {job.file_name} undone: {outcome['restored']} rows restored to their previous values, "
            f"{outcome['deleted']} rows it had added removed.")


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
