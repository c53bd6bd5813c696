"""Playbooks are layered: regions adapt the steps, local teams only the wording."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from campaigns import playbooks
from campaigns.models import Playbook

from .conftest import steps


@pytest.fixture
def core(tenants, email_content):
    playbook = playbooks.create_playbook(
        tenants.user("global-marketer"),
        tenants.unit("global"),
        {"name": "Grid", "steps": steps(email_content.family, ("email", 0, "always"))},
    )
    return playbooks.publish_playbook(tenants.user("global-marketer"), playbook)


def test_it_lets_a_region_adapt_the_steps(tenants, core, email_content):
    regional_steps = steps(email_content.family, ("email", 0, "always"), ("events", 7, "engaged"))
    emea = playbooks.adapt_playbook(
        tenants.user("emea-marketer"), core, tenants.unit("emea"), {"steps": regional_steps}
    )
    assert emea.steps == regional_steps
    assert emea.name == "Grid"  # inherited
    assert emea.overridden_fields == ["steps"]


def test_it_refuses_a_local_steps_override_naming_the_rule(tenants, core, email_content):
    emea = playbooks.publish_playbook(
        tenants.user("emea-marketer"),
        playbooks.adapt_playbook(tenants.user("emea-marketer"), core, tenants.unit("emea")),
    )
    with pytest.raises(ValidationError) as refused:
        playbooks.adapt_playbook(
            tenants.user("fr-marketer"),
            emea,
            tenants.unit("fr"),
            {"steps": steps(email_content.family, ("wechat", 0, "always"))},
        )
    message = refused.value.message_dict["steps"][0]
    assert "REGION" in message and "France" in message
    local = playbooks.adapt_playbook(
        tenants.user("fr-marketer"), emea, tenants.unit("fr"), {"name": "Résilience du réseau"}
    )
    assert local.name == "Résilience du réseau"
    assert local.steps == core.steps


def test_local_readers_see_published_playbooks_only(tenants, core, email_content):
    draft = playbooks.create_playbook(
        tenants.user("global-marketer"),
        tenants.unit("global"),
        {"name": "Unfinished", "steps": steps(email_content.family, ("email", 0, "always"))},
    )
    visible = Playbook.objects.restrict(tenants.user("fr-viewer"), "view")
    assert core in visible and draft not in visible
    with pytest.raises(PermissionDenied):
        playbooks.update_playbook(tenants.user("fr-marketer"), core, {"name": "Mine"})


@pytest.mark.parametrize(
    ("step", "problem"),
    [
        ({"channel": "fax", "content": "x", "delay_days": 0}, "channel must be one of"),
        ({"channel": "email", "content": "not-a-key"}, "family key"),
        ({"channel": "email", "content": "{u}", "delay_days": -1}, "delay_days"),
        ({"channel": "email", "content": "{u}", "condition": "sometimes"}, "condition"),
    ],
)
def test_it_refuses_malformed_steps(tenants, email_content, step, problem):
    step = {k: (str(email_content.family) if v == "{u}" else v) for k, v in step.items()}
    playbook = Playbook(owner_unit=tenants.unit("global"), name="Bad", steps=[step])
    with pytest.raises(ValidationError) as refused:
        playbook.full_clean()
    assert refused.value.message_dict["steps"][0].startswith("Step 1:")
    assert problem in refused.value.message_dict["steps"][0]
