"""The translation and local-variant workflow, through its services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from content import publishing, services, tasks, workflow
from content.models import (
    Asset,
    GlossaryTerm,
    RequestStatus,
    Status,
    TaskStatus,
    TranslationRequest,
    TranslationTask,
    terms_for,
)
from governance import approvals
from governance.models import ApprovalRequest, Notification
from tests.content.conftest import LIBRETRANSLATE_KEY, LLM_KEY, publish

DUE = timezone.now() + timedelta(days=10)


@pytest.fixture
def core(tenants):
    asset = services.create_asset(
        tenants.user("global-marketer"),
        tenants.unit("global"),
        kind="email",
        language="en",
        values={
            "title": "Discover the Acme Cloud platform",
            "body": "<p>Secure data with Acme Cloud and your team.</p>",
            "intro": "Hello world",
            "cta_label": "Join us",
            "cta_url": "https://acme.example/cloud",
        },
    )
    publish(asset)
    return asset


@pytest.fixture
def glossary(tenants):
    GlossaryTerm.objects.create(
        owner_unit=tenants.unit("global"), term="Acme Cloud", do_not_translate=True
    )
    GlossaryTerm.objects.create(
        owner_unit=tenants.unit("global"), term="data", translations={"fr": "informations"}
    )


@pytest.fixture
def machine(settings, libretranslate):
    settings.CONTENT_TRANSLATION_PROVIDER = "libretranslate"
    settings.LIBRETRANSLATE_URL = libretranslate.url
    settings.LIBRETRANSLATE_API_KEY = LIBRETRANSLATE_KEY
    settings.LIBRETRANSLATE_TIMEOUT = 3
    return libretranslate


def request_fr_de(tenants, core) -> TranslationRequest:
    return workflow.request_variants(
        tenants.user("global-marketer"),
        core,
        [(tenants.unit("fr"), "fr"), (tenants.unit("de"), "de")],
        DUE,
        "Keep it short.",
    )


def task_of(request, code) -> TranslationTask:
    return request.tasks.get(owner_unit__code=code)


def recipients(kind, **params) -> set[str]:
    rows = Notification.objects.unrestricted().filter(kind=kind).select_related("recipient")
    return {
        n.recipient.username
        for n in rows
        if all(n.params.get(key) == value for key, value in params.items())
    }


# --- requests -------------------------------------------------------------------------


def test_it_assigns_one_task_per_unit_and_tells_only_those_units(tenants, core):
    request = request_fr_de(tenants, core)

    assert request.owner_unit == tenants.unit("global")
    assert {(t.owner_unit.code, t.language) for t in request.tasks.all()} == {
        ("fr", "fr"),
        ("de", "de"),
    }
    told_fr = recipients(Notification.Kind.TRANSLATION_ASSIGNED, unit="France")
    assert {"fr-marketer", "fr-manager", "fr-admin"} <= told_fr
    assert "fr-viewer" not in told_fr
    assert not any(name.startswith(("de-", "uk-", "emea-")) for name in told_fr)
    told_de = recipients(Notification.Kind.TRANSLATION_ASSIGNED, unit="Germany")
    assert "de-marketer" in told_de and "fr-marketer" not in told_de
    message = Notification.objects.unrestricted().filter(recipient__username="fr-marketer").first()
    assert "global-marketer asks France for a fr version" in message.message()


def test_each_unit_sees_its_own_task_and_the_requester_sees_all(tenants, core):
    request = request_fr_de(tenants, core)

    def visible(username):
        user = tenants.user(username)
        return set(
            TranslationTask.objects.restrict(user, "view").values_list("language", flat=True)
        )

    assert visible("fr-marketer") == {"fr"}
    assert visible("de-viewer") == {"de"}
    assert visible("uk-admin") == set()
    assert visible("emea-viewer") == {"fr", "de"}
    assert visible("global-marketer") == {"fr", "de"}
    assert visible("globex-fr-admin") == set()
    # The request itself stays with the requesting unit.
    fr_requests = TranslationRequest.objects.restrict(tenants.user("fr-admin"), "view")
    assert not fr_requests.filter(pk=request.pk).exists()


def test_only_someone_who_may_change_the_asset_requests_variants(tenants, core):
    with pytest.raises(PermissionDenied):
        workflow.request_variants(
            tenants.user("fr-marketer"), core, [(tenants.unit("fr"), "fr")], DUE
        )


@pytest.mark.parametrize(
    ("target", "language", "message"),
    [
        ("us", "es", "not EMEA or a unit below it"),
        ("fr", "klingon!", "not a language tag"),
        ("emea", "en", "owns the source"),
        ("fr", "fr", "an adaptation stays in its source's language"),
    ],
)
def test_targets_outside_the_rules_are_refused_by_name(tenants, library, target, language, message):
    with pytest.raises(ValidationError) as refused:
        workflow.request_variants(
            tenants.user("emea-marketer"),
            library.regional,
            [(tenants.unit(target), language)],
            DUE,
        )
    assert message in " ".join(refused.value.message_dict["targets"])


def test_a_unit_of_another_organisation_is_refused(tenants, core):
    with pytest.raises(ValidationError) as refused:
        workflow.request_variants(
            tenants.user("global-marketer"),
            core,
            [(tenants.unit("fr", org="globex"), "fr")],
            DUE,
        )
    assert "not an active unit of this organisation" in str(refused.value)


def test_a_duplicate_of_an_open_task_and_a_past_due_date_are_refused(tenants, core):
    request_fr_de(tenants, core)
    with pytest.raises(ValidationError) as refused:
        workflow.request_variants(
            tenants.user("global-marketer"),
            core,
            [(tenants.unit("fr"), "FR"), (tenants.unit("uk"), "en-GB")],
            timezone.now() - timedelta(days=1),
        )
    errors = refused.value.message_dict
    assert errors["due_at"] == ["The due date must be in the future."]
    assert errors["targets"] == ["France already has an open task for a fr version of this asset."]
    assert TranslationRequest.objects.count() == 1


# --- machine path ---------------------------------------------------------------------


def test_libretranslate_drafts_a_translation_that_keeps_the_glossary(
    tenants, core, glossary, machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        request = request_fr_de(tenants, core)
    assert callbacks  # the machine tasks are queued only once the request is committed
    task = task_of(request, "fr")

    tasks.machine_translate.apply(args=[task.pk])

    task.refresh_from_db()
    assert task.status == TaskStatus.MACHINE_DRAFTED
    assert task.provider == "libretranslate"
    assert task.violations == {}
    draft = task.result
    assert draft.status == Status.DRAFT
    assert draft.language == "fr" and draft.translation_of == core
    assert draft.title == "[fr] découvrez le Acme Cloud plateforme"
    assert "Acme Cloud" in draft.body and "informations" in draft.body
    assert "données" not in draft.body
    assert draft.cta_url == core.cta_url  # URLs are not translated
    # France may now edit its draft; Germany may not even see it.
    assert Asset.objects.restrict(tenants.user("fr-marketer"), "change").filter(pk=draft.pk)
    assert not Asset.objects.restrict(tenants.user("de-admin"), "view").filter(pk=draft.pk)
    assert "fr-marketer" in recipients(Notification.Kind.TRANSLATION_READY, language="fr")
    assert "de-marketer" not in recipients(Notification.Kind.TRANSLATION_READY, language="fr")
    assert "global-marketer" in recipients(Notification.Kind.TRANSLATION_READY, language="fr")
    sent = machine.requests[-1]["body"]
    assert sent["source"] == "en" and sent["target"] == "fr" and sent["format"] == "html"


def test_running_the_task_again_changes_nothing(tenants, core, machine):
    task = task_of(request_fr_de(tenants, core), "fr")
    tasks.machine_translate.apply(args=[task.pk])
    tasks.machine_translate.apply(args=[task.pk])
    assert Asset.objects.filter(translation_of=core, language="fr").count() == 1
    assert len(machine.requests) == 1


def test_a_failing_engine_is_retried_then_left_to_people(tenants, core, machine):
    machine.mode = "error"
    task = task_of(request_fr_de(tenants, core), "fr")

    tasks.machine_translate.apply(args=[task.pk])

    task.refresh_from_db()
    assert len(machine.requests) == tasks.MACHINE_RETRIES + 1
    assert task.attempts == tasks.MACHINE_RETRIES + 1
    assert task.status == TaskStatus.OPEN and task.result is None
    assert "HTTP 500" in task.error
    # People take over.
    workflow.submit_translation(
        tenants.user("fr-marketer"), task, {"title": "Découvrez la plateforme Acme Cloud"}
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_REVIEW and task.provider == "libretranslate"


def test_a_permanent_engine_error_is_not_retried(tenants, core, machine, settings):
    settings.LIBRETRANSLATE_API_KEY = "wrong"
    task = task_of(request_fr_de(tenants, core), "fr")
    tasks.machine_translate.apply(args=[task.pk])
    task.refresh_from_db()
    assert len(machine.requests) == 1
    assert task.status == TaskStatus.OPEN and "Invalid API key" in task.error


def test_the_human_provider_translates_nothing(tenants, core, libretranslate):
    task = task_of(request_fr_de(tenants, core), "fr")
    tasks.machine_translate.apply(args=[task.pk])
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.result is None
    assert libretranslate.requests == []


# --- people's path --------------------------------------------------------------------


def test_a_translator_submits_and_glossary_breaches_are_refused_by_field(tenants, core, glossary):
    task = task_of(request_fr_de(tenants, core), "fr")
    translator = tenants.user("fr-marketer")

    with pytest.raises(ValidationError) as refused:
        workflow.submit_translation(translator, task, {"title": "Découvrez Acmé Nuage"})
    assert "must stay untranslated" in refused.value.message_dict["title"][0]
    assert not Asset.objects.filter(translation_of=core).exists()

    workflow.submit_translation(
        translator, task, {"title": "Découvrez Acmé Nuage"}, accept_violations=True
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_REVIEW
    assert list(task.violations) == ["title"]
    assert task.submitted_by == translator and task.provider == "human"
    assert task.result.status == Status.IN_REVIEW
    assert task.result.translation_of == core and task.result.owner_unit.code == "global"

    # A corrected submission edits the same draft.
    workflow.submit_translation(translator, task, {"title": "Découvrez Acme Cloud"})
    task.refresh_from_db()
    assert task.violations == {}
    assert Asset.objects.get(pk=task.result_id).title == "Découvrez Acme Cloud"
    assert Asset.objects.filter(translation_of=core).count() == 1


def test_a_sibling_cannot_submit_and_unknown_fields_are_named(tenants, core):
    task = task_of(request_fr_de(tenants, core), "fr")
    with pytest.raises(PermissionDenied):
        workflow.submit_translation(tenants.user("de-marketer"), task, {"title": "Hallo"})
    with pytest.raises(ValidationError) as refused:
        workflow.submit_translation(tenants.user("fr-marketer"), task, {"price": "9 €"})
    assert refused.value.message_dict == {"price": ["Not a translatable field."]}


def test_a_same_language_variant_is_an_adaptation_under_the_override_policy(tenants, core):
    request = workflow.request_variants(
        tenants.user("global-marketer"), core, [(tenants.unit("uk"), "en-GB")], DUE
    )
    task = request.tasks.get()
    author = tenants.user("uk-marketer")
    with pytest.raises(ValidationError) as refused:
        workflow.submit_translation(author, task, {"body": "<p>Colour.</p>"})
    assert "body" in refused.value.message_dict

    workflow.submit_translation(author, task, {"intro": "Hello Britain"})
    task.refresh_from_db()
    variant = task.result
    assert variant.parent == core and variant.owner_unit.code == "uk"
    assert variant.language == "en-GB" and variant.overridden_fields == ["intro"]


def test_a_task_completes_only_once_its_variant_is_published(tenants, core):
    request = request_fr_de(tenants, core)
    task = task_of(request, "fr")
    workflow.submit_translation(tenants.user("fr-marketer"), task, {"title": "Bonjour"})
    task.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        workflow.complete(tenants.user("fr-marketer"), task)
    assert "result" in refused.value.message_dict

    publish(task.result)
    workflow.complete(tenants.user("fr-marketer"), task)
    assert TranslationTask.objects.get(pk=task.pk).status == TaskStatus.DONE
    request.refresh_from_db()
    assert request.status == RequestStatus.OPEN  # Germany is still working

    workflow.cancel(tenants.user("global-marketer"), task_of(request, "de"))
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE


def test_the_governed_publication_of_the_variant_completes_its_task(tenants, core):
    request = request_fr_de(tenants, core)
    task = task_of(request, "fr")
    workflow.submit_translation(tenants.user("fr-marketer"), task, {"title": "Bonjour"})
    task.refresh_from_db()
    owner = task.result.owner_unit.code  # a translation is a core of the global family
    asked = publishing.publish_asset(tenants.user(f"{owner}-marketer"), task.result)
    assert asked.status == ApprovalRequest.Status.PENDING  # a marketer is R, not A
    assert TranslationTask.objects.get(pk=task.pk).status != TaskStatus.DONE

    approvals.decide(asked, tenants.user(f"{owner}-manager"), approve=True)
    done = TranslationTask.objects.get(pk=task.pk)
    assert done.status == TaskStatus.DONE and done.completed_by.username == f"{owner}-manager"
    assert done.completed_at is not None
    workflow.cancel(tenants.user("global-marketer"), task_of(request, "de"))
    request.refresh_from_db()
    assert request.status == RequestStatus.DONE


def test_only_the_requesting_side_cancels(tenants, core):
    request = request_fr_de(tenants, core)
    with pytest.raises(PermissionDenied):
        workflow.cancel(tenants.user("fr-admin"), task_of(request, "fr"))
    workflow.cancel_request(tenants.user("global-marketer"), request)
    request.refresh_from_db()
    assert request.status == RequestStatus.CANCELLED
    assert set(request.tasks.values_list("status", flat=True)) == {TaskStatus.CANCELLED}
    with pytest.raises(ValidationError):
        workflow.submit_translation(
            tenants.user("fr-marketer"), task_of(request, "fr"), {"title": "x"}
        )


# --- glossary -------------------------------------------------------------------------


def test_the_nearest_unit_wins_on_a_duplicate_term(tenants):
    GlossaryTerm.objects.create(
        owner_unit=tenants.unit("global"), term="Acme", do_not_translate=True
    )
    GlossaryTerm.objects.create(
        owner_unit=tenants.unit("emea"), term="acme", translations={"fr": "Acmé"}
    )
    GlossaryTerm.objects.create(owner_unit=tenants.unit("de"), term="Cloud", do_not_translate=True)

    fr_terms = {t.term: t for t in terms_for(tenants.unit("fr"))}
    assert set(fr_terms) == {"acme"} and fr_terms["acme"].mandated("fr") == "Acmé"
    us_terms = {t.term: t for t in terms_for(tenants.unit("us"))}
    assert set(us_terms) == {"Acme"} and us_terms["Acme"].do_not_translate


def test_a_term_is_visible_down_the_tree_but_never_sideways(tenants):
    term = GlossaryTerm.objects.create(
        owner_unit=tenants.unit("emea"), term="Gridline", do_not_translate=True
    )

    def sees(username):
        return (
            GlossaryTerm.objects.restrict(tenants.user(username), "view")
            .filter(pk=term.pk)
            .exists()
        )

    assert sees("fr-viewer") and sees("global-viewer") and sees("emea-viewer")
    assert not sees("us-admin") and not sees("globex-fr-admin")
    assert not GlossaryTerm.objects.restrict(tenants.user("fr-admin"), "change").filter(pk=term.pk)


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"term": "Acme"}, "do_not_translate"),
        ({"term": "Acme", "translations": {"not a tag": "x"}}, "translations"),
        ({"term": "Acme", "translations": {"fr": " "}}, "translations"),
        (
            {"term": "Acme", "do_not_translate": True, "source_language": "xx-yy-zz"},
            "source_language",
        ),
    ],
)
def test_invalid_terms_are_refused_by_field(tenants, values, field):
    term = GlossaryTerm(owner_unit=tenants.unit("global"), **values)
    with pytest.raises(ValidationError) as refused:
        term.full_clean()
    assert field in refused.value.message_dict


# --- generated drafts -------------------------------------------------------------------


def test_the_generator_makes_a_draft_variant_never_a_published_one(
    tenants, library, chat_llm, settings
):
    settings.CONTENT_DRAFT_GENERATOR = "chat-completions"
    settings.DRAFT_LLM_URL = chat_llm.url
    settings.DRAFT_LLM_MODEL = "local-7b"
    settings.DRAFT_LLM_API_KEY = LLM_KEY
    approvals_before = ApprovalRequest.objects.count()

    variant, proposal = workflow.generate_draft(
        tenants.user("de-marketer"), library.regional, tenants.unit("de"), "Be brief", "CFOs"
    )

    variant.refresh_from_db()
    assert variant.status == Status.DRAFT and variant.published_at is None
    assert variant.parent == library.regional and variant.owner_unit.code == "de"
    assert variant.title == "[en · CFOs] Grid resilience"
    assert proposal.generator == "chat-completions"
    assert ApprovalRequest.objects.count() == approvals_before  # nothing asked to publish
    sent = chat_llm.requests[-1]["body"]["messages"][-1]["content"]
    # Fields a local team may not override never reach the model.
    assert "Outages cost" not in sent and "legal_notice" not in sent
