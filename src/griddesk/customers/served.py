"""The customers served per transformer, zone and unit (供电户数), kept by database triggers.

`ServedCount` holds one row per (transformer, zone, org) group of customers with its count. The
triggers below keep it equal to `SELECT transformer_id, zone, org_id, COUNT(*) FROM customers
GROUP BY 1, 2, 3` in the transaction that writes the customers, whoever writes them:

- PostgreSQL: statement-level triggers with transition tables, so a bulk import of a million
  customers costs one grouped upsert per statement, not one per row; the groups are written in key
  order, so two statements writing the same groups lock them in the same order;
  a TRUNCATE of the customers empties the counts;
- SQLite: row-level triggers (cheap there: the engine is in the process).

Groups reaching zero are deleted. SQLite drops a table's triggers when Django rebuilds the table to
alter it; `served_ensure` (after every `migrate`) puts missing triggers back and recounts.
"""

from django.db import connections

TABLE = "customers_servedcount"
CUSTOMERS = "customers_customer"
GROUP = "transformer_id, zone, COALESCE(org_id, 0)"
SAME_GROUP = ("transformer_id = {row}.transformer_id AND zone = {row}.zone "
              "AND COALESCE(org_id, 0) = COALESCE({row}.org_id, 0)")

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION customers_served_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {TABLE};
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO {TABLE} AS s (transformer_id, zone, org_id, customers)
        SELECT transformer_id, zone, org_id, COUNT(*) FROM served_new GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT ({GROUP}) DO UPDATE SET customers = s.customers + EXCLUDED.customers;
        RETURN NULL;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO {TABLE} AS s (transformer_id, zone, org_id, customers)
        SELECT transformer_id, zone, org_id, -COUNT(*) FROM served_old GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT ({GROUP}) DO UPDATE SET customers = s.customers + EXCLUDED.customers;
        DELETE FROM {TABLE} WHERE customers <= 0
            AND transformer_id IN (SELECT transformer_id FROM served_old);
    ELSE
        INSERT INTO {TABLE} AS s (transformer_id, zone, org_id, customers)
        SELECT transformer_id, zone, org_id, SUM(n) FROM (
            SELECT transformer_id, zone, org_id, -1 AS n FROM served_old
            UNION ALL SELECT transformer_id, zone, org_id, 1 FROM served_new
        ) AS d GROUP BY 1, 2, 3 HAVING SUM(n) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT ({GROUP}) DO UPDATE SET customers = s.customers + EXCLUDED.customers;
        DELETE FROM {TABLE} WHERE customers <= 0
            AND transformer_id IN (SELECT transformer_id FROM served_old);
    END IF;
    RETURN NULL;
END $$
"""
POSTGRES_TRIGGERS = {
    "customers_served_ins": "AFTER INSERT ON {t} REFERENCING NEW TABLE AS served_new",
    "customers_served_del": "AFTER DELETE ON {t} REFERENCING OLD TABLE AS served_old",
    "customers_served_upd": "AFTER UPDATE ON {t} REFERENCING OLD TABLE AS served_old NEW TABLE AS served_new",
    "customers_served_trunc": "AFTER TRUNCATE ON {t}",
}

_ADD = (f"INSERT INTO {TABLE} (transformer_id, zone, org_id, customers) "
        f"VALUES (NEW.transformer_id, NEW.zone, NEW.org_id, 1) "
        f"ON CONFLICT ({GROUP}) DO UPDATE SET customers = customers + 1;")
_SUBTRACT = (f"UPDATE {TABLE} SET customers = customers - 1 WHERE {SAME_GROUP.format(row='OLD')}; "
             f"DELETE FROM {TABLE} WHERE {SAME_GROUP.format(row='OLD')} AND customers <= 0;")
SQLITE_TRIGGERS = {
    "customers_served_ins": f"AFTER INSERT ON {CUSTOMERS} BEGIN {_ADD} END",
    "customers_served_del": f"AFTER DELETE ON {CUSTOMERS} BEGIN {_SUBTRACT} END",
    "customers_served_upd": (
        f"AFTER UPDATE OF transformer_id, zone, org_id ON {CUSTOMERS} "
        "WHEN OLD.transformer_id IS NOT NEW.transformer_id OR OLD.zone IS NOT NEW.zone "
        f"OR OLD.org_id IS NOT NEW.org_id BEGIN {_SUBTRACT} {_ADD} END"
    ),
}
RECOUNT = [
    f"DELETE FROM {TABLE}",
    f"INSERT INTO {TABLE} (transformer_id, zone, org_id, customers) "
    f"SELECT transformer_id, zone, org_id, COUNT(*) FROM {CUSTOMERS} GROUP BY transformer_id, zone, org_id",
]


def served_triggers_install(connection):
    """(Re)create the triggers on the customers table."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
            for name, when in POSTGRES_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {CUSTOMERS}")
                cursor.execute(f"CREATE TRIGGER {name} {when.format(t=CUSTOMERS)} "
                               "FOR EACH STATEMENT EXECUTE FUNCTION customers_served_count()")
        else:
            for name, body in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(f"CREATE TRIGGER {name} {body}")


def served_triggers_drop(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in POSTGRES_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {CUSTOMERS}")
            cursor.execute("DROP FUNCTION IF EXISTS customers_served_count()")
        else:
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def served_recount(connection):
    """Count every group afresh from the customers (after the triggers were missing)."""
    with connection.cursor() as cursor:
        for statement in RECOUNT:
            cursor.execute(statement)


def served_triggers_present(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = list(POSTGRES_TRIGGERS)
            cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = ANY(%s) AND NOT tgisinternal", [names])
        else:
            names = list(SQLITE_TRIGGERS)
            cursor.execute(f"SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN "
                           f"({', '.join(['%s'] * len(names))})", names)
        return cursor.fetchone()[0] == len(names)


def served_ensure(using=None, **kwargs):
    """After `migrate`: if the triggers are gone (SQLite's table rebuilds drop them), put them back
    and recount. Returns True when it had to."""
    connection = connections[using or "default"]
    if TABLE not in connection.introspection.table_names():
        return False  # not migrated yet
    if served_triggers_present(connection):
        return False
    served_triggers_install(connection)
    served_recount(connection)
    return True
