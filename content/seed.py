"""Demo content for ``seed_demo``: Acme's global asset library, layered and translated.

Global cores in English with translations in French, German, Chinese and Japanese;
EMEA and APAC adaptations; local variants for France, Germany, the UK, China and Japan;
one per-account personalisation for a French strategic account; the organisation glossary
and an open translation request (Polish, for Poland). Some fields are locked
by global, some local overrides went stale because their source moved on, and some
usage rights expire soon (or already did), so every dashboard state has an example.

Idempotent: the step does nothing once Acme has content. Authoring goes through the
content services as the demo users, so policies, locks, versions and audit all apply.
"""

# ruff: noqa: RUF001 (CJK punctuation is intended in the demo texts)
from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.models.accounts import Tier
from content import services, workflow
from content.models import Asset, GlossaryTerm, Status
from glocal import layering
from glocal.models import OrgUnit
from glocal.seeding import SeedContext

ORGANIZATION = "acme-industrial"
BRAND = "Acme keeps industry running"
LEGAL = "© Acme Industrial SE. Registered office: Lyon, France."

#: (kind, funnel stage, industries, personas, English values, translations)
LIBRARY: list[tuple[str, str, list[str], list[str], dict[str, str], dict[str, dict]]] = [
    (
        "email",
        "awareness",
        ["manufacturing", "energy"],
        ["operations"],
        {
            "title": "Unplanned downtime is a choice",
            "summary": "How plants cut unplanned stops by a third.",
            "body": "<p>Every hour a line stands still costs more than a year of sensors.</p>"
            "<p>Acme's predictive maintenance learns each machine's normal.</p>",
            "intro": 'Dear {{ contact.first_name | default:"colleague" }},',
            "cta_label": "See the plant study",
            "cta_url": "https://acme.example/downtime",
            "brand_claim": BRAND,
            "legal_notice": LEGAL,
        },
        {
            "fr": {
                "title": "L'arrêt imprévu n'est pas une fatalité",
                "summary": "Comment des usines ont réduit d'un tiers leurs arrêts imprévus.",
                "body": "<p>Chaque heure d'arrêt coûte plus qu'une année de capteurs.</p>",
                "intro": 'Bonjour {{ contact.first_name | default:"" }},',
                "cta_label": "Lire l'étude",
            },
            "de": {
                "title": "Ungeplante Stillstände sind vermeidbar",
                "summary": "Wie Werke ungeplante Stopps um ein Drittel senken.",
                "body": "<p>Jede Stunde Stillstand kostet mehr als ein Jahr Sensorik.</p>",
                "intro": 'Guten Tag {{ contact.first_name | default:"" }},',
                "cta_label": "Zur Werksstudie",
            },
            "zh": {
                "title": "计划外停机可以避免",
                "summary": "工厂如何将计划外停机减少三分之一。",
                "body": "<p>每停机一小时的损失超过一年的传感器费用。</p>",
                "intro": "{{ contact.last_name }} 您好，",
                "cta_label": "查看案例",
            },
            "ja": {
                "title": "計画外停止は防げます",
                "summary": "工場が計画外停止を3分の1削減した方法。",
                "body": "<p>ライン停止の1時間は、センサー1年分の費用を上回ります。</p>",
                "intro": "{{ contact.last_name }} 様",
                "cta_label": "事例を見る",
            },
        },
    ),
    (
        "case_study",
        "consideration",
        ["manufacturing"],
        ["engineering", "operations"],
        {
            "title": "Case study: a tyre plant at 99.2% uptime",
            "summary": "Eighteen months of predictive maintenance in numbers.",
            "body": "<p>Vibration and heat sensors on 240 machines; alerts 9 days ahead.</p>",
            "cta_label": "Download the case study",
            "cta_url": "https://acme.example/cases/tyres",
            "brand_claim": BRAND,
            "legal_notice": LEGAL,
        },
        {
            "fr": {
                "title": "Étude de cas : une usine de pneus à 99,2 % de disponibilité",
                "cta_label": "Télécharger l'étude",
            },
            "de": {
                "title": "Fallstudie: ein Reifenwerk mit 99,2 % Verfügbarkeit",
                "cta_label": "Fallstudie laden",
            },
        },
    ),
    (
        "webinar_invitation",
        "consideration",
        ["energy", "utilities"],
        ["executive"],
        {
            "title": "Webinar: the resilient grid",
            "summary": "Forty minutes with grid operators on storage and demand response.",
            "body": "<p>Live questions; recording sent to every registrant.</p>",
            "intro": 'Join us, {{ contact.first_name | default:"" }}.',
            "cta_label": "Register",
            "cta_url": "https://acme.example/webinars/grid",
            "brand_claim": BRAND,
            "legal_notice": LEGAL,
        },
        {"ja": {"title": "ウェビナー：レジリエントな電力網", "cta_label": "登録する"}},
    ),
    (
        "social_post",
        "awareness",
        ["manufacturing"],
        [],
        {
            "title": "Uptime is a strategy",
            "body": "<p>Three numbers every plant manager should know. #IndustrialAI</p>",
            "cta_label": "Read",
            "cta_url": "https://acme.example/uptime",
            "brand_claim": BRAND,
        },
        {"zh": {"title": "正常运行时间就是战略"}},
    ),
]


def _user(username: str):
    return get_user_model().objects.get(username=username)


def _publish(*assets: Asset) -> None:
    """Demo shortcut: publication itself (RACI, approvals) is exercised by the tests."""
    for asset in assets:
        asset.status = Status.PUBLISHED
        asset.save(update_fields=["status"])


def _days(n: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=n)


@transaction.atomic
def seed_content(ctx: SeedContext) -> None:
    units = {u.code: u for u in OrgUnit.objects.filter(organization__slug=ORGANIZATION)}
    if not units or Asset.objects.unrestricted().filter(owner_unit__in=units.values()).exists():
        return
    author = _user("global-admin")
    cores: list[Asset] = []
    translations: dict[tuple[int, str], Asset] = {}
    for kind, stage, industries, personas, values, translated in LIBRARY:
        core = services.create_asset(
            author,
            units["global"],
            kind=kind,
            language="en",
            values=values,
            industries=industries,
            personas=personas,
            funnel_stage=stage,
        )
        _publish(core)
        cores.append(core)
        for language, text in translated.items():
            version = services.translate_asset(author, core, language, text)
            _publish(version)
            translations[(core.pk, language)] = version
    email, case, webinar, _post = cores
    # Global keeps the brand claim and the call-to-action address of the flagship email.
    layering.set_locks(author, email, lock=["brand_claim", "legal_notice", "cta_url"])

    made = _adaptations(units, email, case, webinar, translations)
    _rights(units, made, webinar)
    # The sources moved on after the adaptations were made: reviews for France and EMEA.
    services.edit_asset(
        author,
        translations[(email.pk, "fr")],
        {"intro": 'Madame, Monsieur {{ contact.last_name | default:"" }},'},
    )
    services.edit_asset(
        author,
        email,
        {"body": email.body + "<p>Now with energy monitoring on the same sensors.</p>"},
    )
    layering.rebuild_all(Asset)
    _glossary_and_requests(units, email)
    ctx.log(
        f"content: {len(cores)} global cores, {len(translations)} translations, "
        f"{len(made)} adaptations and variants, locks, stale reviews, expiring rights"
    )


def _adaptations(
    units: dict[str, OrgUnit],
    email: Asset,
    case: Asset,
    webinar: Asset,
    translations: dict[tuple[int, str], Asset],
) -> dict[str, Asset]:
    made: dict[str, Asset] = {}
    emea, apac = _user("emea-admin"), _user("apac-admin")
    made["emea"] = services.derive_asset(
        emea,
        email,
        units["emea"],
        {"body": "<p>Hosted in the EU, GDPR by design: sensors pay for themselves.</p>"},
    )
    made["apac"] = services.derive_asset(
        apac, webinar, units["apac"], {"summary": "Grid operators from Tokyo and Singapore."}
    )
    _publish(made["emea"], made["apac"])  # the local teams adapt what their region published
    made["uk"] = services.derive_asset(
        _user("uk-admin"), made["emea"], units["uk"], {"cta_label": "Book a plant visit"}
    )
    local = {
        "fr": {"intro": 'Bonjour {{ contact.first_name | default:"" }}, chez {{ account.name }},'},
        "de": {"cta_label": "Werksbesuch vereinbaren"},
        "cn": {"intro": "{{ account.name }} 的 {{ contact.last_name }} 您好，"},
        "jp": {"intro": "{{ account.name }} {{ contact.last_name }} 様"},
    }
    language = {"fr": "fr", "de": "de", "cn": "zh", "jp": "ja"}
    for code, values in local.items():
        source = translations[(email.pk, language[code])]
        made[code] = services.derive_asset(_user(f"{code}-admin"), source, units[code], values)
    made["de-case"] = services.derive_asset(
        _user("de-admin"),
        translations[(case.pk, "de")],
        units["de"],
        {"intro": "Ein Werk wie Ihres, {{ contact.last_name }}."},
    )
    _publish(*(asset for code, asset in made.items() if code not in ("emea", "apac")))
    strategic = (
        Account.objects.unrestricted()
        .filter(owner_unit=units["fr"], tier=Tier.STRATEGIC)
        .order_by("pk")
        .first()
    )
    if strategic is not None:
        made["account"] = services.derive_asset(
            _user("fr-admin"),
            made["fr"],
            units["fr"],
            {"personal_text": f"<p>Suite à notre visite du site de {strategic.name}…</p>"},
            account=strategic,
        )
        _publish(made["account"])
    return made


def _glossary_and_requests(units: dict[str, OrgUnit], email: Asset) -> None:
    """The organisation glossary, and an open request: a Polish version for Poland."""
    for term, keep, translations in [
        ("Acme", True, {}),
        ("Industrial AI", True, {}),
        ("predictive maintenance", False, {"fr": "maintenance prédictive",
                                           "de": "vorausschauende Wartung"}),
    ]:  # fmt: skip
        GlossaryTerm.objects.create(
            owner_unit=units["global"],
            term=term,
            source_language="en",
            do_not_translate=keep,
            translations=translations,
        )
    workflow.request_variants(
        _user("global-admin"),
        email,
        [(units["pl"], "pl")],
        timezone.now() + datetime.timedelta(days=10),
        instructions="Keep the tone direct; our Polish customers are plant managers.",
    )


def _rights(units: dict[str, OrgUnit], made: dict[str, Any], webinar: Asset) -> None:
    services.set_rights(
        _user("global-admin"),
        webinar,
        channels=["email", "linkedin", "webinars"],
        expires_at=_days(180),
    )
    services.set_rights(_user("uk-admin"), made["uk"], territories=["GB"], expires_at=_days(6))
    services.set_rights(_user("de-admin"), made["de-case"], expires_at=_days(12))
    services.set_rights(
        _user("apac-admin"), made["apac"], territories=["JP", "SG", "CN"], expires_at=_days(90)
    )
