"""Dashboard writes on an asset: edit fields, derive, lock, review stale fields, publish.

Each view authorises with ``restrict`` (404 outside the scope, 403 when the asset is
visible but not the user's to change), calls one service and reports the outcome as a
message; an edit refused by a policy or a lock re-renders the page with the refusal as
the field's error, naming the rule or the unit that owns the lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Account
from content import publishing, services
from content.forms import AssetFieldsForm, DeriveForm
from content.models import Asset
from content.views import access_asset, asset_page_context, derive_choices, may_change
from glocal import layering
from glocal.models import OrgUnit
from governance.api.approvals import explicit_unit
from governance.models import ApprovalRequest


def _back(asset: Asset) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("content:asset", args=[asset.pk]), status=303)


def _report(request: HttpRequest, exc: ValidationError | PermissionDenied) -> None:
    if isinstance(exc, PermissionDenied):
        messages.error(request, str(exc) or _("You may not do this."))
        return
    if hasattr(exc, "error_dict"):
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        for problem in exc.messages:
            messages.error(request, problem)


def _attempt(request: HttpRequest, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The service's result, or None after reporting its refusal as messages."""
    try:
        return call(*args, **kwargs)
    except (ValidationError, PermissionDenied) as exc:
        _report(request, exc)
        return None


def _changeable(request: HttpRequest, pk: int) -> Asset:
    asset = access_asset(request, pk)
    if not may_change(request.user, asset):
        raise PermissionDenied
    return asset


@login_required
@require_POST
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change (at a core) or override (below) the fields the author changed."""
    asset = _changeable(request, pk)
    form = AssetFieldsForm(request.POST, asset=asset)
    if form.is_valid():
        changes = form.changes()
        if not changes:
            messages.info(request, _("Nothing changed."))
            return _back(asset)
        try:
            services.edit_asset(request.user, asset, changes)
        except ValidationError as exc:
            problems = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for name, texts in problems.items():
                for text in texts:
                    form.add_error(name if name in form.fields else None, text)
        else:
            messages.success(request, _("Saved."))
            return _back(asset)
    context = asset_page_context(request, asset, form=form)
    return render(request, "content/asset_detail.html", context, status=400)


FIELD_OPERATIONS = {"lock", "unlock", "revert", "keep"}


@login_required
@require_POST
def asset_field(request: HttpRequest, pk: int) -> HttpResponse:
    """Lock or unlock a field for the units below, or review a stale override."""
    field = request.POST.get("field", "")
    operation = request.POST.get("operation", "")
    if field not in Asset.layered_fields or operation not in FIELD_OPERATIONS:
        raise Http404
    if operation in ("lock", "unlock"):
        asset = access_asset(request, pk)
        if not layering.may_lock(request.user, asset):
            raise PermissionDenied
        lock, unlock = ([field], []) if operation == "lock" else ([], [field])
        done = _attempt(request, layering.set_locks, request.user, asset, lock, unlock)
    else:
        asset = _changeable(request, pk)
        service = services.revert_fields if operation == "revert" else services.keep_adaptation
        done = _attempt(request, service, request.user, asset, [field])
    if done is not None:
        messages.success(request, _("Saved."))
    return _back(asset)


@login_required
@require_POST
def asset_derive(request: HttpRequest, pk: int) -> HttpResponse:
    """Adapt this asset for one of my units (or one of its accounts)."""
    asset = access_asset(request, pk)
    units, accounts = derive_choices(request.user, asset)
    form = DeriveForm(request.POST, units=units, accounts=accounts)
    if not form.is_valid():
        for problems in form.errors.values():
            for problem in problems:
                messages.error(request, problem)
        return _back(asset)
    unit = OrgUnit.objects.get(pk=form.cleaned_data["unit"])
    account_id = form.cleaned_data["account"]
    account = Account.objects.get(pk=account_id) if account_id else None
    variant = _attempt(request, services.derive_asset, request.user, asset, unit, account=account)
    if variant is None:
        return _back(asset)
    messages.success(request, _("Variant created for %(unit)s.") % {"unit": unit.name})
    return _back(variant)


STATUS_OPERATIONS = {"submit", "publish", "retire"}


@login_required
@require_POST
def asset_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit for review, publish (possibly through an approval) or retire."""
    operation = request.POST.get("operation", "")
    if operation not in STATUS_OPERATIONS:
        raise Http404
    asset = _changeable(request, pk)
    if operation == "submit":
        if _attempt(request, publishing.submit_for_review, request.user, asset):
            messages.success(request, _("Submitted for review."))
    elif operation == "retire":
        if _attempt(request, publishing.retire_asset, request.user, asset):
            messages.success(request, _("Retired."))
    else:
        result = _attempt(
            request,
            publishing.publish_asset,
            request.user,
            asset,
            comment=request.POST.get("comment", ""),
            acting_unit=explicit_unit(request),
        )
        if result is not None and result.status == ApprovalRequest.Status.PENDING:
            messages.info(
                request,
                _("Your publication waits for approval by the managers of %(unit)s.")
                % {"unit": result.owner_unit.name},
            )
        elif result is not None:
            messages.success(request, _("Published."))
    return _back(asset)
