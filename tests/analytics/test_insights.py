"""Insights: who sees them (they flow up), who curates them, and the ritual agendas."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, Lifecycle
from analytics import insights
from analytics.models import Insight, InsightComment, InsightStatus
from governance import agenda
from governance.models import AuditEntry, Ritual, RitualOccurrence
from tests.analytics.conftest import make_account

pytestmark = pytest.mark.django_db


def submit(tenants, username="fr-marketer", unit="fr", **fields) -> Insight:
    values = {"text": "Buyers ask for on-site demos", "tags": ["demo"], **fields}
    return insights.submit(tenants.user(username), tenants.unit(unit), **values)


def visible(tenants, username: str) -> set[int]:
    return set(Insight.objects.restrict(tenants.user(username)).values_list("pk", flat=True))


# --- submitting -----------------------------------------------------------------------


def test_it_submits_an_insight_for_the_authors_unit_with_normalised_tags(tenants):
    insight = submit(tenants, tags=["Pricing", "pricing", "competitor-x"], sentiment="negative")
    insight.refresh_from_db()
    assert insight.owner_unit.code == "fr"
    assert insight.author.username == "fr-marketer"
    assert insight.tags == ["pricing", "competitor-x"]
    assert insight.status == InsightStatus.SUBMITTED
    assert AuditEntry.objects.filter(
        target_type="analytics.Insight", target_id=str(insight.pk), action="create"
    ).exists()


def test_it_refuses_a_unit_the_author_does_not_belong_to(tenants):
    with pytest.raises(PermissionDenied, match="Only marketers of Germany"):
        submit(tenants, unit="de")
    # a viewer may read but not write feedback
    with pytest.raises(PermissionDenied):
        submit(tenants, username="fr-viewer")
    assert not Insight.objects.exists()


def test_it_refuses_bad_tags_and_an_empty_text(tenants):
    with pytest.raises(ValidationError) as exc:
        submit(tenants, tags=["no spaces allowed?"])
    assert "tags" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        submit(tenants, text="   ")
    assert "text" in exc.value.message_dict


def test_it_refuses_linking_an_account_the_author_cannot_see(tenants):
    german = make_account(tenants.unit("de"))
    with pytest.raises(ValidationError) as exc:
        submit(tenants, account=german)
    assert exc.value.message_dict["account"] == ["Choose an account you can see."]
    other_org = Account.objects.create(
        owner_unit=tenants.unit("fr", org="globex"),
        name="Globex target",
        lifecycle=Lifecycle.SELECTED,
    )
    with pytest.raises(ValidationError):
        submit(tenants, account=other_org)
    own = make_account(tenants.unit("fr"))
    assert submit(tenants, account=own).account == own


# --- visibility -----------------------------------------------------------------------


def test_insights_flow_up_but_never_sideways(tenants):
    insight = submit(tenants)
    assert insight.pk in visible(tenants, "fr-viewer")
    assert insight.pk in visible(tenants, "emea-viewer")  # the region above
    assert insight.pk in visible(tenants, "global-viewer")
    assert insight.pk not in visible(tenants, "de-viewer")  # a sibling
    assert insight.pk not in visible(tenants, "amer-viewer")
    assert insight.pk not in visible(tenants, "globex-global-admin")


def test_a_best_practice_is_visible_to_the_whole_organisation_only(tenants):
    insight = submit(tenants)
    insights.endorse(tenants.user("emea-manager"), insight)
    insights.publish(tenants.user("global-manager"), insight)
    assert insight.pk in visible(tenants, "de-viewer")
    assert insight.pk in visible(tenants, "amer-viewer")
    assert insight.pk not in visible(tenants, "globex-fr-admin")
    # seeing is not curating: the sibling still cannot change it
    assert (
        not Insight.objects.restrict(tenants.user("de-admin"), "change")
        .filter(pk=insight.pk)
        .exists()
    )


# --- curation -------------------------------------------------------------------------


def test_only_a_manager_above_the_owner_endorses(tenants):
    insight = submit(tenants)
    for username in ("fr-manager", "emea-marketer", "de-manager", "amer-manager"):
        with pytest.raises(PermissionDenied, match="a manager of a unit above France"):
            insights.endorse(tenants.user(username), insight)
    insights.endorse(tenants.user("emea-manager"), insight)
    insight.refresh_from_db()
    assert insight.status == InsightStatus.ENDORSED
    assert insight.endorsed_by.username == "emea-manager"
    assert AuditEntry.objects.filter(action="insight_endorsed", target_id=str(insight.pk)).exists()
    with pytest.raises(ValidationError, match="Only a submitted insight"):
        insights.endorse(tenants.user("global-manager"), insight)


def test_only_global_managers_publish_and_only_endorsed_insights(tenants):
    insight = submit(tenants)
    with pytest.raises(ValidationError, match="Only an endorsed insight"):
        insights.publish(tenants.user("global-manager"), insight)
    insights.endorse(tenants.user("emea-manager"), insight)
    for username in ("emea-manager", "emea-admin", "global-marketer"):
        with pytest.raises(PermissionDenied, match="managers of the global team"):
            insights.publish(tenants.user(username), insight)
    insights.publish(tenants.user("global-manager"), insight)
    insight.refresh_from_db()
    assert insight.status == InsightStatus.PUBLISHED
    assert insight.published_by.username == "global-manager"
    assert AuditEntry.objects.filter(action="insight_published", target_id=str(insight.pk)).exists()


def test_the_owning_team_and_its_ancestors_comment_siblings_do_not(tenants):
    insight = submit(tenants)
    insights.comment(tenants.user("fr-marketer"), insight, "Seen at three accounts")
    insights.comment(tenants.user("emea-marketer"), insight, "Same in Benelux")
    insights.comment(tenants.user("global-manager"), insight, "Noted")
    with pytest.raises(PermissionDenied, match="France and the units above it"):
        insights.comment(tenants.user("de-manager"), insight, "Me too")
    with pytest.raises(PermissionDenied):
        insights.comment(tenants.user("fr-viewer"), insight, "Read only")
    with pytest.raises(ValidationError):
        insights.comment(tenants.user("fr-marketer"), insight, "  ")
    assert list(insight.comments.values_list("author__username", flat=True)) == [
        "fr-marketer",
        "emea-marketer",
        "global-manager",
    ]


def test_a_region_merges_duplicates_keeping_comments_and_tags(tenants):
    survivor = submit(tenants, tags=["demo"])
    french_dup = submit(tenants, text="Demos on site convince", tags=["onsite"])
    german_dup = submit(tenants, username="de-marketer", unit="de", tags=["demo", "trade-fair"])
    insights.comment(tenants.user("de-marketer"), german_dup, "At the Hanover fair")
    insights.merge(tenants.user("emea-manager"), survivor, [french_dup, german_dup])
    survivor.refresh_from_db()
    assert survivor.tags == ["demo", "onsite", "trade-fair"]
    assert list(survivor.comments.values_list("text", flat=True)) == ["At the Hanover fair"]
    for dup in (french_dup, german_dup):
        dup.refresh_from_db()
        assert dup.status == InsightStatus.MERGED
        assert dup.merged_into_id == survivor.pk
    assert AuditEntry.objects.filter(action="insight_merged").count() == 2


def test_a_merge_is_refused_as_a_whole(tenants):
    survivor = submit(tenants)
    dup = submit(tenants, text="Duplicate")
    american = submit(tenants, username="us-marketer", unit="us")
    # the region does not reach America's insight: nothing is merged
    with pytest.raises(PermissionDenied):
        insights.merge(tenants.user("emea-manager"), survivor, [dup, american])
    dup.refresh_from_db()
    assert dup.status == InsightStatus.SUBMITTED
    # a local team does not curate its own feedback
    with pytest.raises(PermissionDenied):
        insights.merge(tenants.user("fr-manager"), survivor, [dup])
    with pytest.raises(ValidationError):
        insights.merge(tenants.user("emea-manager"), survivor, [survivor])
    with pytest.raises(ValidationError):
        insights.merge(tenants.user("emea-manager"), survivor, [])


def test_a_merged_insight_takes_no_comment_and_the_database_keeps_the_link(tenants):
    survivor = submit(tenants)
    dup = submit(tenants, text="Duplicate")
    insights.merge(tenants.user("emea-manager"), survivor, [dup])
    with pytest.raises(ValidationError, match="merged"):
        insights.comment(tenants.user("fr-marketer"), dup, "Late remark")
    with pytest.raises(IntegrityError), transaction.atomic():
        Insight.objects.filter(pk=dup.pk).update(merged_into=None)
    assert InsightComment.objects.count() == 0


def test_archive_is_curation_too(tenants):
    insight = submit(tenants)
    with pytest.raises(PermissionDenied):
        insights.archive(tenants.user("fr-manager"), insight)
    insights.archive(tenants.user("emea-manager"), insight)
    insight.refresh_from_db()
    assert insight.status == InsightStatus.ARCHIVED
    with pytest.raises(ValidationError):
        insights.publish(tenants.user("global-manager"), insight)


# --- ritual agendas -------------------------------------------------------------------


def _occurrence(ritual: Ritual, starts_at: dt.datetime) -> RitualOccurrence:
    return RitualOccurrence.objects.create(
        ritual=ritual, starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=1)
    )


def test_a_ritual_agenda_lists_the_new_insights_of_its_subtree_since_the_last_meeting(tenants):
    emea = tenants.unit("emea")
    ritual = Ritual(
        owner_unit=emea,
        name="EMEA weekly sync",
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        starts_on=dt.date(2026, 1, 5),
        time_of_day=dt.time(10, 0),
        participant_mode="children",
    )
    ritual.full_clean()
    ritual.save()
    now = timezone.now()
    last = _occurrence(ritual, now - dt.timedelta(days=7))
    nxt = _occurrence(ritual, now + dt.timedelta(days=1))

    old = submit(tenants, username="emea-marketer", unit="emea", text="Hub, last week")
    fresh = submit(tenants, text="Fresh from France, not endorsed yet")
    german = submit(tenants, username="de-marketer", unit="de", text="Fresh from Germany")
    hub = submit(tenants, username="emea-marketer", unit="emea", text="Fresh from the hub")
    endorsed_now = submit(tenants, text="Old but endorsed since")
    american = submit(tenants, username="us-marketer", unit="us", text="Outside EMEA")
    archived = submit(tenants, text="Set aside")
    long_ago = now - dt.timedelta(days=10)
    Insight.objects.filter(pk__in=[old.pk, endorsed_now.pk]).update(created_at=long_ago)
    insights.endorse(tenants.user("emea-manager"), endorsed_now)
    insights.endorse(tenants.user("emea-manager"), german)
    insights.archive(tenants.user("emea-manager"), archived)

    items = [item for item in agenda.build(nxt) if item.topic == "new_insights"]
    assert len(items) == 1
    refs = {entry["ref"] for entry in items[0].entries}
    expected = {german.pk, hub.pk, endorsed_now.pk}
    assert refs == {f"analytics.insight:{pk}" for pk in expected}
    assert items[0].count == 3
    # France's raw feedback waits for EMEA's endorsement before Germany reads it.
    assert f"analytics.insight:{fresh.pk}" not in refs
    assert american.pk not in {int(r.split(":")[1]) for r in refs}
    # the earlier meeting had no previous one: everything shown that was open before it
    earlier = [item for item in agenda.build(last) if item.topic == "new_insights"]
    assert {e["ref"] for e in earlier[0].entries} == {
        f"analytics.insight:{old.pk}",
        f"analytics.insight:{endorsed_now.pk}",
    }


def test_a_local_ritual_does_not_show_its_siblings_insights(tenants):
    ritual = Ritual(
        owner_unit=tenants.unit("de"),
        name="German stand-up",
        recurrence="FREQ=WEEKLY;BYDAY=MO",
        starts_on=dt.date(2026, 1, 5),
        time_of_day=dt.time(10, 0),
        participant_mode="children",
    )
    ritual.full_clean()
    ritual.save()
    submit(tenants)
    occurrence = _occurrence(ritual, timezone.now() + dt.timedelta(days=1))
    assert [item for item in agenda.build(occurrence) if item.topic == "new_insights"] == []


def test_a_tag_filter_matches_whole_tags_accents_included(tenants):
    accented = submit(tenants, tags=["Événement", "salon"])
    plain = submit(tenants, tags=["evenement"])
    assert set(Insight.objects.with_tag("événement").values_list("pk", flat=True)) == {accented.pk}
    assert set(Insight.objects.with_tag("EVENEMENT").values_list("pk", flat=True)) == {plain.pk}
    assert not Insight.objects.with_tag("salo").exists()
    assert not Insight.objects.with_tag('"').exists()
