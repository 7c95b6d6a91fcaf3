"""`griddesk seal check|reencrypt`: the encrypted sealed identities (rule K-7; docs/security.md)."""

from django.core.management.base import BaseCommand, CommandError

from griddesk.orders.services import sealed_identities_reencrypt


class Command(BaseCommand):
    help = "Sealed identities (rule K-7): check that every one opens; re-encrypt under the newest seal key."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="count identities that no key of GRIDDESK_SEAL_KEYS opens")
        sub.add_parser("reencrypt", help="re-encrypt every identity under the ring's first key (after a rotation)")

    def handle(self, *, action, **options):
        done, unreadable = sealed_identities_reencrypt(write=action == "reencrypt")
        verb = "re-encrypted" if action == "reencrypt" else "open with the current keys"
        self.stdout.write(f"seal {action}: {done} sealed identities {verb}; {unreadable} unreadable")
        if unreadable:
            raise CommandError(f"{unreadable} sealed identities open with no key of GRIDDESK_SEAL_KEYS: "
                               "restore the key file that sealed them (var/keys/seal) and run again")
