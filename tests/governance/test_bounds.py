"""Tighten, never loosen: a lower tier may only narrow a bound set above it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from glocal.layering import bounds
from glocal.layering.models import Bound

SHARE = bounds.declare("test.linkedin.max_share", bounds.MAX, "LinkedIn share of touches")
FLOOR = bounds.declare("test.events.min_share", bounds.MIN, "Events share of budget")
CHANNELS = bounds.declare("test.channels.allowed", bounds.ALLOWED, "Allowed channels")


def put(unit, key, value) -> Bound:
    bound = Bound(owner_unit=unit, key=key, value=value)
    bound.full_clean()
    bound.save()
    return bound


def test_a_region_cannot_loosen_a_global_cap_and_the_error_names_it(tenants):
    put(tenants.unit("global"), SHARE.key, 0.3)
    with pytest.raises(ValidationError) as exc:
        put(tenants.unit("emea"), SHARE.key, 0.4)
    message = exc.value.message_dict["value"][0]
    assert "GLOBAL rule" in message and "Acme Global" in message and "at most 0.3" in message
    assert not Bound.objects.filter(owner_unit=tenants.unit("emea")).exists()


def test_tightening_is_allowed_and_binds_below(tenants):
    put(tenants.unit("global"), SHARE.key, 0.3)
    put(tenants.unit("emea"), SHARE.key, 0.25)
    effective = bounds.effective(tenants.unit("fr"), SHARE.key)
    assert effective.value == 0.25 and effective.set_by.code == "emea"
    with pytest.raises(ValidationError) as exc:
        put(tenants.unit("fr"), SHARE.key, 0.3)  # fine globally, looser than EMEA
    assert "EMEA" in exc.value.message_dict["value"][0]
    # Siblings are unaffected by EMEA's choice.
    assert bounds.effective(tenants.unit("us"), SHARE.key).value == 0.3


def test_minimums_and_allowed_sets_tighten_the_other_way(tenants):
    put(tenants.unit("global"), FLOOR.key, 0.1)
    with pytest.raises(ValidationError):
        put(tenants.unit("emea"), FLOOR.key, 0.05)
    put(tenants.unit("emea"), FLOOR.key, 0.2)
    put(tenants.unit("global"), CHANNELS.key, ["email", "linkedin", "events"])
    with pytest.raises(ValidationError) as exc:
        put(tenants.unit("apac"), CHANNELS.key, ["email", "wechat"])
    assert "only email, wechat" in exc.value.message_dict["value"][0]
    put(tenants.unit("apac"), CHANNELS.key, ["email"])
    assert bounds.effective(tenants.unit("cn"), CHANNELS.key).value == ["email"]


def test_a_requirement_set_above_cannot_be_lifted_below(tenants):
    key = "approval.required.campaign_launch"
    put(tenants.unit("global"), key, True)
    with pytest.raises(ValidationError):
        put(tenants.unit("emea"), key, False)
    put(tenants.unit("emea"), key, True)


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("no.such.bound", 1, "key"),
        (SHARE.key, "a lot", "value"),
        (CHANNELS.key, "email", "value"),
        ("approval.required.campaign_launch", "yes", "value"),
    ],
)
def test_bad_values_are_refused_by_field(tenants, key, value, field):
    with pytest.raises(ValidationError) as exc:
        put(tenants.unit("global"), key, value)
    assert field in exc.value.message_dict


def test_region_override_policies_may_only_tighten(tenants):
    from django.contrib.contenttypes.models import ContentType

    from glocal.layering.models import OverridePolicy
    from governance.models import Directive

    ctype = ContentType.objects.get_for_model(Directive)
    loosen = OverridePolicy(
        owner_unit=tenants.unit("emea"), content_type=ctype, field="body", lowest_tier="LOCAL"
    )
    with pytest.raises(ValidationError) as exc:
        loosen.full_clean()
    assert "loosen" in exc.value.message_dict["lowest_tier"][0]
    tighten = OverridePolicy(
        owner_unit=tenants.unit("emea"), content_type=ctype, field="title", lowest_tier="REGION"
    )
    tighten.full_clean()
    unknown = OverridePolicy(
        owner_unit=tenants.unit("global"), content_type=ctype, field="status", lowest_tier="LOCAL"
    )
    with pytest.raises(ValidationError) as exc:
        unknown.full_clean()
    assert "field" in exc.value.message_dict
