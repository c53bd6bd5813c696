"""Replication: the campaign performance index, suggestions, and replicate up or sideways."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from analytics import replication
from analytics.models import Replication, ReplicationKind
from campaigns.models import Campaign, CampaignStatus, Playbook, PlaybookStatus
from glocal import layering
from governance.models import AuditEntry
from tests.analytics.conftest import make_account, make_opportunity

pytestmark = pytest.mark.django_db

FAMILY = str(uuid.uuid4())


def make_playbook(tenants, unit="global", **fields) -> Playbook:
    values = {
        "name": "Grid resilience",
        "status": PlaybookStatus.PUBLISHED,
        "steps": [
            {"channel": "email", "content": FAMILY, "delay_days": 0, "condition": "always"},
            {"channel": "linkedin", "content": FAMILY, "delay_days": 2, "condition": "always"},
            {"channel": "email", "content": FAMILY, "delay_days": 3, "condition": "always"},
        ],
        **fields,
    }
    playbook = Playbook(owner_unit=tenants.unit(unit), **values)
    playbook.full_clean()
    playbook.save()
    return playbook


def make_campaign(tenants, unit, playbook, *, accounts=(), days_ago=30, length=60, **fields):
    today = timezone.localdate()
    campaign = Campaign.objects.create(
        owner_unit=tenants.unit(unit),
        playbook=playbook,
        name=fields.pop("name", f"{unit} campaign"),
        starts_on=today - dt.timedelta(days=days_ago),
        ends_on=today - dt.timedelta(days=days_ago) + dt.timedelta(days=length),
        status=fields.pop("status", CampaignStatus.RUNNING),
        **fields,
    )
    campaign.accounts.set(accounts)
    return campaign


def with_pipeline(tenants, unit, playbook, amounts, **fields) -> Campaign:
    """A campaign on one account per amount, each with an opportunity of that amount
    created during the campaign."""
    today = timezone.localdate()
    accounts = [make_account(tenants.unit(unit)) for _ in amounts]
    campaign = make_campaign(tenants, unit, playbook, accounts=accounts, **fields)
    for account, amount in zip(accounts, amounts, strict=True):
        if amount:
            make_opportunity(account, amount, min(today, campaign.starts_on + dt.timedelta(days=3)))
    return campaign


# --- the index ------------------------------------------------------------------------


def test_the_index_compares_pipeline_per_account_with_the_units_campaigns(tenants):
    playbook = make_playbook(tenants)
    strong = with_pipeline(tenants, "fr", playbook, [3000, 3000])  # 3000 per account
    weak = with_pipeline(tenants, "fr", playbook, [1000, 0])  # 500 per account
    alone = with_pipeline(tenants, "de", playbook, [9000])  # no peer in Germany
    today = timezone.localdate()
    scores = {s.campaign.pk: s for s in replication.score_campaigns([strong, weak, alone], today)}
    assert scores[strong.pk].pipeline == Decimal("6000.00")
    assert scores[strong.pk].per_account == Decimal(3000)
    # the French average is (3000 + 500) / 2 = 1750
    assert scores[strong.pk].index == Decimal("1.7143")
    assert scores[weak.pk].index == Decimal("0.2857")
    assert scores[alone.pk].index is None


def test_opportunities_outside_the_window_or_off_the_campaign_do_not_count(tenants):
    playbook = make_playbook(tenants)
    today = timezone.localdate()
    account = make_account(tenants.unit("fr"))
    campaign = make_campaign(tenants, "fr", playbook, accounts=[account], days_ago=10)
    make_opportunity(account, 500, today - dt.timedelta(days=20))  # before the campaign
    make_opportunity(make_account(tenants.unit("fr")), 700, today)  # another account
    make_opportunity(account, 100, today)
    (score,) = replication.score_campaigns([campaign], today)
    assert score.pipeline == Decimal("100.00")


def test_suggestions_rank_top_campaigns_and_their_playbooks_for_whoever_sees_them(tenants):
    playbook = make_playbook(tenants)
    strong = with_pipeline(tenants, "fr", playbook, [3000, 3000], name="Strong")
    with_pipeline(tenants, "fr", playbook, [1000, 0], name="Weak")
    with_pipeline(tenants, "fr", playbook, [900], name="Draft", status=CampaignStatus.DRAFT)
    found = replication.suggestions(tenants.user("emea-viewer"))
    assert [s.campaign.pk for s in found["campaigns"]] == [strong.pk]
    assert [p.playbook.pk for p in found["playbooks"]] == [playbook.pk]
    assert found["playbooks"][0].best_index == Decimal("1.7143")
    # the sibling sees none of France's campaigns
    assert replication.suggestions(tenants.user("de-viewer"))["campaigns"] == []
    assert replication.suggestions(tenants.user("globex-global-admin"))["campaigns"] == []


# --- replicate ------------------------------------------------------------------------


def test_replicating_upward_adapts_the_global_playbook_for_the_region(tenants):
    playbook = make_playbook(tenants)
    campaign = make_campaign(
        tenants, "fr", playbook, overrides={"skip_steps": [1], "delay_days": {"2": 5}}
    )
    result = replication.replicate(campaign, tenants.unit("emea"), tenants.user("emea-marketer"))
    assert result.kind == ReplicationKind.UPWARD
    assert result.origin_campaign == campaign
    regional = result.playbook
    assert regional.owner_unit.code == "emea"
    assert regional.parent == playbook  # derived through the layering engine
    assert regional.status == PlaybookStatus.DRAFT
    assert [s["channel"] for s in regional.steps] == ["email", "email"]
    assert regional.steps[1]["delay_days"] == 5
    assert set(regional.overridden_fields) == {"name", "description", "steps"}
    assert "France" in regional.description
    assert layering.resolve(regional)["steps"] == regional.steps
    assert AuditEntry.objects.filter(
        target_type="analytics.Replication", target_id=str(result.pk), action="create"
    ).exists()


def test_replicating_up_to_global_makes_a_new_source_playbook(tenants):
    playbook = make_playbook(tenants, unit="emea")  # a regional playbook, no global parent
    campaign = make_campaign(tenants, "fr", playbook, name="Benelux push")
    result = replication.replicate(
        campaign, tenants.unit("global"), tenants.user("global-manager"), name="Grid push"
    )
    assert result.playbook.owner_unit.code == "global"
    assert result.playbook.parent is None
    assert result.playbook.name == "Grid push"
    assert result.playbook.steps == playbook.steps


def test_replicating_sideways_makes_a_draft_campaign_from_the_same_playbook(tenants):
    playbook = make_playbook(tenants)
    campaign = make_campaign(
        tenants, "fr", playbook, accounts=[make_account(tenants.unit("fr"))],
        overrides={"skip_steps": [1]},
    )  # fmt: skip
    start = timezone.localdate() + dt.timedelta(days=7)
    result = replication.replicate(
        campaign, tenants.unit("de"), tenants.user("emea-marketer"), starts_on=start
    )
    assert result.kind == ReplicationKind.SIDEWAYS
    copy = result.campaign
    assert copy.owner_unit.code == "de"
    assert copy.status == CampaignStatus.DRAFT
    assert copy.playbook == playbook
    assert copy.overrides == {"skip_steps": [1]}
    assert copy.ends_on - copy.starts_on == campaign.ends_on - campaign.starts_on
    assert copy.accounts.count() == 0  # France's accounts never travel sideways
    assert result.owner_unit.code == "de"


@pytest.mark.parametrize(
    ("username", "target", "error"),
    [
        ("fr-marketer", "emea", PermissionDenied),  # a local team does not write for its region
        ("fr-marketer", "de", PermissionDenied),  # nor for its sibling
        ("de-marketer", "de", PermissionDenied),  # cannot even see the origin
        ("emea-viewer", "de", PermissionDenied),  # viewers do not create
        ("emea-marketer", "fr", ValidationError),  # the campaign's own team
        ("global-manager", "amer", ValidationError),  # neither above nor a local team
        ("global-manager", "us", ValidationError),  # EMEA's playbook is not America's
    ],
)
def test_replication_refusals_write_nothing(tenants, username, target, error):
    playbook = make_playbook(tenants, unit="emea")
    campaign = make_campaign(tenants, "fr", playbook)
    playbooks, campaigns = Playbook.objects.count(), Campaign.objects.count()
    with pytest.raises(error):
        replication.replicate(campaign, tenants.unit(target), tenants.user(username))
    assert (Playbook.objects.count(), Campaign.objects.count()) == (playbooks, campaigns)
    assert not Replication.objects.exists()


def test_an_override_the_policy_forbids_is_refused_with_the_field(tenants):
    playbook = make_playbook(tenants)
    layering.set_locks(tenants.user("global-admin"), playbook, lock=["steps"])
    campaign = make_campaign(tenants, "fr", playbook, overrides={"skip_steps": [0]})
    with pytest.raises(ValidationError) as exc:
        replication.replicate(campaign, tenants.unit("emea"), tenants.user("emea-marketer"))
    assert "steps" in exc.value.message_dict
    assert not Replication.objects.exists()
    assert not Playbook.objects.filter(owner_unit=tenants.unit("emea")).exists()


def test_a_replication_is_seen_from_both_ends_only(tenants):
    playbook = make_playbook(tenants)
    campaign = make_campaign(tenants, "fr", playbook)
    result = replication.replicate(campaign, tenants.unit("de"), tenants.user("emea-marketer"))

    def sees(username: str) -> bool:
        user = tenants.user(username)
        return Replication.objects.restrict(user).filter(pk=result.pk).exists()

    assert sees("fr-viewer") and sees("de-viewer") and sees("emea-viewer")
    assert not sees("uk-viewer")
    assert not sees("globex-global-admin")


# --- API ------------------------------------------------------------------------------

URL = "/api/v1/replications/"


def test_the_api_replicates_and_lists_the_link(tenants, api):
    playbook = make_playbook(tenants)
    campaign = make_campaign(tenants, "fr", playbook)
    client = api("emea-marketer")
    response = client.post(
        URL,
        {"origin_campaign": campaign.pk, "target_unit": tenants.unit("emea").pk, "name": "EMEA"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "upward"
    assert body["origin_campaign"] == campaign.pk
    assert body["playbook_name"] == "EMEA"
    listed = api("fr-viewer").get(URL).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert api("de-viewer").get(URL).json()["results"] == []
    assert api("de-viewer").get(f"{URL}{body['id']}/").status_code == 404


@pytest.mark.parametrize(
    ("username", "payload", "expected"),
    [
        ("emea-marketer", {}, 400),
        ("emea-marketer", {"origin_campaign": "x", "target_unit": "emea"}, 400),
        ("emea-marketer", {"target_unit": "emea", "starts_on": "not a date"}, 400),
        ("de-marketer", {"target_unit": "de"}, 400),  # the origin is not a valid choice
        ("fr-marketer", {"target_unit": "emea"}, 403),  # sees emea, does not write for it
        ("fr-marketer", {"target_unit": "de"}, 400),  # does not even see Germany
        ("emea-marketer", {"target_unit": "fr"}, 400),
        (
            "emea-marketer",
            {"target_unit": "de", "starts_on": "2031-02-01", "ends_on": "2031-01-01"},
            400,
        ),
    ],
)
def test_the_api_refuses_clearly(tenants, api, username, payload, expected):
    playbook = make_playbook(tenants)
    campaign = make_campaign(tenants, "fr", playbook)
    data = {"origin_campaign": campaign.pk, **payload}
    if isinstance(data.get("target_unit"), str) and data["target_unit"] in ("emea", "de", "fr"):
        data["target_unit"] = tenants.unit(data["target_unit"]).pk
    response = api(username).post(URL, data, format="json")
    assert response.status_code == expected, response.content
    assert not Replication.objects.exists()
    assert Campaign.objects.count() == 1


def test_the_api_lists_suggestions(tenants, api):
    playbook = make_playbook(tenants)
    strong = with_pipeline(tenants, "fr", playbook, [3000, 3000])
    with_pipeline(tenants, "fr", playbook, [1000, 0])
    body = api("emea-viewer").get(f"{URL}suggestions/").json()
    assert [row["campaign"] for row in body["campaigns"]] == [strong.pk]
    assert body["campaigns"][0]["index"] == "1.7143"
    assert body["playbooks"][0]["campaigns"] == [strong.pk]
    assert api("de-viewer").get(f"{URL}suggestions/").json()["campaigns"] == []
