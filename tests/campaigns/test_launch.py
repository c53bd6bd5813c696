"""Launch is governed by the RACI: local R asks, regional A decides; withdrawal cancels."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns import planning, services
from campaigns.launch import launch_campaign
from campaigns.models import Campaign, CampaignStatus, Touch, TouchStatus
from governance import approvals

from .conftest import NOW, make_account, make_campaign


@pytest.fixture
def campaign(tenants, playbook) -> Campaign:
    accounts = [make_account(tenants.unit("fr"), country="FR", contacts=2) for _ in range(3)]
    return make_campaign(tenants, "fr", playbook, accounts)


def test_a_responsible_marketer_asks_and_the_accountable_region_approves(tenants, campaign):
    request = launch_campaign(tenants.user("fr-marketer"), campaign)
    assert request.is_pending and request.owner_unit == tenants.unit("emea")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PENDING_APPROVAL
    assert not Touch.objects.filter(campaign=campaign).exists()

    approvals.decide(request, tenants.user("emea-manager"), approve=True)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PLANNING
    assert campaign.launched_by == tenants.user("fr-marketer")
    assert campaign.accounts_total == 3

    planning.plan_all(campaign.pk, now=NOW)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.RUNNING
    assert (campaign.accounts_planned, campaign.accounts_total) == (3, 3)
    assert Touch.objects.filter(campaign=campaign, status=TouchStatus.PLANNED).count() == 18


def test_the_accountable_manager_launches_at_once(tenants, campaign):
    request = launch_campaign(tenants.user("emea-manager"), campaign)
    assert request.status == "approved"
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PLANNING


def test_a_viewer_cannot_launch(tenants, campaign):
    with pytest.raises(PermissionDenied):
        launch_campaign(tenants.user("fr-viewer"), campaign)


def test_withdrawing_the_approval_cancels_every_unsent_touch(tenants, campaign):
    request = launch_campaign(tenants.user("emea-manager"), campaign)
    planning.plan_all(campaign.pk, now=NOW)
    sent = Touch.objects.filter(campaign=campaign).first()
    Touch.objects.filter(pk=sent.pk).update(status=TouchStatus.SENT)  # as the dispatcher would

    approvals.withdraw(request, tenants.user("emea-manager"), comment="Wrong accounts")
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    statuses = set(Touch.objects.filter(campaign=campaign).values_list("status", flat=True))
    assert statuses == {TouchStatus.CANCELLED, TouchStatus.SENT}
    cancelled = Touch.objects.filter(campaign=campaign, status=TouchStatus.CANCELLED).first()
    assert cancelled.reason == "The launch approval was withdrawn."


def test_approval_re_checks_the_campaign(tenants, campaign):
    request = launch_campaign(tenants.user("fr-marketer"), campaign)
    campaign.accounts.update(lifecycle="deselected")
    with pytest.raises(ValidationError, match="Only selected, engaged or opportunity"):
        approvals.decide(request, tenants.user("emea-manager"), approve=True)
    request.refresh_from_db()
    assert request.is_pending  # the decision rolled back with the handler


def test_pause_resume_and_cancel(tenants, campaign):
    launch_campaign(tenants.user("emea-manager"), campaign)
    planning.plan_all(campaign.pk, now=NOW)
    marketer = tenants.user("fr-marketer")
    assert services.pause_campaign(marketer, campaign).status == CampaignStatus.PAUSED
    assert Touch.objects.filter(campaign=campaign, status=TouchStatus.PLANNED).count() == 18
    assert services.resume_campaign(marketer, campaign).status == CampaignStatus.RUNNING
    assert services.cancel_campaign(marketer, campaign).status == CampaignStatus.CANCELLED
    assert services.progress(campaign)["touches"][TouchStatus.CANCELLED] == 18
    with pytest.raises(ValidationError, match="cannot become"):
        services.resume_campaign(marketer, campaign)


def test_only_selected_accounts_of_the_unit_can_be_targeted(tenants, playbook):
    candidate = make_account(tenants.unit("fr"), country="FR", lifecycle="candidate")
    german = make_account(tenants.unit("de"), country="DE")
    with pytest.raises(ValidationError) as refused:
        make_campaign(tenants, "fr", playbook, [candidate, german])
    errors = " ".join(refused.value.message_dict["accounts"])
    assert "Not accounts of France" in errors and "candidate" in errors
