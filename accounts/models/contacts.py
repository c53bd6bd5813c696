"""Contacts of accounts, where their personal data lives, and what they agreed to."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts import normalise
from accounts.models.accounts import BuyingRole
from glocal.models import ResidencyZone
from glocal.tenancy import TenantOwnedModel

EU = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
}  # fmt: skip
ZONE_BY_COUNTRY = {"GB": "UK", "US": "US", "CN": "CN", "JP": "JP", "BR": "BR"}


def residency_zone_for(country: str) -> str:
    """Where a person's data must reside, from their country (EEA → EU, China → CN ...)."""
    if country in EU:
        return ResidencyZone.EU
    return ZONE_BY_COUNTRY.get(country, ResidencyZone.GLOBAL)


class Contact(TenantOwnedModel):
    """A person at an account. ``owner_unit`` is always the account's unit."""

    owner_follows = "account"  # owned by its account's unit, wherever that moves

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.CASCADE, related_name="contacts"
    )
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True, db_index=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    buying_role = models.CharField(
        _("buying role"), max_length=20, choices=BuyingRole.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    residency_zone = models.CharField(
        _("residency zone"), max_length=8, choices=ResidencyZone.choices, editable=False,
        default=ResidencyZone.GLOBAL,
    )  # fmt: skip
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        permissions = [
            ("view_personal_data", "Can see personal data whatever its residency zone"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "email"],
                condition=~models.Q(email=""),
                name="contact_email_unique_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email or f"#{self.pk}"

    def clean_fields(self, exclude=None) -> None:
        if self.country:
            self.country = normalise.country_code(self.country) or self.country
        super().clean_fields(exclude)

    def clean(self) -> None:
        errors = {}
        if self.email:
            cleaned = normalise.email_address(self.email)
            if not cleaned:
                errors["email"] = _("Not an email address.")
            self.email = cleaned or self.email
        if self.phone:
            cleaned = normalise.phone_number(self.phone)
            if not cleaned:
                errors["phone"] = _("Not a phone number.")
            self.phone = cleaned or self.phone
        if self.country:
            code = normalise.country_code(self.country)
            if not code:
                errors["country"] = _("Unknown country: %(c)s") % {"c": self.country}
            self.country = code or self.country
        if (
            self.account_id
            and self.owner_unit_id
            and self.account.owner_unit_id != self.owner_unit_id
        ):
            errors["owner_unit"] = _("A contact belongs to its account's unit.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        if self.account_id and not self.owner_unit_id:
            self.owner_unit_id = self.account.owner_unit_id
        self.residency_zone = residency_zone_for(self.country)
        super().save(*args, **kwargs)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    LINKEDIN = "linkedin", _("LinkedIn")
    WECHAT = "wechat", _("WeChat")
    WHATSAPP = "whatsapp", _("WhatsApp Business")
    PHONE = "phone", _("Phone")
    EVENTS = "events", _("Events")
    WEBINARS = "webinars", _("Webinars")
    ADS = "ads", _("Ads")


class Consent(TenantOwnedModel):
    """The current consent of one contact for one channel and purpose (history: audit)."""

    owner_follows = "contact"  # owned by its contact's unit, wherever that moves

    class Status(models.TextChoices):
        GRANTED = "granted", _("Granted")
        DENIED = "denied", _("Denied")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        PENDING = "pending", _("Pending confirmation")

    class LawfulBasis(models.TextChoices):
        CONSENT = "consent", _("Consent")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        CONTRACT = "contract", _("Contract")
        SEPARATE_CONSENT = "separate_consent", _("Separate consent (PIPL)")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=40, default="marketing")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    lawful_basis = models.CharField(_("lawful basis"), max_length=20, choices=LawfulBasis.choices)
    source = models.CharField(_("source"), max_length=100, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"))
    evidence = models.TextField(_("evidence"), blank=True)
    double_opt_in_at = models.DateTimeField(_("double opt-in at"), null=True, blank=True)

    class Meta:
        ordering = ["contact_id", "channel", "purpose"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "channel", "purpose"], name="consent_one_per_channel_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} · {self.channel}/{self.purpose}: {self.status}"

    def save(self, *args, **kwargs) -> None:
        if self.contact_id and not self.owner_unit_id:
            self.owner_unit_id = self.contact.owner_unit_id
        super().save(*args, **kwargs)
