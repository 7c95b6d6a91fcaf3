"""PostgreSQL: keep the address trigram index's pending list short (caller look-up, customers/lookup.py).

GIN's fast update queues new entries in a pending list, up to `gin_pending_list_limit` (4 MB by
default), merged into the index only when it is full or by (auto)vacuum, and every search reads
the whole list: after a bulk load (`griddesk demo`, customer import) about 350 pages, 3 - 6 ms
of every address look-up at a million customers (bench/RESULTS.md, "Caller look-up"). 256 kB
bounds that to about 0.4 ms; a bulk load of the index costs about 1.5 times what it did (50,000
customers: 2.8 -> 4.1 s of index upkeep). The list left by earlier loads is merged now.
SQLite (FTS5) has nothing of the kind.
"""

from django.db import migrations

INDEX = "customer_address_trgm"
PENDING_LIST_KB = 256

FORWARD = [
    f"ALTER INDEX IF EXISTS {INDEX} SET (gin_pending_list_limit = {PENDING_LIST_KB})",
    f"SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = '{INDEX}' AND c.relkind = 'i'",
]
BACKWARD = [f"ALTER INDEX IF EXISTS {INDEX} RESET (gin_pending_list_limit)"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_address_search_index")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
