"""Create or complete the role groups: Contributor, Editor, Photo editor, Administrator."""

from django.core.management.base import BaseCommand

from articles.roles import ROLE_PERMISSIONS, sync_roles


class Command(BaseCommand):
    help = (
        "Create the newsroom's role groups and give them their permissions. Safe to run "
        "again: it only adds what is missing (use --reset to drop permissions a group "
        "has beyond its role). Run it after installing an app whose permissions the "
        "Administrator role should include."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Give each role group exactly its role's permissions.",
        )

    def handle(self, *args, **options) -> None:
        counts = sync_roles(reset=options["reset"])
        for role in ROLE_PERMISSIONS:
            self.stdout.write(f"{role:<15} {counts[role]:>3} permissions")
        self.stdout.write(self.style.SUCCESS("Roles are in step."))
