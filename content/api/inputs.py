"""Query and body parameters of the preview and resolve endpoints.

Every object named by id is looked up through ``restrict``: an id the caller may not see
answers exactly like an id that does not exist (400 on the field).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Account, Channel, Contact
from content.languages import is_valid_tag, normalise_tag
from content.models import Asset
from glocal.api.base import RestrictedPrimaryKeyRelatedField


def _contacts():
    # The account and its unit feed the account.* and unit.* tokens: load them at once.
    return Contact.objects.select_related("account__owner_unit")


class PreviewQuerySerializer(serializers.Serializer):
    contact = RestrictedPrimaryKeyRelatedField(
        queryset=_contacts(), action="view", help_text="A contact you may see"
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.EMAIL)
    when = serializers.DateTimeField(
        required=False, help_text="Resolve as of this moment (default: now)"
    )


class ResolveSerializer(serializers.Serializer):
    asset = RestrictedPrimaryKeyRelatedField(
        queryset=Asset.objects,
        action="view",
        required=False,
        help_text="Any node of the family you may see",
    )
    family = serializers.UUIDField(required=False, help_text="The family key instead of a node")
    contact = RestrictedPrimaryKeyRelatedField(queryset=_contacts(), action="view", required=False)
    account = RestrictedPrimaryKeyRelatedField(
        queryset=Account.objects.select_related("owner_unit"), action="view", required=False
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    language = serializers.CharField(
        required=False, help_text="Use this language instead of the contact's (e.g. fr-CA)"
    )
    when = serializers.DateTimeField(required=False, help_text="Default: now")

    def validate_language(self, value: str) -> str:
        if not is_valid_tag(value):
            raise serializers.ValidationError(
                _("“%(tag)s” is not a language tag such as en, fr or fr-CA.") % {"tag": value}
            )
        return normalise_tag(value)

    def validate_family(self, value):
        user = self.context["request"].user
        if not Asset.objects.restrict(user, "view").filter(family=value).exists():
            raise serializers.ValidationError(_("No content family you may see has this key."))
        return value

    def validate(self, attrs):
        if ("asset" in attrs) == ("family" in attrs):
            raise serializers.ValidationError(
                {"asset": _("Name the content: give either asset or family.")}
            )
        contact, account = attrs.get("contact"), attrs.get("account")
        if contact is None and account is None:
            raise serializers.ValidationError(
                {"contact": _("Name the recipient: give a contact, an account, or both.")}
            )
        if contact is not None and account is not None and contact.account_id != account.pk:
            raise serializers.ValidationError(
                {"account": _("This contact belongs to another account.")}
            )
        return attrs
