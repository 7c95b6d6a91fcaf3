"""Statements built once, for the national-peak hot paths (order intake, token check).

The ORM compiles every query anew: about 0.75 ms of CPU for a one-row look-up by a unique
key and 1.5 ms with two joins and a scope filter, against 0.13 ms for the same statement
sent as text (bench/RESULTS.md, "Order create"). At hundreds of creates a second that is
the machine's whole budget, so the few statements of an order's acceptance are written
here by hand from the models' `_meta` (columns, converters, db preparation), their text is
built once, and on PostgreSQL they are sent with server-side binding so that each
connection prepares them (parse and plan once: about half of PostgreSQL's CPU per create).
Every other path stays on the ORM.

Rows come back as real model instances (`Model.from_db`), with the same Python values the
ORM would give (the backend's converters run: aware datetimes and booleans on SQLite,
JSON on both), and rows go in through each field's own `get_db_prep_save`. Statements go
through Django's cursor wrapper, so query counting and logging see them.
"""

from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection, models


def qn(name):
    return connection.ops.quote_name(name)


def statement(build):
    """Decorator: `build(*key)` returns SQL text; it runs once per key and database vendor."""
    cached = cache(lambda vendor, *key: build(*key))

    def text(*key):
        return cached(connection.vendor, *key)

    return text


@statement
def columns(model, alias):
    """`alias."col", …` for every concrete field of `model`, in `_meta` order (see `instance`)."""
    return ", ".join(f"{alias}.{qn(f.column)}" for f in model._meta.concrete_fields)


def marks(count):
    """`%s, %s, …`: `count` placeholders, for an IN list or a VALUES row."""
    return ", ".join(["%s"] * count)


def width(model):
    return len(model._meta.concrete_fields)


@cache
def _reader(model, vendor):
    """(attnames, [(index, column, converters)]) of `model`, for the fields that need converting."""
    converting = []
    for i, field in enumerate(model._meta.concrete_fields):
        column = field.get_col(model._meta.db_table)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converting.append((i, column, found))
    return [f.attname for f in model._meta.concrete_fields], converting


def instance(model, row, start=0):
    """The `model` instance made of `row[start:start + width(model)]`; None if its pk is NULL."""
    attnames, converters = _reader(model, connection.vendor)
    values = list(row[start:start + len(attnames)])
    if values[0] is None and model._meta.concrete_fields[0].primary_key:
        return None  # the outer join found nothing
    for i, column, found in converters:
        for converter in found:
            values[i] = converter(values[i], column, connection)
    return model.from_db(DEFAULT_DB_ALIAS, attnames, values)


def moment(value):
    """A datetime parameter as the backend stores it (SQLite: naive UTC text)."""
    return connection.ops.adapt_datetimefield_value(value)


def cursor():
    """A cursor of Django's wrapper; on PostgreSQL with server-side binding, so that the
    connection prepares statements it has run a few times (settings: prepare_threshold)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    # What connection.cursor() does, with psycopg's server-binding Cursor instead of Django's
    # client-binding one (a private hook of Django's, stable since 1.x; tests cover its counting).
    with connection.wrap_database_errors:
        return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def fetch(sql, params):
    with cursor() as handle:
        handle.execute(sql, params)
        return handle.fetchall()


def _default_fields(model):
    meta = model._meta
    return tuple(f.attname for f in meta.concrete_fields if f is not meta.auto_field)


@statement
def _insert(model, fields, rows, returning):
    meta = model._meta
    names = ", ".join(qn(meta.get_field(name).column) for name in fields)
    row = f"({marks(len(fields))})"
    sql = f"INSERT INTO {qn(meta.db_table)} ({names}) VALUES " + ", ".join([row] * rows)
    return sql + f" RETURNING {qn(meta.pk.column)}" if returning else sql


@statement
def _insert_unnest(model, fields, returning):
    """PostgreSQL: one statement for any number of rows, a column array per field (as Django's own
    bulk_create does since 5.2). Its text never changes with the batch size, so psycopg converts it
    once and the connection prepares it; a VALUES list of n rows is a new statement for every n, and
    psycopg re-parses any statement of more than 50 parameters on every execution (milliseconds for
    a batch of a few hundred rows)."""
    meta = model._meta
    names = ", ".join(qn(meta.get_field(name).column) for name in fields)
    arrays = ", ".join(f"%s::{meta.get_field(name).db_type(connection).split('(')[0]}[]" for name in fields)
    sql = f"INSERT INTO {qn(meta.db_table)} ({names}) SELECT * FROM unnest({arrays})"
    return sql + f" RETURNING {qn(meta.pk.column)}" if returning else sql


@cache
def _unnestable(model, fields, vendor):
    """Every field of a standard internal type (Django's condition for its UNNEST inserts)."""
    if vendor != "postgresql":
        return False
    for name in fields:
        field = model._meta.get_field(name)
        target = field.target_field if field.is_relation else field
        if target.get_internal_type() not in connection.data_types or hasattr(field, "get_placeholder_sql"):
            return False
    return True


# psycopg converts a statement's placeholders once and caches the result only for statements
# up to 4 KiB: longer ones are re-parsed on every execution, so big batches go in chunks.
_CACHED_STATEMENT_BYTES = 4096


@cache
def _rows_per_statement(model, fields, returning, vendor):
    one, two = (len(_insert(model, fields, n, returning).encode()) for n in (1, 2))
    return max(1, (_CACHED_STATEMENT_BYTES - one) // (two - one) + 1)


# Fields whose Python value the driver takes as it is: no per-value preparation needed.
_PLAIN = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.ForeignKey)


@cache
def _writers(model, fields, vendor):
    """[(attname, field or None)]: the field when its value needs pre_save / get_db_prep_save."""
    writers = []
    for name in fields:
        field = model._meta.get_field(name)
        plain = isinstance(field, _PLAIN) and not isinstance(field, models.JSONField) and not getattr(
            field, "prepares_values", False)  # e.g. sealing.SealedTextField encrypts in get_db_prep_save
        writers.append((field.attname, None if plain else field))
    return writers


def _prepared(obj, attname, field):
    # An auto_now(_add) time already set (the answer may show it) is kept, not taken again.
    value = getattr(obj, attname)
    return field.get_db_prep_save(field.pre_save(obj, True) if value is None else value, connection)


def insert(model, objects, fields=None):
    """INSERT `objects` of `model` in one statement; sets their primary keys from RETURNING.

    `fields`: the attnames to write (default: every concrete field but an auto primary key).
    Values of other than plain text, number, boolean and key fields go through the field's
    `get_db_prep_save` (datetimes on SQLite, JSON), and `pre_save` when unset (auto_now).
    """
    if not objects:
        return objects
    meta = model._meta
    fields = fields or _default_fields(model)
    writers = _writers(model, fields, connection.vendor)
    returning = meta.auto_field is not None and meta.auto_field.attname not in fields
    if len(objects) > 1 and _unnestable(model, fields, connection.vendor):
        chunk, unnest = len(objects), True
    else:
        chunk, unnest = _rows_per_statement(model, fields, returning, connection.vendor), False
    with cursor() as handle:
        for start in range(0, len(objects), chunk):
            part = objects[start:start + chunk]
            params = [getattr(obj, attname) if field is None else _prepared(obj, attname, field)
                      for obj in part for attname, field in writers]
            if unnest:
                width_ = len(writers)
                handle.execute(_insert_unnest(model, fields, returning),
                               [params[i::width_] for i in range(width_)])
            else:
                handle.execute(_insert(model, fields, len(part), returning), params)
            if returning:
                for obj, (pk,) in zip(part, handle.fetchall(), strict=True):
                    obj.pk = pk
    for obj in objects:
        obj._state.adding = False
        obj._state.db = DEFAULT_DB_ALIAS
    return objects
