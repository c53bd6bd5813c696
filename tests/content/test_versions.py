"""Version history: every effective change is a numbered snapshot; diffs between two."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from content import publishing, services, versions
from tests.content.conftest import run_cascade


def test_each_effective_change_records_one_version(tenants, library):
    user = tenants.user("fr-marketer")
    assert [v.number for v in versions.list_versions(library.local)] == [1]
    services.edit_asset(user, library.local, {"cta_label": "Lire"})
    services.edit_asset(user, library.local, {"cta_label": "Lire"})  # no change, no version
    latest = versions.list_versions(library.local).first()
    assert latest.number == 2 and latest.values["cta_label"] == "Lire"
    assert latest.created_by == user


def test_a_cascaded_source_change_is_a_version_of_the_variant_too(tenants, library):
    services.edit_asset(tenants.user("global-marketer"), library.core, {"summary": "New angle"})
    run_cascade(library.core, "summary")
    run_cascade(library.regional, "summary")
    latest = versions.list_versions(library.local).first()
    assert latest.values["summary"] == "New angle"


def test_diff_two_versions_shows_changed_fields_and_status(tenants, library):
    services.edit_asset(tenants.user("fr-marketer"), library.local, {"intro": "Bonjour,\nFrance"})
    publishing.publish_asset(tenants.user("emea-manager"), library.local)
    numbers = [v.number for v in versions.list_versions(library.local)]
    assert numbers == [3, 2, 1]
    changes = {d.field: d for d in versions.diff_versions(library.local, 1, 3)}
    assert set(changes) == {"intro", "status"}
    assert (changes["status"].old, changes["status"].new) == ("draft", "published")
    assert "-Hello France," in changes["intro"].diff and "+Bonjour," in changes["intro"].diff
    with pytest.raises(ValidationError):
        versions.diff_versions(library.local, 1, 9)
