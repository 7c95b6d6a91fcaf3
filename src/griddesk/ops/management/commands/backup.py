"""`griddesk backup FILE [--without-keys]`: the database and its keys in one file (docs/operations.md)."""

from django.core.management.base import BaseCommand, CommandError

from griddesk.ops.services import BackupError, backup_write

KEY_TABLES = (("orders_workorder", "orders"), ("audit_auditevent", "audit events"), ("customers_customer", "customers"))


class Command(BaseCommand):
    help = ("备份数据库和密钥到一个文件（服务运行时也可以）/ Back up the database and the keys to one file, "
            "safe while the server runs.")

    def add_arguments(self, parser):
        parser.add_argument("file", help="the backup to write (a tar; gzip-compressed if it ends in .gz or .tgz)")
        parser.add_argument("--without-keys", action="store_true",
                            help="leave the key files (var/keys/) out: the backup then holds no secret key, "
                                 "but restoring it needs the keys from elsewhere")

    def handle(self, *, file, without_keys, **options):
        try:
            result = backup_write(file, with_keys=not without_keys)
        except BackupError as error:
            raise CommandError(f"backup: {error}") from None
        for warning in result.warnings:
            self.stderr.write(f"warning: {warning}")
        counts = ", ".join(f"{result.rows.get(table, 0):,} {label}" for table, label in KEY_TABLES)
        self.stdout.write(f"backup: {result.path} ({result.engine}, {result.bytes / 1024 / 1024:,.1f} MiB, "
                          f"{result.seconds:.1f} s): {counts}, {len(result.rows)} tables")
        if result.keys:
            self.stdout.write(f"keys: {', '.join(result.keys)}: this file holds secret keys (mode 0600); "
                              f"keep it as safe as the keys themselves")
        else:
            self.stdout.write("keys: none in this backup; keep var/keys/ (or the key variables) safe apart from it")
