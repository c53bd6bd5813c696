"""Dashboard: upload a CRM export of opportunities (CSV or XLSX) for the organisation of
the unit the user acts for. ``analytics.services.import_opportunities`` validates and
writes; rows on accounts the user may not change are reported, never written. A dry run
checks the file and writes nothing.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from analytics import services
from analytics.services import REQUIRED_COLUMNS

#: refused rows shown on the page; the full list comes with the CSV report
ERRORS_SHOWN = 200


@login_required
def import_opportunities(request: HttpRequest) -> HttpResponse:
    unit = request.unit or None  # the lazy current unit: None without a membership
    context: dict = {"subnav": "import", "unit": unit, "required": REQUIRED_COLUMNS}
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        dry_run = request.POST.get("dry_run") == "on"
        if unit is None:
            context["problem"] = _("You are not a member of any unit yet.")
            status = 400
        elif upload is None:
            context["problem"] = _("Choose a CSV or XLSX file.")
            status = 400
        else:
            try:
                outcome = services.import_upload(upload, unit, request.user, dry_run=dry_run)
            except services.ImportFileError as exc:
                context["problem"] = str(exc)
                status = 400
            else:
                context.update(
                    outcome=outcome,
                    dry_run=dry_run,
                    errors=outcome.errors[:ERRORS_SHOWN],
                    more_errors=max(0, outcome.failed - ERRORS_SHOWN),
                    name=upload.name,
                )
    return render(request, "analytics/opportunity_import.html", context, status=status)
