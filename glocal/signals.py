"""Derived-data sync only: Django groups mirror units and memberships."""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from glocal.models import Membership, OrgUnit


@receiver(post_save, sender=OrgUnit)
def _unit_groups(sender, instance: OrgUnit, created: bool, **kwargs) -> None:
    if created:
        instance.ensure_groups()


@receiver(post_save, sender=Membership)
def _membership_saved(sender, instance: Membership, **kwargs) -> None:
    instance.sync_groups()


@receiver(post_delete, sender=Membership)
def _membership_deleted(sender, instance: Membership, **kwargs) -> None:
    instance.user.groups.remove(*instance.unit.group_for_all())
