"""The knowledge base's first articles (rule C-2): policies and regulations (政策法规) and answers to the
questions 95598 hears most (new connections, paying bills, outages, voltage, readings, estimated bills,
complaints…), from the service code. Published, version 1, saved by no one (the migration)."""

import json
import re
from pathlib import Path

from django.db import migrations
from django.utils import timezone

# The articles, as data (code, category, rule, title, tags, body): kept out of the code so that the
# rule ids they mention for the public are not read as places that implement those rules
# (griddesk.rules.citations scans .py files).
ARTICLES_FILE = Path(__file__).resolve().parents[1] / "data" / "articles.json"


def seed(apps, schema_editor):
    from griddesk.kb.search import FTS_TABLE, segment

    Article = apps.get_model("kb", "Article")
    ArticleVersion = apps.get_model("kb", "ArticleVersion")
    now = timezone.now()
    connection = schema_editor.connection
    for row in json.loads(ARTICLES_FILE.read_text(encoding="utf-8")):
        code, category, rule, title, tags, body = (row[key] for key in ("code", "category", "rule", "title", "tags",
                                                                        "body"))
        if Article.objects.filter(code=code).exists():
            continue
        words = " ".join(tag for tag in re.split(r"[,，、;；\s]+", tags) if tag)
        article = Article.objects.create(
            code=code, category=category, rule=rule, title=title, tags=tags, body=body, published=True, version=1,
            search_title=segment(f"{title} {words}"), search_body=segment(body), updated_at=now)
        ArticleVersion.objects.create(article=article, number=1, title=title, category=category, tags=tags,
                                      body=body, published=True, edited_at=now)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article.pk])
                cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                               [article.pk, article.search_title, article.search_body])


class Migration(migrations.Migration):

    dependencies = [
        ("kb", "0003_article_search_index"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
