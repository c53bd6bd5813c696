from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from glocal import layering
from glocal.layering.models import LayeredModel


class Command(BaseCommand):
    help = "Rebuild materialised layered values (and stale marks) from the rules."

    def add_arguments(self, parser):
        parser.add_argument("models", nargs="*", help="app_label.Model (default: all layered)")

    def handle(self, *args, models: list[str], **options):
        layered = [m for m in apps.get_models() if issubclass(m, LayeredModel)]
        if models:
            try:
                layered = [apps.get_model(label) for label in models]
            except (LookupError, ValueError) as exc:
                raise CommandError(str(exc)) from None
            bad = [m._meta.label for m in layered if not issubclass(m, LayeredModel)]
            if bad:
                raise CommandError(f"Not layered: {', '.join(bad)}")
        for model in layered:
            count = layering.rebuild_all(model)
            self.stdout.write(f"{model._meta.label}: {count} nodes rewritten")
