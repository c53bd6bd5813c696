"""Publication governed by the RACI, review, withdrawal and retirement."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from content import publishing
from content.models import Status
from governance import approvals
from governance.models import ApprovalRequest, Notification
from tests.content.conftest import fresh


def test_a_french_marketer_r_but_not_a_waits_for_emea(tenants, library):
    publishing.submit_for_review(tenants.user("fr-marketer"), library.local)
    assert fresh(library.local).status == Status.IN_REVIEW
    request = publishing.publish_asset(tenants.user("fr-marketer"), library.local, comment="Ready")
    assert request.status == ApprovalRequest.Status.PENDING
    assert request.owner_unit.code == "emea" and request.action_type == publishing.PUBLISH_ASSET
    assert fresh(library.local).status == Status.IN_REVIEW  # not published yet
    told = set(
        Notification.objects.filter(request=request, kind="approval_requested").values_list(
            "recipient__username", flat=True
        )
    )
    assert told == {"emea-manager", "emea-admin"}
    approvals.decide(request, tenants.user("emea-manager"), approve=True)
    local = fresh(library.local)
    assert local.status == Status.PUBLISHED and local.published_at is not None


def test_the_accountable_manager_publishes_at_once(tenants, library):
    request = publishing.publish_asset(tenants.user("emea-manager"), library.local)
    assert request.status == ApprovalRequest.Status.APPROVED
    assert fresh(library.local).status == Status.PUBLISHED


def test_withdrawing_the_approval_takes_the_asset_back_to_draft(tenants, library):
    request = publishing.publish_asset(tenants.user("emea-manager"), library.local)
    approvals.withdraw(request, tenants.user("emea-manager"), comment="Legal asked")
    local = fresh(library.local)
    assert local.status == Status.DRAFT and local.published_at is None


def test_a_variant_waits_for_its_source_and_retired_assets_stay_retired(tenants, library):
    publishing.retire_asset(tenants.user("emea-manager"), library.regional)
    assert fresh(library.regional).retired_at is not None
    with pytest.raises(ValidationError) as exc:
        publishing.publish_asset(tenants.user("emea-manager"), library.local)
    assert (
        "Publish its source “Grid resilience” (EMEA) first" in exc.value.message_dict["parent"][0]
    )
    with pytest.raises(ValidationError, match="retired"):
        publishing.publish_asset(tenants.user("emea-manager"), library.regional)


def test_outsiders_and_viewers_cannot_publish_or_review(tenants, library):
    with pytest.raises(PermissionDenied):
        publishing.publish_asset(tenants.user("de-manager"), library.local)
    with pytest.raises(PermissionDenied):
        publishing.submit_for_review(tenants.user("fr-viewer"), library.local)
    with pytest.raises(PermissionDenied):
        publishing.publish_asset(tenants.user("globex-fr-manager"), library.local)
    with pytest.raises(ValidationError, match="Only a draft"):
        publishing.submit_for_review(tenants.user("global-marketer"), library.core)
