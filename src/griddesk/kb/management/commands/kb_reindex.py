"""`griddesk kb_reindex`: segment every knowledge-base article again and refill the search index,
after a change of the jieba user dictionary (GRIDDESK_KB_USER_DICT) or of kb.search.DOMAIN_WORDS
(docs/kb.md, "Tuning it for a utility")."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from griddesk.kb.search import articles_resegment


class Command(BaseCommand):
    help = "Re-segment every knowledge-base article and rebuild the search index (docs/kb.md)."

    def handle(self, *args, **options):
        count = articles_resegment()
        self.stdout.write(_("已重新分词并索引 %d 篇知识库文章。") % count)
