"""Import jobs (API and dashboard wizard) and the bulk upsert in the isolation matrix."""

from __future__ import annotations

from django.core.files.base import ContentFile

from accounts.models import ImportJob
from tests.isolation.outcomes import BAD, BLIND, LOGIN, NOT_FOUND, OK, SEES, UNAUTHENTICATED
from tests.isolation.routes import API_LIST, API_READ, PAGE_LIST, Probe, each

PAGE_DETAIL = each(OK, NOT_FOUND, OK, OK, NOT_FOUND, LOGIN)
# Creates in fr for whoever may own rows there; others get a per-row error, no row.
BULK_AT_FR = each(SEES, BLIND, SEES, SEES, BLIND, UNAUTHENTICATED)
NO_FILE = each(BAD, BAD, BAD, BAD, BAD, UNAUTHENTICATED)


def extend_ctx(ctx) -> None:
    fr = ctx["fr"]
    done = ImportJob(owner_unit=fr, original_name="matrix.csv", status=ImportJob.Status.DONE)
    done.file.save("matrix.csv", ContentFile(b"Name,Website\nMatrix,matrix.fr\n"), save=False)
    done.error_report.save("matrix-errors.csv", ContentFile(b"row,errors\n2,name\n"), save=False)
    done.save()
    queued = ImportJob(owner_unit=fr, original_name="queued.csv", mapping={"Name": "name"})
    queued.file.save("queued.csv", ContentFile(b"Name,Website\nQueued,queued.fr\n"), save=False)
    queued.save()
    ctx["import_job"] = done
    ctx["queued_import"] = queued


def _page(suffix: str, key: str = "import_job"):
    return lambda c: f"/accounts/imports/{c[key].pk}/{suffix}"


PROBES = [
    Probe(
        "api/v1/accounts/bulk/",
        lambda c: "/api/v1/accounts/bulk/",
        BULK_AT_FR,
        method="post",
        data=lambda c: [{"owner_unit": c["fr"].pk, "name": "Matrix bulk", "domain": "mb.fr"}],
        marker=lambda c: r'"status":"created"',
        api=True,
    ),
    Probe(
        "api/v1/^account-imports/$",
        lambda c: "/api/v1/account-imports/?page_size=500",
        API_LIST,
        marker=lambda c: rf'"id":{c["import_job"].pk},',
        api=True,
    ),
    Probe(
        "api/v1/^account-imports/$",
        lambda c: "/api/v1/account-imports/",
        NO_FILE,
        method="post",
        data=lambda c: {"owner_unit": c["fr"].pk},
        api=True,
        label="(no file)",
    ),
    Probe(
        "api/v1/^account-imports/(?P<pk>[^/.]+)/$",
        lambda c: f"/api/v1/account-imports/{c['import_job'].pk}/",
        API_READ,
        api=True,
    ),
    Probe(
        "api/v1/^account-imports/(?P<pk>[^/.]+)/errors/$",
        lambda c: f"/api/v1/account-imports/{c['import_job'].pk}/errors/",
        API_READ,
        api=True,
    ),
    Probe(
        "accounts/imports/",
        lambda c: "/accounts/imports/",
        PAGE_LIST,
        marker=lambda c: rf'data-job="{c["import_job"].pk}"',
    ),
    Probe("accounts/imports/<int:pk>/", _page("", "queued_import"), PAGE_DETAIL),
    Probe("accounts/imports/<int:pk>/progress/", _page("progress/"), PAGE_DETAIL),
    Probe("accounts/imports/<int:pk>/status.json", _page("status.json"), PAGE_DETAIL),
    Probe("accounts/imports/<int:pk>/errors.csv", _page("errors.csv"), PAGE_DETAIL),
]
