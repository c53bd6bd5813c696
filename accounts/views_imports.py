"""Dashboard import wizard: upload → mapping and preview → run → progress → result.

Views only parse, authorise (``restrict``) and call :mod:`accounts.imports`; the job row
carries the state between steps, so a reload or a second tab shows the same thing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts import imports
from accounts.models import ImportJob
from glocal.models import OrgUnit


def _job(request: HttpRequest, pk: int, action: str = "view") -> ImportJob:
    """404 outside the user's scope; 403 when visible but not theirs to change."""
    job = get_object_or_404(
        ImportJob.objects.restrict(request.user, "view").select_related("owner_unit"), pk=pk
    )
    if action != "view" and not ImportJob.objects.restrict(request.user, action).filter(pk=pk):
        raise PermissionDenied(_("You may see this import but not run it."))
    return job


def _own_units(request: HttpRequest):
    return OrgUnit.objects.restrict(request.user, "own").order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
def import_list(request: HttpRequest) -> HttpResponse:
    """Step 1: the jobs of my units and the upload form."""
    units = _own_units(request)
    if request.method == "POST":
        unit = units.filter(pk=request.POST.get("owner_unit") or 0).first()
        upload = request.FILES.get("file")
        kind = request.POST.get("kind", ImportJob.Kind.ACCOUNTS)
        if unit is None:
            messages.error(request, _("Choose a unit you may own accounts in."))
        elif upload is None:
            messages.error(request, _("Choose a CSV or XLSX file."))
        else:
            try:
                job, _frame = imports.create_job(request.user, unit, upload, upload.name, kind)
            except imports.ImportFileError as exc:
                messages.error(request, str(exc))
            else:
                return redirect("accounts:import-mapping", pk=job.pk)
    jobs = ImportJob.objects.restrict(request.user, "view").select_related(
        "owner_unit", "created_by"
    )[:50]
    current = getattr(request, "unit", None)
    return render(
        request,
        "accounts/import_list.html",
        {
            "jobs": jobs,
            "units": units,
            "kinds": ImportJob.Kind.choices,
            "selected_unit": current.pk if current else None,
            "max_mb": round(imports.max_bytes() / 1_048_576),
            "max_rows": imports.max_rows(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: map columns, preview the first rows cleaned and validated, then run."""
    job = _job(request, pk)
    if job.status != ImportJob.Status.QUEUED or job.started_at:
        return redirect("accounts:import-progress", pk=job.pk)
    try:
        frame = imports.job_frame(job)
    except imports.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:imports")
    columns = [str(c) for c in frame.columns]
    mapping = job.mapping
    problem = ""
    if request.method == "POST":
        job = _job(request, pk, "change")
        mapping = {c: request.POST.get(f"map-{i}", "") for i, c in enumerate(columns)}
        mapping = {c: f for c, f in mapping.items() if f}
        try:
            imports.check_mapping(mapping, columns, job.kind)
        except imports.ImportFileError as exc:
            problem = str(exc)
        else:
            ImportJob.objects.filter(pk=job.pk).update(mapping=mapping)
            if request.POST.get("step") == "run":
                imports.start_job(job, mapping)
                return redirect("accounts:import-progress", pk=job.pk)
    preview = []
    if not problem:
        try:
            checked = imports.check_mapping(mapping, columns, job.kind)
            preview = imports.preview(frame, checked, job.owner_unit, job.kind, actor=request.user)
        except imports.ImportFileError as exc:
            problem = str(exc)
    fields = imports.FIELDS[job.kind]
    return render(
        request,
        "accounts/import_mapping.html",
        {
            "job": job,
            "columns": [(i, c, mapping.get(c, "")) for i, c in enumerate(columns)],
            "fields": list(fields.items()),
            "preview": preview,
            "preview_fields": [f for f in fields if f in mapping.values()],
            "problem": problem,
        },
    )


@login_required
@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Steps 3 and 4: a progress bar (polling ``status.json``) and then the result."""
    return render(request, "accounts/import_progress.html", {"job": _job(request, pk)})


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    job = _job(request, pk)
    return JsonResponse(
        {
            "id": job.pk,
            "status": job.status,
            "status_label": job.get_status_display(),
            "total": job.total_rows,
            "done": job.rows_done,
            "percent": job.percent,
            "created": job.created_count,
            "updated": job.updated_count,
            "unchanged": job.unchanged_count,
            "failed": job.failed_count,
            "message": job.message,
            "finished": job.finished,
            "has_error_report": bool(job.error_report),
        }
    )


@login_required
@require_GET
def import_errors(request: HttpRequest, pk: int) -> FileResponse:
    job = _job(request, pk)
    if not job.error_report:
        raise Http404
    return FileResponse(
        job.error_report.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv",
    )
