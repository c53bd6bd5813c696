from __future__ import annotations

from random import Random

from django.core.management.base import BaseCommand

from glocal import seeding
from glocal.demo import build_organizations


class Command(BaseCommand):
    help = "Create or refresh the demo organisations, users and data (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="random seed for demo data")
        parser.add_argument(
            "--password", default="demo-pass-2026", help="password given to every demo user"
        )

    def handle(self, *args, seed: int, password: str, **options):
        usernames = build_organizations(password)
        rng = Random(seed)  # noqa: S311 - demo data, not security
        ctx = seeding.SeedContext(rng=rng, password=password, log=self._log)
        for step in seeding.steps():
            step(ctx)
        self.stdout.write(self.style.SUCCESS(f"Demo ready: {len(usernames)} users."))
        self.stdout.write(f"Password for every user: {password}")
        self.stdout.write("Logins (user = <unit>-<role>; Globex users start with globex-):")
        for chunk in range(0, len(usernames), 6):
            self.stdout.write("  " + "  ".join(usernames[chunk : chunk + 6]))
        self.stdout.write("Superuser for the admin: ops")

    def _log(self, message: str) -> None:
        self.stdout.write(f"  seeded {message}")
