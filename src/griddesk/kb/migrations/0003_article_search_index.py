"""The articles' full-text index (kb.search), by database:

- SQLite: an FTS5 table `kb_article_fts` (rowid = article id; title, body: the jieba segmentation,
  words separated by spaces), filled by kb.services.article_save;
- PostgreSQL: a stored generated tsvector `search_vector` over the same texts ('simple'
  configuration; title weight A, body weight B) with a GIN index; the database keeps it current.
"""

from django.db import migrations

SQLITE_CREATE = ("CREATE VIRTUAL TABLE IF NOT EXISTS kb_article_fts USING fts5("
                 "title, body, tokenize = 'unicode61 remove_diacritics 2')")
SQLITE_DROP = "DROP TABLE IF EXISTS kb_article_fts"
PG_CREATE = [
    "ALTER TABLE kb_article ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(search_title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(search_body, '')), 'B')) STORED",
    "CREATE INDEX kb_article_search_gin ON kb_article USING GIN (search_vector)",
]
PG_DROP = ["DROP INDEX IF EXISTS kb_article_search_gin", "ALTER TABLE kb_article DROP COLUMN IF EXISTS search_vector"]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": [SQLITE_CREATE], "postgresql": PG_CREATE}.get(vendor, []):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": [SQLITE_DROP], "postgresql": PG_DROP}.get(vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("kb", "0002_articles"),
    ]

    operations = [
        migrations.RunPython(create, drop),
    ]
