"""Content assets: one layered node per core, adaptation, variant or personalisation."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from content import rights
from content.languages import normalise_tag, same_language, validate_language_tag
from content.sanitise import clean_markup
from glocal.layering.models import LayeredModel
from glocal.layering.policies import check_override
from glocal.models import Tier


class Kind(models.TextChoices):
    EMAIL = "email", _("Email")
    LANDING_PAGE = "landing_page", _("Landing page")
    ONE_PAGER = "one_pager", _("One-pager")
    CASE_STUDY = "case_study", _("Case study")
    DECK = "deck", _("Deck")
    SOCIAL_POST = "social_post", _("Social post")
    EVENT_INVITATION = "event_invitation", _("Event invitation")
    WEBINAR_INVITATION = "webinar_invitation", _("Webinar invitation")
    AD = "ad", _("Ad")
    #: a message pre-approved by the platform (WhatsApp Business outbound marketing)
    MESSAGE_TEMPLATE = "message_template", _("Approved message template")


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class FunnelStage(models.TextChoices):
    AWARENESS = "awareness", _("Awareness")
    CONSIDERATION = "consideration", _("Consideration")
    DECISION = "decision", _("Decision")
    RETENTION = "retention", _("Retention")


class Layer(models.TextChoices):
    CORE = "core", _("Global core")
    REGIONAL = "regional", _("Regional adaptation")
    LOCAL = "local", _("Local variant")
    ACCOUNT = "account", _("Per-account personalisation")


#: most specific first: the order the resolver prefers layers in
LAYER_SPECIFICITY = {Layer.ACCOUNT: 0, Layer.LOCAL: 1, Layer.REGIONAL: 2, Layer.CORE: 3}
LAYER_BY_TIER = {Tier.GLOBAL: Layer.CORE, Tier.REGION: Layer.REGIONAL, Tier.LOCAL: Layer.LOCAL}

_web_url = URLValidator(schemes=["http", "https"])


def _string_list(value: Any) -> None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValidationError(_("Expected a list of non-empty texts."))


class Asset(LayeredModel):
    """A content node: a global core, or an adaptation of one for a unit or an account.

    ``parent`` (from ``LayeredModel``) links an adaptation to its source in the same
    language; ``translation_of`` links a core in another language to the original core.
    Every node of that tree of trees shares ``family`` — the key the resolver uses to load
    all candidates in one query.

    ``case_study`` holds the id of a case-study asset rather than a foreign key: layered
    values must be JSON-able (the engine keeps the source value of each override), and an
    id is. ``clean()`` checks that it points at a case study the owning unit can use.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    language = models.CharField(
        _("language"), max_length=35, validators=[validate_language_tag], db_index=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    family = models.UUIDField(_("family"), default=uuid.uuid4, editable=False, db_index=True)
    translation_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="translations",
        verbose_name=_("translation of"),
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personalised for account"),
    )

    # Layered fields (the columns hold effective values; see LayeredModel).
    title = models.CharField(_("title"), max_length=200)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    body = models.TextField(_("body"), blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    cta_label = models.CharField(_("call-to-action label"), max_length=80, blank=True)
    cta_url = models.CharField(
        _("call-to-action URL"), max_length=500, blank=True, validators=[_web_url]
    )
    brand_claim = models.CharField(_("brand claim"), max_length=200, blank=True)
    legal_notice = models.TextField(_("legal notice"), blank=True)
    case_study = models.PositiveBigIntegerField(_("case study"), null=True, blank=True)
    personal_text = models.TextField(_("personal text"), blank=True)

    # Tags
    industries = models.JSONField(
        _("industries"), default=list, blank=True, validators=[_string_list]
    )
    personas = models.JSONField(_("personas"), default=list, blank=True, validators=[_string_list])
    funnel_stage = models.CharField(
        _("funnel stage"), max_length=15, choices=FunnelStage.choices, blank=True
    )
    file = models.FileField(_("file or image"), upload_to="content/%Y/%m/", blank=True)

    # Usage rights: this node's own restriction (empty = none of its own).
    territories = models.JSONField(
        _("allowed territories"),
        default=list,
        blank=True,
        help_text=_("ISO country codes; empty means wherever the source allows."),
    )
    channels = models.JSONField(
        _("allowed channels"),
        default=list,
        blank=True,
        help_text=_("Empty means every channel the source allows."),
    )
    valid_from = models.DateTimeField(_("usable from"), null=True, blank=True)
    expires_at = models.DateTimeField(_("rights expire at"), null=True, blank=True, db_index=True)
    #: the expiry the owners were last warned about (claims the alert exactly once)
    rights_alerted_for = models.DateTimeField(null=True, blank=True, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    published_lookup = {"status": Status.PUBLISHED}
    layered_fields = (
        "title",
        "summary",
        "body",
        "intro",
        "cta_label",
        "cta_url",
        "brand_claim",
        "legal_notice",
        "case_study",
        "personal_text",
    )
    default_override_tiers = {
        "brand_claim": "GLOBAL",
        "legal_notice": "GLOBAL",
        "body": "REGION",
        "summary": "REGION",
        "case_study": "REGION",
    }
    #: fields whose HTML is sanitised before storage
    markup_fields = ("body", "intro", "personal_text", "legal_notice", "summary")

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("content asset")
        verbose_name_plural = _("content assets")
        permissions = [("lock_asset", "Can lock fields of a content asset for descendants")]
        # The engine's cascade writes through the base manager; a tracked queryset there
        # reports those writes, so the version history sees them.
        base_manager_name = "objects"
        indexes = [models.Index(fields=["family", "status"])]

    def __str__(self) -> str:
        return f"{self.title} [{self.language}]"

    # --- what a node is ----------------------------------------------------------------

    @property
    def layer(self) -> str:
        """Core, regional adaptation, local variant or per-account personalisation."""
        if self.account_id:
            return Layer.ACCOUNT
        return LAYER_BY_TIER[self.owner_unit.tier]

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def case_study_asset(self) -> Asset | None:
        if self.case_study is None:
            return None
        return type(self)._default_manager.filter(pk=self.case_study).first()

    # --- invariants --------------------------------------------------------------------

    def clean_fields(self, exclude=None) -> None:
        self.language = normalise_tag(self.language)
        self.territories = [
            c.strip().upper() if isinstance(c, str) else c for c in self.territories or []
        ]
        self._sanitise()
        super().clean_fields(exclude)

    def clean(self) -> None:
        if self.parent_id is not None and self.account_id is not None:
            self._clean_account_parent()
        else:
            super().clean()
        errors: dict[str, Any] = {}
        errors.update(self._parent_errors())
        errors.update(self._account_errors())
        errors.update(self._translation_errors())
        errors.update(self._case_study_errors())
        errors.update(self._root_errors())
        own = rights.invalid_values(self)
        errors.update(own)
        if not own and self.parent_id is not None:
            errors.update(rights.widening(self, rights.chain_of(self.parent)))
        if errors:
            raise ValidationError(errors)

    def _clean_account_parent(self) -> None:
        """LayeredModel's parent rules, except that a per-account layer may sit below a
        node of its own unit (France personalises France's variant for one account)."""
        models.Model.clean(self)
        parent = self.parent
        if parent.pk is not None and parent.pk == self.pk:
            raise ValidationError({"parent": _("A node cannot adapt itself.")})
        if parent.owner_unit_id not in _unit_and_ancestors(self.owner_unit):
            raise ValidationError(
                {
                    "parent": _(
                        "A personalisation belongs to the source's unit (%(source)s) or a "
                        "unit below it; %(unit)s is not."
                    )
                    % {"source": parent.owner_unit.name, "unit": self.owner_unit.name}
                }
            )
        unknown = set(self.overridden_fields) - set(self.layered_fields)
        if unknown:
            raise ValidationError(
                {"overridden_fields": _("Not layered fields: %(f)s") % {"f": sorted(unknown)}}
            )

    def _parent_errors(self) -> dict[str, Any]:
        if self.parent_id is None:
            return {}
        parent = self.parent
        errors = {}
        if parent.account_id is not None:
            errors["parent"] = _(
                "A per-account personalisation is the last layer; adapt its source instead."
            )
        if parent.owner_unit.organization_id != self.owner_unit.organization_id:
            errors["parent"] = _("An adaptation stays within its organisation.")
        if self.kind and parent.kind != self.kind:
            errors["kind"] = _("An adaptation keeps its source's kind (%(kind)s).") % {
                "kind": parent.get_kind_display()
            }
        if self.language and not same_language(parent.language, self.language):
            errors["language"] = _(
                "An adaptation stays in its source's language (%(lang)s) or a regional "
                "variant of it; translate the core instead."
            ) % {"lang": parent.language}
        if self.translation_of_id is not None:
            errors["translation_of"] = _("Only a core (a node without source) is translated.")
        return errors

    def _root_errors(self) -> dict[str, Any]:
        """A core below GLOBAL may only fill fields its tier may decide: a local team's
        own asset cannot carry a brand claim of its own making."""
        if self.parent_id is not None or self.owner_unit.tier == Tier.GLOBAL:
            return {}
        return {
            name: message
            for name in self.layered_fields
            if getattr(self, name) not in (None, "") and (message := check_override(self, name))
        }

    def _account_errors(self) -> dict[str, Any]:
        if self.account_id is None:
            return {}
        if self.parent_id is None:
            return {"account": _("A per-account personalisation needs a source to adapt.")}
        account = self.account
        if account.owner_unit.organization_id != self.owner_unit.organization_id:
            return {"account": _("This account belongs to another organisation.")}
        if self.owner_unit_id not in _unit_and_ancestors(account.owner_unit):
            return {
                "account": _("%(account)s is an account of %(unit)s, outside %(owner)s's subtree.")
                % {
                    "account": account.name,
                    "unit": account.owner_unit.name,
                    "owner": self.owner_unit.name,
                }
            }
        return {}

    def _translation_errors(self) -> dict[str, Any]:
        original = self.translation_of
        if original is None:
            return {}
        if original.parent_id is not None or original.translation_of_id is not None:
            return {"translation_of": _("Translate the original core, not an adaptation.")}
        if original.owner_unit_id != self.owner_unit_id:
            return {
                "translation_of": _("A translation of a core belongs to its unit (%(unit)s).")
                % {"unit": original.owner_unit.name}
            }
        if self.language and original.language == self.language:
            return {"language": _("A translation needs another language than the original.")}
        return {}

    def _case_study_errors(self) -> dict[str, Any]:
        if self.case_study is None:
            return {}
        target = (
            type(self)
            ._default_manager.select_related("owner_unit")
            .filter(pk=self.case_study)
            .first()
        )
        if target is None or target.pk == self.pk:
            return {"case_study": _("Choose an existing case study.")}
        if target.kind != Kind.CASE_STUDY:
            return {"case_study": _("“%(title)s” is not a case study.") % {"title": target.title}}
        if target.owner_unit_id not in _unit_and_ancestors(self.owner_unit):
            return {
                "case_study": _(
                    "“%(title)s” belongs to %(unit)s, which %(owner)s cannot reference."
                )
                % {"title": target.title, "unit": target.owner_unit.name, "owner": self.owner_unit}
            }
        return {}

    # --- persistence -------------------------------------------------------------------

    def _sanitise(self) -> None:
        for name in self.markup_fields:
            setattr(self, name, clean_markup(getattr(self, name)))

    def save(self, *args, **kwargs) -> None:
        self._sanitise()
        self.language = normalise_tag(self.language)
        if self.parent_id is not None:
            self.family = self.parent.family
        elif self.translation_of_id is not None:
            self.family = self.translation_of.family
        if self.status == Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        elif self.status in (Status.DRAFT, Status.IN_REVIEW):
            self.published_at = None
        if self.status == Status.RETIRED and self.retired_at is None:
            self.retired_at = timezone.now()
        elif self.status != Status.RETIRED:
            self.retired_at = None
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "published_at", "retired_at", "updated_at"}
        super().save(*args, **kwargs)


def _unit_and_ancestors(unit) -> set[int]:
    ids = set()
    while unit is not None:
        ids.add(unit.pk)
        unit = unit.parent
    return ids
