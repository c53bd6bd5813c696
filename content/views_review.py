"""Dashboard review pages: the side-by-side diff of an asset and the review queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from content import versions
from content.models import Asset, Status
from content.views import access_asset, may_change, visible_assets
from glocal.layering.models import StaleOverride
from glocal.layering.overview import text_diff

#: rows shown per section of the review queue
QUEUE_LIMIT = 200


def _stale_rows(user, assets: list[Asset]) -> list[dict]:
    by_id = {a.pk: a for a in assets}
    rows = (
        StaleOverride.objects.restrict(user, "view")
        .filter(content_type=ContentType.objects.get_for_model(Asset), object_id__in=list(by_id))
        .select_related("owner_unit")
    )
    return [
        {
            "stale": row,
            "asset": by_id[row.object_id],
            "label": row.field_label,
            "old_source": row.old_source,
            "new_source": row.new_source,
            "local": getattr(by_id[row.object_id], row.field),
            "diff": text_diff(row.old_source, row.new_source),
        }
        for row in rows
    ]


def _version_numbers(request: HttpRequest, numbers: list[int]) -> tuple[int | None, int | None]:
    """The pair to compare: ?old=&new=, else the two latest versions."""
    try:
        old = int(request.GET["old"]) if request.GET.get("old") else None
        new = int(request.GET["new"]) if request.GET.get("new") else None
    except ValueError:
        old = new = None
    if new is None and numbers:
        new = numbers[0]
    if old is None and len(numbers) > 1:
        old = numbers[1]
    return old, new


@login_required
def asset_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Stale fields (old source / new source / local value) and a version-to-version diff."""
    asset = access_asset(request, pk)
    numbers = list(versions.list_versions(asset).values_list("number", flat=True))
    old, new = _version_numbers(request, numbers)
    changes = []
    if old is not None and new is not None:
        try:
            changes = versions.diff_versions(asset, old, new)
        except ValidationError as exc:
            for problem in exc.messages:
                messages.error(request, problem)
    return render(
        request,
        "content/asset_diff.html",
        {
            "asset": asset,
            "stale": _stale_rows(request.user, [asset]),
            "can_change": may_change(request.user, asset),
            "numbers": numbers,
            "old": old,
            "new": new,
            "changes": [
                {"change": c, "label": Asset._meta.get_field(c.field).verbose_name} for c in changes
            ],
        },
    )


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Stale content overrides and assets in review, in my units."""
    user = request.user
    stale_ids = (
        StaleOverride.objects.restrict(user, "view")
        .filter(content_type=ContentType.objects.get_for_model(Asset))
        .values("object_id")
    )
    stale_assets = list(
        visible_assets(user).filter(pk__in=stale_ids).select_related("parent")[:QUEUE_LIMIT]
    )
    in_review = (
        Asset.objects.restrict(user, "change")
        .filter(status=Status.IN_REVIEW)
        .select_related("owner_unit")
        .order_by("-updated_at")[:QUEUE_LIMIT]
    )
    return render(
        request,
        "content/review_queue.html",
        {"stale": _stale_rows(user, stale_assets), "in_review": in_review},
    )
