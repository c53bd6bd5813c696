"""The translation and local-variant workflow: request, machine draft, submit, complete.

Rules (the API, the admin and the Celery task only call these):

* ``request_variants`` — whoever may change an asset asks units of its subtree for
  variants, one task per (unit, language); the assigned units' marketers are told.
* A variant in **another language** is a translation of the core (``translate_asset``,
  owned by the core's unit, as the content model requires); it is shared with the
  assigned unit (a guardian object permission) so that unit can edit and submit it.
  Creating it uses the requester's right to translate the core, which the request
  delegates to the assigned unit. A variant in the **same language** (``fr`` → ``fr-CA``)
  is an adaptation owned by the assigned unit (``derive_asset``), subject to the
  override policies like any adaptation.
* With a machine provider configured, a Celery task drafts each translation (glossary
  enforced) as a draft; with the human provider (default) the unit translates.
* ``submit_translation`` stores a person's values, checks them against the glossary of
  the assigned unit (refused unless ``accept_violations=True``), and marks the draft in
  review. ``complete`` closes a task once its variant is **published** through the
  normal, RACI-governed publication; ``cancel`` is for the requesting side.
* Nothing here ever publishes: generated and machine drafts stay drafts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from content import drafting, glossary, publishing, services
from content.languages import is_valid_tag, normalise_tag, same_language
from content.models import (
    Asset,
    Status,
    TaskStatus,
    TranslationRequest,
    TranslationTask,
    terms_for,
)
from content.models.workflow import ACTIVE_TASK_STATUSES
from content.translation import (
    HumanTranslationRequired,
    TranslationError,
    get_provider,
    translate_fields,
)
from glocal.layering import check_override
from glocal.models import OrgUnit
from glocal.tenancy import ROLE_RANK, Role, scope_for
from governance import notify
from governance.models import Notification

log = logging.getLogger(__name__)

#: layered fields that hold text a person or an engine translates
TEXT_FIELDS = tuple(name for name in Asset.layered_fields if name not in ("cta_url", "case_study"))


# --- requesting -----------------------------------------------------------------------


def _ancestor_ids(unit: OrgUnit) -> list[int]:
    ids = []
    while unit is not None:
        ids.append(unit.pk)
        unit = unit.parent
    return ids


def _requesting_unit(user: Any, asset: Asset) -> OrgUnit:
    """The user's unit nearest to the asset's unit (where they may change it)."""
    member = scope_for(user, Role.MARKETER).member
    for unit_id in _ancestor_ids(asset.owner_unit):
        if unit_id in member:
            return OrgUnit.objects.get(pk=unit_id)
    return asset.owner_unit  # superusers act from the asset's own unit


def original_of(asset: Asset) -> Asset:
    """The core that translations of ``asset`` hang from."""
    return asset.translation_of or asset


def _target_errors(asset: Asset, unit: OrgUnit, language: str) -> str | None:
    values = {"unit": unit.name, "language": language}
    if not is_valid_tag(language):
        return _("“%(language)s” is not a language tag such as en, fr or fr-CA.") % values
    if unit.organization_id != asset.owner_unit.organization_id or not unit.is_active:
        return _("%(unit)s is not an active unit of this organisation.") % values
    if asset.owner_unit_id not in _ancestor_ids(unit):
        return _("%(unit)s is not %(owner)s or a unit below it.") % {
            **values,
            "owner": asset.owner_unit.name,
        }
    if same_language(asset.language, language):
        if unit.pk == asset.owner_unit_id:
            return (
                _(
                    "%(unit)s owns the source; a variant in the same language is for a unit "
                    "below it."
                )
                % values
            )
        return None
    if asset.parent_id is not None:
        return _(
            "“%(title)s” is an adaptation; request %(language)s from its core, an adaptation "
            "stays in its source's language."
        ) % {**values, "title": asset.title}
    original = original_of(asset)
    if same_language(original.language, language):
        return _("The original core is already in %(language)s.") % values
    existing = (
        Asset.objects.unrestricted()
        .filter(translation_of=original, language=language)
        .exclude(status=Status.RETIRED)
        .first()
    )
    if existing is not None:
        return _(
            "A %(language)s translation of this core exists (#%(id)s); request a variant of "
            "it instead."
        ) % {**values, "id": existing.pk}
    return None


def _share(asset: Asset, unit: OrgUnit, *, change: bool) -> None:
    """Let ``unit``'s members see (and its marketers and above change) one asset."""
    from guardian.shortcuts import assign_perm

    for role in Role.values:
        group = unit.group_for(role)
        assign_perm("content.view_asset", group, asset)
        if change and ROLE_RANK[role] >= ROLE_RANK[Role.MARKETER]:
            assign_perm("content.change_asset", group, asset)


def _due_text(due_at: datetime) -> str:
    return timezone.localtime(due_at).date().isoformat()


@transaction.atomic
def request_variants(
    user: Any,
    asset: Asset,
    targets: list[tuple[OrgUnit, str]],
    due_at: datetime,
    instructions: str = "",
) -> TranslationRequest:
    """Ask units of ``asset``'s subtree for variants: one task per (unit, language)."""
    if not Asset.objects.restrict(user, "change").filter(pk=asset.pk).exists():
        raise PermissionDenied(
            _("You may not request variants of “%(title)s” (%(unit)s).")
            % {"title": asset.title, "unit": asset.owner_unit.name}
        )
    asset = Asset.objects.select_related("owner_unit", "translation_of").get(pk=asset.pk)
    errors: dict[str, Any] = {}
    if asset.status == Status.RETIRED:
        errors["source"] = _("A retired asset cannot be translated or adapted.")
    if due_at is None or due_at <= timezone.now():
        errors["due_at"] = _("The due date must be in the future.")
    if not targets:
        errors["targets"] = [_("Name at least one unit and language.")]
    wanted: list[tuple[OrgUnit, str]] = []
    problems: list[str] = []
    for unit, language in targets:
        language = normalise_tag(language)
        problem = _target_errors(asset, unit, language)
        if problem is None and (unit.pk, language) in {(u.pk, lang) for u, lang in wanted}:
            problem = _("%(unit)s / %(language)s is listed twice.") % {
                "unit": unit.name,
                "language": language,
            }
        if problem is None and _active_duplicate(asset, unit, language):
            problem = _(
                "%(unit)s already has an open task for a %(language)s version of this asset."
            ) % {"unit": unit.name, "language": language}
        if problem:
            problems.append(problem)
        else:
            wanted.append((unit, language))
    if problems:
        errors["targets"] = problems
    if errors:
        raise ValidationError(errors)

    request = TranslationRequest.objects.create(
        owner_unit=_requesting_unit(user, asset),
        source=asset,
        requested_by=user,
        instructions=instructions,
        due_at=due_at,
    )
    tasks = [
        TranslationTask.objects.create(
            request=request, owner_unit=unit, language=language, due_at=due_at
        )
        for unit, language in wanted
    ]
    for unit in {unit.pk: unit for unit, _language in wanted}.values():
        if unit.pk != asset.owner_unit_id:
            _share(asset, unit, change=False)  # the unit needs the source to translate it
    for task in tasks:
        notify.notify_units(
            [task.owner_unit],
            Notification.Kind.TRANSLATION_ASSIGNED,
            min_role=Role.MARKETER,
            params={
                "requester": user.get_username(),
                "unit": task.owner_unit.name,
                "language": task.language,
                "title": asset.title,
                "due": _due_text(due_at),
            },
        )
    if get_provider().machine:
        machine = [t.pk for t in tasks if not same_language(asset.language, t.language)]
        transaction.on_commit(lambda: _enqueue_machine(machine))
    return request


def _active_duplicate(asset: Asset, unit: OrgUnit, language: str) -> bool:
    return (
        TranslationTask.objects.unrestricted()
        .filter(request__source=asset, owner_unit=unit, language=language)
        .filter(status__in=ACTIVE_TASK_STATUSES)
        .exists()
    )


def _enqueue_machine(task_ids: list[int]) -> None:
    from content.tasks import machine_translate

    for task_id in task_ids:
        try:
            machine_translate.delay(task_id)
        except Exception:  # broker down: the task stays open and people translate it
            log.warning("could not queue machine translation of task %s", task_id)


def refresh_request_status(request: TranslationRequest) -> TranslationRequest:
    """Derive the request's status from its tasks (stored, so lists can filter on it)."""
    statuses = list(request.tasks.values_list("status", flat=True))
    status = request.derived_status(statuses)
    if status != request.status:
        request.status = status
        request.save(update_fields=["status"])
    return request


# --- machine drafts ---------------------------------------------------------------------


def _source_texts(source: Asset) -> dict[str, str]:
    return {name: getattr(source, name) or "" for name in TEXT_FIELDS}


def _violations(
    source: Asset, values: Mapping[str, str], terms: list[glossary.GlossaryTerm], language: str
) -> dict[str, list[str]]:
    found = {}
    for name, value in values.items():
        messages = glossary.violations(
            getattr(source, name) or "",
            value,
            terms,
            language,
            source_language=source.language,
            fmt="html" if name in Asset.markup_fields else "text",
        )
        if messages:
            found[name] = messages
    return found


def _store_result(actor: Any, task: TranslationTask, values: dict[str, str]) -> Asset:
    """Create or update the task's draft variant with ``values`` through the core services."""
    source = task.request.source
    if task.result_id is not None:
        return services.edit_asset(actor, task.result, values)
    if same_language(source.language, task.language):
        overrides = {k: v for k, v in values.items() if v != getattr(source, k)}
        return services.derive_asset(
            actor, source, task.owner_unit, overrides, language=task.language
        )
    original = original_of(source)
    result = services.translate_asset(actor, original, task.language, values)
    if task.owner_unit_id != result.owner_unit_id:
        _share(result, task.owner_unit, change=True)
    return result


def _claim_open(task_id: int) -> TranslationTask | None:
    """The task if it still waits for a machine draft (idempotent on redelivery)."""
    task = (
        TranslationTask.objects.unrestricted()
        .select_related("request__source__owner_unit", "request__requested_by", "owner_unit")
        .filter(pk=task_id, status=TaskStatus.OPEN, result__isnull=True)
        .first()
    )
    return task


def machine_translate(task_id: int, *, last_attempt: bool = True) -> TranslationTask | None:
    """Draft one task's translation with the configured machine provider.

    The engine is called outside any transaction (it may be slow); the result is then
    stored only if the task is still open. A retryable failure is raised for the Celery
    task to retry unless ``last_attempt``; any other (or the last) failure is recorded
    on the task, which stays open for people.
    """
    task = _claim_open(task_id)
    provider = get_provider()
    if task is None or not provider.machine:
        return task
    source = task.request.source
    if same_language(source.language, task.language):
        return task  # a same-language variant is an adaptation: people write it
    terms = terms_for(task.owner_unit)
    try:
        values = translate_fields(
            _source_texts(source),
            source.language,
            task.language,
            terms,
            provider,
            html_fields=Asset.markup_fields,
        )
    except HumanTranslationRequired:
        return task
    except TranslationError as exc:
        _record_failure(task_id, provider.name, str(exc))
        if exc.retryable and not last_attempt:
            raise
        return TranslationTask.objects.unrestricted().get(pk=task_id)
    return _store_machine_draft(task_id, provider.name, values, terms)


def _record_failure(task_id: int, provider: str, error: str) -> None:
    with transaction.atomic():
        task = TranslationTask.objects.unrestricted().select_for_update().get(pk=task_id)
        task.attempts += 1
        task.provider = provider
        task.error = error[:2000]
        task.save(update_fields=["attempts", "provider", "error"])


@transaction.atomic
def _store_machine_draft(
    task_id: int, provider: str, values: dict[str, str], terms: list[glossary.GlossaryTerm]
) -> TranslationTask:
    task = (
        TranslationTask.objects.unrestricted()
        .select_for_update(of=("self",))
        .select_related("request__source", "request__requested_by", "owner_unit")
        .get(pk=task_id)
    )
    if task.status != TaskStatus.OPEN or task.result_id is not None:
        return task  # a person (or another worker) got there first
    requester = task.request.requested_by
    source = task.request.source
    translated = {name: value for name, value in values.items() if value}
    try:
        if requester is None:
            raise PermissionDenied(_("The requester no longer exists."))
        result = _store_result(requester, task, translated)
    except (ValidationError, PermissionDenied) as exc:
        task.attempts += 1
        task.provider = provider
        task.error = "; ".join(_messages(exc))[:2000]
        task.save(update_fields=["attempts", "provider", "error"])
        return task
    task.result = result
    task.provider = provider
    task.attempts += 1
    task.error = ""
    task.violations = _violations(source, translated, terms, task.language)
    task.status = TaskStatus.MACHINE_DRAFTED
    task.save(update_fields=["result", "provider", "attempts", "error", "violations", "status"])
    _announce_draft(task)
    return task


def _messages(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError):
        return [str(m) for m in exc.messages]
    return [str(exc)]


def _announce_draft(task: TranslationTask) -> None:
    """Tell the assigned unit (and the requester) that a draft waits for review."""
    params = {"language": task.language, "title": task.request.source.title}
    kind = Notification.Kind.TRANSLATION_READY
    notify.notify_units([task.owner_unit], kind, min_role=Role.MARKETER, params=params)
    requester = task.request.requested_by
    if requester is not None:
        notify.notify_user(requester, task.request.owner_unit, kind, params=params)


# --- people's work ----------------------------------------------------------------------


def _task_for(user: Any, task: TranslationTask, action: str = "change") -> TranslationTask:
    row = TranslationTask.objects.restrict(user, action).filter(pk=task.pk).values("pk").first()
    if row is None:
        raise PermissionDenied(_("You may not work on this translation task."))
    return (
        TranslationTask.objects.unrestricted()
        .select_for_update(of=("self",))
        .select_related("request__source__owner_unit", "owner_unit", "result")
        .get(pk=task.pk)
    )


def _check_active(task: TranslationTask) -> None:
    if not task.is_active:
        raise ValidationError(
            {
                "status": _("This task is %(status)s.")
                % {"status": task.get_status_display().lower()}
            }
        )


def _check_values(values: Any) -> dict[str, str]:
    if not isinstance(values, dict) or not values:
        raise ValidationError({"values": _("Provide at least one translated field.")})
    errors = {}
    for name, value in values.items():
        if name not in TEXT_FIELDS:
            errors[name] = _("Not a translatable field.")
        elif not isinstance(value, str):
            errors[name] = _("Expected text.")
    if errors:
        raise ValidationError(errors)
    return dict(values)


@transaction.atomic
def submit_translation(
    user: Any,
    task: TranslationTask,
    values: dict[str, str],
    *,
    accept_violations: bool = False,
) -> TranslationTask:
    """Store a person's translated (or adapted) fields on the task's draft variant.

    Glossary rules of the assigned unit are checked first: a value that drops a brand
    term or ignores a mandated translation is refused with a field error, unless the
    caller explicitly passes ``accept_violations=True`` (a translator overruling the
    glossary on purpose); the violations are then kept on the task for the reviewer.
    The draft goes to review and the task to ``in_review``; publication stays governed.
    """
    task = _task_for(user, task)
    _check_active(task)
    values = _check_values(values)
    source = task.request.source
    found = _violations(source, values, terms_for(task.owner_unit), task.language)
    if found and not accept_violations:
        raise ValidationError(found, code="glossary")
    actor = user
    creating_translation = task.result_id is None and not same_language(
        source.language, task.language
    )
    if (
        creating_translation
        and not Asset.objects.restrict(user, "change").filter(pk=original_of(source).pk).exists()
    ):
        # The request delegates the requester's right to add a translation of the core.
        actor = task.request.requested_by
        if actor is None:
            raise PermissionDenied(_("The requester no longer exists; ask for a new request."))
    result = _store_result(actor, task, values)
    if result.status == Status.DRAFT:
        publishing.submit_for_review(user, result)
    task.result = result
    task.violations = found
    task.status = TaskStatus.IN_REVIEW
    task.provider = task.provider or "human"
    task.submitted_by = user
    task.submitted_at = timezone.now()
    task.error = ""
    task.save()
    requester = task.request.requested_by
    if requester is not None and requester.pk != user.pk:
        notify.notify_user(
            requester,
            task.request.owner_unit,
            Notification.Kind.TRANSLATION_READY,
            params={"language": task.language, "title": source.title},
        )
    return task


@transaction.atomic
def complete(user: Any, task: TranslationTask) -> TranslationTask:
    """Close a task whose variant was published (through the normal publication flow,
    which closes its tasks by itself: this is for variants published some other way)."""
    task = _task_for(user, task)
    _check_active(task)
    if task.result is None or task.result.status != Status.PUBLISHED:
        raise ValidationError(
            {"result": _("Publish the variant first; a task is done when its variant is live.")}
        )
    task.status = TaskStatus.DONE
    task.completed_by = user
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "completed_by", "completed_at"])
    refresh_request_status(task.request)
    return task


def complete_published(asset: Asset, user: Any) -> int:
    """Close the active tasks whose variant ``asset`` just went live (publication is
    governed already, so ``user`` is who published it); how many closed."""
    tasks = list(
        TranslationTask.objects.unrestricted()
        .select_for_update(of=("self",))
        .select_related("request")
        .filter(result=asset, status__in=ACTIVE_TASK_STATUSES)
    )
    for task in tasks:
        task.status = TaskStatus.DONE
        task.completed_by = user
        task.completed_at = timezone.now()
        task.save(update_fields=["status", "completed_by", "completed_at"])
        refresh_request_status(task.request)
    return len(tasks)


def _may_cancel(user: Any, request: TranslationRequest) -> None:
    """Only the requesting side cancels; an assigned unit submits or asks its requester."""
    if not TranslationRequest.objects.restrict(user, "change").filter(pk=request.pk).exists():
        raise PermissionDenied(_("Only the requesting unit may cancel this request."))


@transaction.atomic
def cancel(user: Any, task: TranslationTask) -> TranslationTask:
    """Cancel one task; a draft it produced stays a draft (never published or deleted)."""
    task = _task_for(user, task, "view")
    _may_cancel(user, task.request)
    _check_active(task)
    task.status = TaskStatus.CANCELLED
    task.completed_by = user
    task.completed_at = timezone.now()
    task.save(update_fields=["status", "completed_by", "completed_at"])
    refresh_request_status(task.request)
    return task


@transaction.atomic
def cancel_request(user: Any, request: TranslationRequest) -> TranslationRequest:
    """Cancel every task of a request still in progress."""
    if not TranslationRequest.objects.restrict(user, "view").filter(pk=request.pk).exists():
        raise PermissionDenied(_("You may not see this request."))
    _may_cancel(user, request)
    request = TranslationRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != "open":
        raise ValidationError(
            {
                "status": _("This request is %(status)s.")
                % {"status": request.get_status_display().lower()}
            }
        )
    request.tasks.filter(status__in=ACTIVE_TASK_STATUSES).update(
        status=TaskStatus.CANCELLED, completed_by=user, completed_at=timezone.now()
    )
    return refresh_request_status(request)


# --- generated drafts ----------------------------------------------------------------


def generate_draft(
    user: Any,
    asset: Asset,
    unit: OrgUnit,
    instructions: str,
    audience: str,
    *,
    generator: drafting.DraftGenerator | None = None,
) -> tuple[Asset, drafting.DraftProposal]:
    """A DRAFT variant of ``asset`` for ``unit`` proposed by the draft generator.

    Only fields the unit may override are offered to the generator; the unit's
    glossary travels with the request and its violations with the proposal. The
    variant is a draft that enters the human review workflow; it is never published
    here. Raises ``drafting.DraftGenerationError`` when the generator fails.
    """
    if not Asset.objects.restrict(user, "view").filter(pk=asset.pk).exists():
        raise PermissionDenied(_("You may not see “%(title)s”.") % {"title": asset.title})
    probe = Asset(parent=asset, owner_unit=unit)
    fields = {
        name: getattr(asset, name)
        for name in TEXT_FIELDS
        if getattr(asset, name) and check_override(probe, name) is None
    }
    if not fields:
        raise ValidationError(
            {"unit": _("%(unit)s may not override any text of this asset.") % {"unit": unit.name}}
        )
    proposal = drafting.propose_draft(
        fields,
        instructions=instructions,
        language=asset.language,
        audience=audience,
        terms=terms_for(unit),
        source_language=asset.language,
        html_fields=Asset.markup_fields,
        generator=generator,
    )
    if not proposal.fields:
        raise ValidationError({"instructions": _("The generator proposed no change.")})
    variant = services.derive_asset(user, asset, unit, proposal.fields)
    return variant, proposal
