"""The campaign page: launch, pause, resume, cancel, live progress; the dead letters."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Contact
from campaigns.models import Campaign, CampaignStatus, Touch, TouchStatus

from .conftest import make_account, make_campaign, plan


def login(tenants, username: str) -> Client:
    client = Client()
    client.force_login(tenants.user(username))
    return client


def act(client: Client, campaign: Campaign, operation: str):
    return client.post(f"/campaigns/{campaign.pk}/action/", {"operation": operation}, follow=True)


@pytest.fixture
def campaign(tenants, playbook) -> Campaign:
    fr = tenants.unit("fr")
    accounts = [
        make_account(fr, country="FR", contacts=2),  # 6 touches planned
        make_account(fr, country="FR", channels=("email",)),  # LinkedIn: no consent
        make_account(fr, country="FR", channels=("email",)),  # LinkedIn: no consent
        make_account(fr, country="FR", lifecycle="engaged"),  # LinkedIn step: not engaged only
    ]
    return make_campaign(tenants, "fr", playbook, accounts, name="Grid resilience — France")


def test_a_local_marketer_launch_is_sent_for_approval(tenants, campaign):
    client = login(tenants, "fr-marketer")
    page = act(client, campaign, "launch")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Sent for approval: the launch waits for the managers of EMEA." in html
    assert 'id="pending-approval"' in html
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PENDING_APPROVAL
    assert not Touch.objects.filter(campaign=campaign).exists()


def test_the_regional_manager_launches_at_once(tenants, campaign):
    html = act(login(tenants, "emea-manager"), campaign, "launch").content.decode()
    assert "Launched: the touches are being planned." in html
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PLANNING


def test_a_launch_the_services_refuse_is_a_message_not_an_error(tenants, campaign):
    campaign.accounts.clear()
    page = act(login(tenants, "fr-marketer"), campaign, "launch")
    assert page.status_code == 200
    assert "Choose the accounts to target first." in page.content.decode()


def test_pause_resume_and_cancel(tenants, campaign):
    plan(campaign)
    client = login(tenants, "fr-marketer")
    assert "The campaign is now paused." in act(client, campaign, "pause").content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.PAUSED
    assert "The campaign is now running." in act(client, campaign, "resume").content.decode()
    assert "The campaign is now cancelled." in act(client, campaign, "cancel").content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CANCELLED
    assert not Touch.objects.filter(campaign=campaign, status=TouchStatus.PLANNED).exists()

    page = act(client, campaign, "resume")
    assert page.status_code == 200
    assert "A cancelled campaign cannot become running." in page.content.decode()


def test_who_may_act(tenants, campaign):
    path = f"/campaigns/{campaign.pk}/action/"
    assert login(tenants, "fr-viewer").post(path, {"operation": "cancel"}).status_code == 403
    assert login(tenants, "de-admin").post(path, {"operation": "cancel"}).status_code == 404
    assert login(tenants, "fr-marketer").post(path, {"operation": "delete"}).status_code == 404
    assert login(tenants, "fr-marketer").get(path).status_code == 405
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT


def test_progress_counts_touches_and_groups_skip_reasons(tenants, campaign):
    plan(campaign)
    planned = list(Touch.objects.filter(campaign=campaign, status=TouchStatus.PLANNED))
    assert len(planned) == 12
    Touch.objects.filter(pk=planned[0].pk).update(status=TouchStatus.SENT)
    Touch.objects.filter(pk=planned[1].pk).update(status=TouchStatus.FAILED, attempts=1)
    Touch.objects.filter(pk=planned[2].pk).update(status=TouchStatus.DEAD, attempts=5)

    response = login(tenants, "fr-viewer").get(f"/campaigns/{campaign.pk}/progress.json")
    assert response.status_code == 200
    progress = response.json()
    assert progress["status"] == "running" and progress["refresh"] is True
    assert (progress["accounts_planned"], progress["accounts_total"]) == (4, 4)
    assert progress["percent"] == 100
    # Planned in full (50 %), then 5 of 15 touches settled (sent, dead, 3 skipped).
    assert progress["done_percent"] == round(50 + 50 * 5 / 15, 1)
    assert progress["touches"] == {
        "planned": 9,
        "claimed": 0,
        "sent": 1,
        "failed": 1,
        "dead": 1,
        "skipped": 3,
        "cancelled": 0,
    }
    assert progress["touches_total"] == 15
    assert progress["skipped_reasons"] == [
        {"code": "no_consent", "count": 2, "example": "No consent recorded for LinkedIn."},
        {
            "code": "condition_engaged",
            "count": 1,
            "example": progress["skipped_reasons"][1]["example"],
        },
    ]
    assert "is engaged" in progress["skipped_reasons"][1]["example"]

    page = login(tenants, "fr-viewer").get(f"/campaigns/{campaign.pk}/").content.decode()
    assert '<td id="count-skipped">3</td>' in page
    assert '<tr data-code="no_consent"><td><code>no_consent</code></td><td>2</td>' in page
    assert 'data-refresh="1"' in page  # the page keeps polling while it runs


def test_a_sibling_unit_gets_404(tenants, campaign):
    client = login(tenants, "de-admin")
    assert client.get(f"/campaigns/{campaign.pk}/").status_code == 404
    assert client.get(f"/campaigns/{campaign.pk}/progress.json").status_code == 404
    assert f'data-id="campaign-{campaign.pk}"' not in client.get("/campaigns/").content.decode()
    listed = login(tenants, "emea-viewer").get("/campaigns/").content.decode()
    assert f'data-id="campaign-{campaign.pk}"' in listed


@pytest.fixture
def dead_letters(tenants, playbook):
    """A dead touch to a French contact, and one to a contact whose data stays in China."""
    fr = tenants.unit("fr")
    french = make_account(fr, country="FR")
    chinese = make_account(fr, country="CN", basis="separate_consent")
    Contact.objects.filter(account=chinese).update(first_name="Wei", last_name="Zhang")
    campaign = plan(make_campaign(tenants, "fr", playbook, [french, chinese]))
    touches = Touch.objects.filter(campaign=campaign, status=TouchStatus.PLANNED, step=0)
    to_fr = touches.get(account=french)
    to_cn = touches.get(account=chinese)
    Touch.objects.filter(pk=to_fr.pk).update(
        status=TouchStatus.DEAD, attempts=5, last_error="550 mailbox unavailable"
    )
    Touch.objects.filter(pk=to_cn.pk).update(
        status=TouchStatus.FAILED, attempts=2, last_error="550 wei.zhang@example.cn unknown"
    )
    return {"campaign": campaign, "fr": to_fr, "cn": to_cn}


def test_dead_letters_list_touches_that_gave_up_or_wait_for_a_retry(tenants, dead_letters):
    html = login(tenants, "fr-marketer").get("/campaigns/dead-letters/").content.decode()
    fr_row = html[html.index(f'data-id="touch-{dead_letters["fr"].pk}"') :]
    fr_row = fr_row[: fr_row.index("</tr>")]
    assert "550 mailbox unavailable" in fr_row and "<td>5</td>" in fr_row
    assert "Gave up" in fr_row and "Email" in fr_row
    assert dead_letters["fr"].local_scheduled in fr_row
    # PIPL: the contact in China is shown by id only, and so is the provider's error text.
    cn_row = html[html.index(f'data-id="touch-{dead_letters["cn"].pk}"') :]
    cn_row = cn_row[: cn_row.index("</tr>")]
    assert f"#{dead_letters['cn'].contact_id}" in cn_row
    assert "Failed, will retry" in cn_row
    assert "Wei" not in html and "Zhang" not in html and "wei.zhang" not in html

    only_dead = login(tenants, "fr-marketer").get("/campaigns/dead-letters/?status=dead")
    assert f'data-id="touch-{dead_letters["cn"].pk}"' not in only_dead.content.decode()
    # The campaign page masks the same way.
    page = login(tenants, "fr-marketer").get(f"/campaigns/{dead_letters['campaign'].pk}/")
    assert "Wei" not in page.content.decode()


def test_dead_letters_stay_in_their_unit(tenants, dead_letters):
    html = login(tenants, "de-admin").get("/campaigns/dead-letters/").content.decode()
    assert f'data-id="touch-{dead_letters["fr"].pk}"' not in html
    html = login(tenants, "emea-viewer").get("/campaigns/dead-letters/").content.decode()
    assert f'data-id="touch-{dead_letters["fr"].pk}"' in html


def _queries(client: Client, path: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_lists_cost_the_same_whatever_their_length(tenants, playbook, dead_letters):
    client = login(tenants, "fr-marketer")
    few = (_queries(client, "/campaigns/"), _queries(client, "/campaigns/dead-letters/"))
    fr = tenants.unit("fr")
    for _ in range(3):
        campaign = plan(make_campaign(tenants, "fr", playbook, [make_account(fr, country="FR")]))
        Touch.objects.filter(campaign=campaign).update(status=TouchStatus.DEAD)
    many = (_queries(client, "/campaigns/"), _queries(client, "/campaigns/dead-letters/"))
    assert many == few


def test_the_pages_render_in_french(tenants, campaign):
    client = login(tenants, "fr-marketer")
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    for path in (
        "/campaigns/",
        "/campaigns/new/",
        f"/campaigns/new/?playbook={campaign.playbook_id}",
        f"/campaigns/{campaign.pk}/",
        f"/campaigns/{campaign.pk}/edit/",
        f"/campaigns/{campaign.pk}/preview/",
        "/campaigns/dead-letters/",
        "/campaigns/playbooks/",
        f"/campaigns/playbooks/{campaign.playbook_id}/",
        "/campaigns/mix/",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        assert '<html lang="fr">' in response.content.decode(), path


def test_dead_letters_are_retried_from_the_page_by_who_may_change_them(tenants, dead_letters):
    fr, cn = dead_letters["fr"], dead_letters["cn"]
    campaign = dead_letters["campaign"]
    page = login(tenants, "fr-marketer").get(f"/campaigns/dead-letters/?campaign={campaign.pk}")
    assert 'id="retry-form"' in page.content.decode() and "Retry 2 touches now" in (
        page.content.decode()
    )
    # The sibling and a viewer above may not: nothing moves.
    assert login(tenants, "de-admin").post("/campaigns/dead-letters/retry/").status_code == 303
    viewer = login(tenants, "emea-viewer")
    assert 'id="retry-form"' not in viewer.get("/campaigns/dead-letters/").content.decode()
    assert viewer.post("/campaigns/dead-letters/retry/").status_code == 303
    assert Touch.objects.get(pk=fr.pk).status == TouchStatus.DEAD

    response = login(tenants, "fr-marketer").post(
        "/campaigns/dead-letters/retry/", {"campaign": campaign.pk, "status": "dead"}
    )
    assert response.status_code == 303
    assert response["Location"] == f"/campaigns/dead-letters/?status=dead&campaign={campaign.pk}"
    retried = Touch.objects.get(pk=fr.pk)
    assert (retried.status, retried.attempts) == (TouchStatus.FAILED, 0)
    assert Touch.objects.get(pk=cn.pk).attempts == 2  # the filter kept it out
    followed = login(tenants, "fr-marketer").get(response["Location"])
    assert f'data-id="touch-{fr.pk}"' not in followed.content.decode()


def test_the_campaign_page_links_to_its_dead_letters(tenants, dead_letters):
    campaign = dead_letters["campaign"]
    html = login(tenants, "fr-marketer").get(f"/campaigns/{campaign.pk}/").content.decode()
    assert f"/campaigns/dead-letters/?campaign={campaign.pk}" in html
