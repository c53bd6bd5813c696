"""The demo content library: five languages, every layer, locks, stale reviews, rights."""

from __future__ import annotations

import datetime
from io import StringIO

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.utils import timezone

from content.models import Asset, Status
from glocal.layering.models import StaleOverride
from tests.conftest import PASSWORD


def test_seed_demo_builds_a_layered_multilingual_library_once(db):
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    assets = Asset.objects.unrestricted().filter(owner_unit__organization__slug="acme-industrial")
    count = assets.count()
    assert set(assets.values_list("language", flat=True)) == {"en", "fr", "de", "zh", "ja"}
    layers = {asset.layer for asset in assets}
    assert layers == {"core", "regional", "local", "account"}
    core = assets.get(parent=None, translation_of=None, title__startswith="Unplanned")
    assert set(core.locked_fields) >= {"brand_claim", "legal_notice"}
    stale = StaleOverride.objects.filter(content_type=ContentType.objects.get_for_model(Asset))
    assert {("emea", "body"), ("fr", "intro")} <= set(
        stale.values_list("owner_unit__code", "field")
    )
    soon = timezone.now() + datetime.timedelta(days=14)
    assert assets.filter(status=Status.PUBLISHED, expires_at__lte=soon).exists()
    assert assets.exclude(territories=[]).exists()
    from content.models import GlossaryTerm, TranslationTask

    assert GlossaryTerm.objects.filter(term="Acme", do_not_translate=True).exists()
    assert TranslationTask.objects.filter(owner_unit__code="pl", language="pl").exists()
    call_command("seed_demo", "--password", PASSWORD, stdout=StringIO())
    assert assets.count() == count
