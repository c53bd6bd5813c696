"""Dashboard: the content library tree and the asset page.

Lookups go through ``restrict``: an asset outside the user's scope is a 404, one they
see but may not change a 403 on the write routes (``content.views_actions``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.models import Account
from content import display, library, publishing, versions
from content.filters import AssetFilterSet
from content.forms import AssetFieldsForm, DeriveForm
from content.models import Asset
from glocal import layering
from glocal.models import OrgUnit
from governance.models import ApprovalRequest

#: families (tree roots) per library page
ROOTS_PER_PAGE = 30
#: versions listed on the asset page (the diff page compares any two)
VERSIONS_SHOWN = 20
#: accounts offered when deriving a per-account personalisation
ACCOUNT_CHOICES = 200


def visible_assets(user, action: str = "view"):
    return Asset.objects.restrict(user, action).select_related("owner_unit")


def access_asset(request: HttpRequest, pk: int) -> Asset:
    """The asset if the user may see it (404 otherwise), sources loaded for the chain."""
    return get_object_or_404(
        visible_assets(request.user).select_related(
            "parent__owner_unit", "parent__parent__owner_unit", "account", "translation_of"
        ),
        pk=pk,
    )


def may_change(user, asset: Asset) -> bool:
    return Asset.objects.restrict(user, "change").filter(pk=asset.pk).exists()


@login_required
def asset_library(request: HttpRequest) -> HttpResponse:
    """Matching assets in their families: core → regional → local → per account."""
    visible = visible_assets(request.user)
    filterset = AssetFilterSet(request.GET, queryset=visible, request=request)
    matched = filterset.qs.values_list("pk", flat=True) if filterset.is_valid() else []
    roots = library.build_tree(visible, matched)
    page = Paginator(roots, ROOTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "content/library.html",
        {
            "filter": filterset,
            "page": page,
            "query": query.urlencode(),
        },
    )


def derive_choices(user, asset: Asset) -> tuple[list[OrgUnit], list[Account]]:
    """Units below the asset's unit that the user may create content for (its own unit
    too, for a per-account personalisation), and accounts it could be bound to."""
    org_units = {
        u.pk: u for u in OrgUnit.objects.filter(organization_id=asset.owner_unit.organization_id)
    }

    def below(unit: OrgUnit) -> bool:
        parent_id = unit.parent_id
        while parent_id is not None:
            if parent_id == asset.owner_unit_id:
                return True
            parent_id = org_units[parent_id].parent_id if parent_id in org_units else None
        return False

    mine = OrgUnit.objects.restrict(user, "own").filter(
        organization_id=asset.owner_unit.organization_id
    )
    units = [u for u in mine.order_by("name") if u.pk == asset.owner_unit_id or below(u)]
    unit_ids = [u.pk for u in units]
    accounts = list(
        Account.objects.restrict(user, "view")
        .filter(owner_unit_id__in=unit_ids)
        .order_by("name")
        .only("pk", "name")[:ACCOUNT_CHOICES]
    )
    return units, accounts


def pending_publication(user, asset: Asset) -> ApprovalRequest | None:
    return (
        ApprovalRequest.objects.restrict(user, "view")
        .filter(
            action_type=publishing.PUBLISH_ASSET,
            target_id=str(asset.pk),
            status=ApprovalRequest.Status.PENDING,
        )
        .select_related("owner_unit")
        .first()
    )


def asset_page_context(
    request: HttpRequest, asset: Asset, *, form: AssetFieldsForm | None = None
) -> dict[str, Any]:
    """Everything the asset page shows; the edit view reuses it to show refusals."""
    user = request.user
    changeable = may_change(user, asset)
    units, accounts = derive_choices(user, asset)
    return {
        "asset": asset,
        "fields": display.field_rows(asset, may_change=changeable),
        "badges": display.rights_badges(asset),
        "versions": versions.list_versions(asset)[:VERSIONS_SHOWN],
        "adaptations": visible_assets(user)
        .filter(parent_id=asset.pk)
        .select_related("account")
        .order_by("owner_unit__name", "pk"),
        "translations": visible_assets(user)
        .filter(translation_of_id=asset.pk)
        .order_by("language"),
        "pending": pending_publication(user, asset),
        "can_change": changeable,
        "can_lock": layering.may_lock(user, asset),
        "form": form or AssetFieldsForm(asset=asset),
        "derive_form": DeriveForm(units=units, accounts=accounts) if units else None,
    }


@login_required
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Effective values and, per field, inherited / overridden / locked / stale."""
    asset = access_asset(request, pk)
    return render(request, "content/asset_detail.html", asset_page_context(request, asset))
