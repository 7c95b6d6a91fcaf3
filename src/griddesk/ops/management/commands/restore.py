"""`griddesk restore FILE [--without-keys] [--force]`: replace the database (and keys) with a backup."""

from django.core.management.base import BaseCommand, CommandError

from griddesk.ops.management.commands.backup import KEY_TABLES
from griddesk.ops.services import BackupError, backup_restore


class Command(BaseCommand):
    help = ("从备份恢复数据库和密钥（先停止服务）/ Replace the configured database and the key files with a "
            "backup. Stop the server first.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="a backup written by `griddesk backup`")
        parser.add_argument("--without-keys", action="store_true",
                            help="restore the database only and keep the current key files")
        parser.add_argument("--force", action="store_true",
                            help="restore even though other processes (a running server) use the database")

    def handle(self, *, file, without_keys, force, **options):
        try:
            result = backup_restore(file, with_keys=not without_keys, force=force)
        except BackupError as error:
            raise CommandError(f"restore: {error}") from None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        counts = ", ".join(f"{result.rows.get(table, 0):,} {label}" for table, label in KEY_TABLES)
        keys = ", ".join(result.keys) if result.keys else "none (current key files kept)"
        self.stdout.write(f"restore: {file} of {result.created_at} ({result.engine}, {result.seconds:.1f} s): "
                          f"{counts}, {len(result.rows)} tables, row counts as in the backup; keys: {keys}")
        self.stdout.write("next: `griddesk migrate` (if this version is newer), `griddesk audit verify`, "
                          "then start the server")
