"""Content test fixtures: a small content library on the demo tree (a published global
core and EMEA adaptation, France's draft variant, a French target account with a contact),
and local stand-ins for the external content services (real servers over real HTTP)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from accounts.models import Account, Contact
from content import services
from content.models import Asset, Status
from glocal import layering
from tests.fakes.chat_completions import FakeChatCompletions
from tests.fakes.libretranslate import FakeLibreTranslate

LIBRETRANSLATE_KEY = "libre-test-key"
LLM_KEY = "llm-test-key"


@pytest.fixture
def libretranslate():
    """A LibreTranslate stand-in requiring ``LIBRETRANSLATE_KEY``."""
    with FakeLibreTranslate(api_key=LIBRETRANSLATE_KEY) as fake:
        yield fake


@pytest.fixture
def chat_llm():
    """An OpenAI-compatible chat-completions stand-in requiring ``LLM_KEY``."""
    with FakeChatCompletions(api_key=LLM_KEY) as fake:
        yield fake


def fresh(asset: Asset) -> Asset:
    return Asset.objects.get(pk=asset.pk)


def run_cascade(asset: Asset, *fields: str) -> int:
    """What the Celery task does after commit (tests run it in-process)."""
    return layering.cascade(fresh(asset), fields)


def publish(*assets: Asset) -> None:
    """Test shortcut: mark nodes published (publication itself is tested on its own)."""
    for asset in assets:
        Asset.objects.filter(pk=asset.pk).update(status=Status.PUBLISHED)
        asset.refresh_from_db()


@dataclass
class Library:
    core: Asset
    regional: Asset
    local: Asset
    account: Account
    contact: Contact


@pytest.fixture
def library(tenants) -> Library:
    core = services.create_asset(
        tenants.user("global-marketer"),
        tenants.unit("global"),
        kind="email",
        language="en",
        values={
            "title": "Grid resilience",
            "summary": "Why utilities modernise now",
            "body": "<p>Outages cost money.</p>",
            "intro": "Dear reader,",
            "cta_label": "Read more",
            "cta_url": "https://acme.example/grid",
            "brand_claim": "Acme keeps the lights on",
            "legal_notice": "© Acme Industrial",
        },
        industries=["energy"],
        funnel_stage="awareness",
    )
    publish(core)  # the region adapts what global published
    regional = services.derive_asset(
        tenants.user("emea-marketer"),
        core,
        tenants.unit("emea"),
        {"body": "<p>Outages cost EU utilities money.</p>"},
    )
    publish(regional)
    local = services.derive_asset(
        tenants.user("fr-marketer"), regional, tenants.unit("fr"), {"intro": "Hello France,"}
    )
    account = Account.objects.create(owner_unit=tenants.unit("fr"), name="EDF", country="FR")
    contact = Contact.objects.create(
        account=account, first_name="Claire", last_name="Martin", language="en", country="FR"
    )
    return Library(core, regional, local, account, contact)
