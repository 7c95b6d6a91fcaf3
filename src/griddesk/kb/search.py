"""Chinese full-text search over the knowledge-base articles (知识库检索), rule C-2: one function,
`articles_search`, used by the public /policies/ pages and by the console's panel beside the caller page.

Method (docs/kb.md):

- Segmentation. jieba, in search mode (`cut_for_search`: a long word also yields its shorter words,
  电能表 → 电能 / 电能表), over jieba's own dictionary plus `DOMAIN_WORDS` (and a utility's user
  dictionary, settings.GRIDDESK_KB_USER_DICT). An article's title with its tags and its body are
  segmented when it is saved (kb.services.article_save) into `search_title` and `search_body`:
  words separated by spaces, lower case, punctuation dropped.
- Index. SQLite: an FTS5 table `kb_article_fts` (rowid = the article's id, columns title and body,
  tokenizer unicode61, which splits on the spaces), kept in step by `index_sync` inside the saving
  transaction. PostgreSQL: a stored generated tsvector column `search_vector` over the same two
  texts with the 'simple' configuration, title weight A and body weight B, and a GIN index (kb
  migration 0003); the database keeps it in step.
- Query. The question is segmented the same way; question words (怎么, 多久, 吗…, `STOP_WORDS`) are
  dropped; each remaining word brings its synonyms (`SYNONYMS`); the words are OR-ed, so an article
  need not contain every word of a spoken question.
- Ranking. SQLite: bm25 with the title column weighted `TITLE_WEIGHT` times the body; PostgreSQL:
  ts_rank_cd with weights {D 0.1, C 0.2, B 1/TITLE_WEIGHT, A 1.0}, times (1 + the number of the
  question's words the article has), since ts_rank_cd, unlike bm25, does not favour rare words. Ties by id.

tests/kb/test_search.py holds the table of real questions and the article each must find first, on
both databases.
"""

import logging
import re
import tempfile
from functools import cache
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

logging.getLogger("jieba").setLevel(logging.WARNING)  # it announces every dictionary it loads

TITLE_WEIGHT = 5.0
QUERY_MAX = 100  # characters of a question that are read
TERMS_MAX = 24  # words of a question (with synonyms) that are searched

# Words of the trade that jieba's dictionary lacks or splits (a utility adds its own: docs/kb.md).
DOMAIN_WORDS = (
    "95598", "电能表", "智能电表", "抄表日", "抄表例日", "估抄", "峰谷电价", "分时电价", "阶梯电价", "居民阶梯电价",
    "欠费停电", "复电", "故障报修", "业扩", "增容", "减容", "过户", "更名", "销户", "分布式光伏", "光伏并网",
    "充电桩", "计划停电", "临时停电", "故障停电", "停电通知", "电压偏差", "低电压", "供电方案", "受电工程",
    "有偿服务", "违约用电", "窃电", "电费发票", "电费违约金", "网上国网", "供电营业厅", "停电赔偿", "家用电器",
    "校验", "功率因数", "力调电费", "一户一表",
)

# Question words and particles: they say the caller is asking, not what about.
STOP_WORDS = frozenset((
    "的", "了", "吗", "呢", "吧", "啊", "呀", "么", "是", "我", "我们", "我家",
    "家里", "你们", "您", "要", "会", "能", "可以", "可", "怎么", "怎样", "如何",
    "什么", "哪", "哪里", "哪儿", "哪天", "哪些", "为什么", "为何", "多少", "多久",
    "多长时间", "几天", "几", "请问", "一下", "有", "没有", "在", "和", "与", "及",
    "或", "还", "就", "都", "也", "对", "给", "被", "把", "这", "那", "这个",
    "那个", "个", "该", "应该", "需要", "想", "办", "去", "到", "后", "时",
))

# A word of the question → words an article may use instead (both directions are not implied).
SYNONYMS = {
    "电表": ("电能表",),
    "电能表": ("电表",),
    "交": ("缴纳", "缴费"),
    "交费": ("缴费", "缴纳"),
    "交电费": ("缴费",),
    "缴": ("缴费",),
    "付": ("缴费",),
    "装表": ("新装",),
    "多久": ("时限",),
    "几天": ("时限",),
    "时间": ("时限",),
    "赔": ("赔偿",),
    "赔钱": ("赔偿",),
    "补偿": ("赔偿",),
    "来电": ("恢复供电",),
    "没电": ("停电",),
    "断电": ("停电",),
    "灯": ("电压",),
    "暗": ("低电压", "电压"),
    "忽明忽暗": ("电压",),
    "投诉": ("举报",),
    "电话": ("95598",),
    "抄表": ("抄表日",),
    "估": ("估抄",),
    "估算": ("估抄",),
    "提前": ("通知",),
    "发票": ("电费发票",),
    "光伏": ("分布式光伏",),
    "太快": ("校验", "计量"),
    "不准": ("校验", "误差"),
    "材料": ("资料",),
    "资料": ("材料",),
    "过户": ("更名",),
    "更名": ("过户",),
}

WORD = re.compile(r"\w+")


@cache
def _tokenizer():
    """jieba's default dictionary with `DOMAIN_WORDS` and the utility's user dictionary, if any. Loaded
    once per process (a second or two; jieba caches its model under the temporary folder)."""
    import jieba

    tokenizer = jieba.Tokenizer()
    folder = Path(tempfile.gettempdir()) / "griddesk-jieba"
    folder.mkdir(exist_ok=True)
    tokenizer.tmp_dir = str(folder)
    for word in DOMAIN_WORDS:
        tokenizer.add_word(word, freq=20000)
    user_dict = getattr(settings, "GRIDDESK_KB_USER_DICT", "")
    if user_dict:
        tokenizer.load_userdict(user_dict)
    return tokenizer


def words(text):
    """The words of `text` in search mode, lower case, punctuation and spaces dropped, in order."""
    return [w.lower() for w in _tokenizer().cut_for_search(text or "") if WORD.fullmatch(w)]


def segment(text):
    """What the index stores for `text`: its words separated by spaces."""
    return " ".join(words(text))


def query_terms(query):
    """The words searched for a question: its words without question words, each followed by its
    synonyms, without repeats. A question word can still bring synonyms (多久 → 时限). A question of
    question words only keeps them (better than nothing)."""
    found = words((query or "")[:QUERY_MAX])
    meaningful = [w for w in found if w not in STOP_WORDS]
    terms = []
    for word in found:
        for term in ((word,) if word in meaningful or not meaningful else ()) + SYNONYMS.get(word, ()):
            if term not in terms and WORD.fullmatch(term):
                terms.append(term.lower())
    return terms[:TERMS_MAX]


# ---------------------------------------------------------------- the index

FTS_TABLE = "kb_article_fts"


def index_sync(article):
    """Put `article`'s segmented texts into the SQLite FTS5 table (call in the saving transaction).
    PostgreSQL needs nothing: its tsvector is a generated column."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [article.pk])
        cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, body) VALUES (%s, %s, %s)",
                       [article.pk, article.search_title, article.search_body])


def index_rebuild(using=None):
    """Refill the SQLite FTS5 table from every article's stored segmentation (after a restore or a
    bulk load that bypassed kb.services). Returns the number of articles indexed."""
    conn = connection if using is None else connections[using]
    if conn.vendor != "sqlite":
        return 0
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE}")
        cursor.execute(f"INSERT INTO {FTS_TABLE} (rowid, title, body)"
                       " SELECT id, search_title, search_body FROM kb_article")
        return cursor.rowcount


def articles_resegment():
    """Segment every article again (after a change of `DOMAIN_WORDS` or of the user dictionary) and
    refill the index. The texts do not change, so no version is made. Returns the number of articles."""
    from django.db import transaction

    from griddesk.kb.models import Article

    articles = list(Article.objects.only("pk", "title", "tags", "body"))
    for article in articles:
        article.search_title = segment(f"{article.title} {' '.join(article.tag_list())}")
        article.search_body = segment(article.body)
    with transaction.atomic():
        Article.objects.bulk_update(articles, ["search_title", "search_body"], batch_size=200)
        index_rebuild()
    return len(articles)


# ---------------------------------------------------------------- the search


def articles_search(query, *, category="", published_only=True, limit=10):
    """The articles that answer `query` (a question in Chinese, as a customer or agent would say it),
    best first, each with `rank` (higher is better) and `snippet` (the body's first sentence that has
    a searched word). `published_only=False` (the console) also finds drafts. Two queries."""
    from griddesk.kb.models import Article

    terms = query_terms(query)
    if not terms:
        return []
    if connection.vendor == "postgresql":
        ranked = _ranked_postgresql(terms, category, published_only, limit)
    else:
        ranked = _ranked_sqlite(terms, category, published_only, limit)
    if not ranked:
        return []
    articles = Article.objects.in_bulk([pk for pk, _rank in ranked])
    found = []
    for pk, rank in ranked:
        article = articles.get(pk)
        if article is None:
            continue
        article.rank = rank
        article.snippet = snippet(article.body, terms)
        found.append(article)
    return found


def _filters(category, published_only, column):
    sql, params = [], []
    if published_only:
        sql.append(f"{column('published')} = %s")
        params.append(True)
    if category:
        sql.append(f"{column('category')} = %s")
        params.append(category)
    return "".join(f" AND {clause}" for clause in sql), params


def _ranked_sqlite(terms, category, published_only, limit):
    match = " OR ".join(f'"{term}"' for term in terms)
    where, params = _filters(category, published_only, lambda name: f"a.{name}")
    sql = (f"SELECT a.id, -bm25({FTS_TABLE}, %s, 1.0) AS rank FROM {FTS_TABLE} f JOIN kb_article a ON a.id = f.rowid"
           f" WHERE {FTS_TABLE} MATCH %s{where} ORDER BY rank DESC, a.id LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [TITLE_WEIGHT, match, *params, limit])
        return [(pk, float(rank)) for pk, rank in cursor.fetchall()]


def _ranked_postgresql(terms, category, published_only, limit):
    tsquery = " | ".join(terms)  # the terms are \w+ only: nothing to quote
    weights = f"{{0.1, 0.2, {1.0 / TITLE_WEIGHT}, 1.0}}"
    # ts_rank_cd has no notion of a rare word: an article saying 停电 ten times would beat the one whose
    # title says 停电 and 怎么办. Multiplying by the number of the question's words it has (the classic
    # coordination factor) puts the article that answers more of the question first.
    coord = " + ".join(["(a.search_vector @@ to_tsquery('simple', %s))::int"] * len(terms))
    where, params = _filters(category, published_only, lambda name: f"a.{name}")
    sql = (f"SELECT a.id, ts_rank_cd(%s::float4[], a.search_vector, q) * (1 + {coord}) AS rank"
           " FROM kb_article a, to_tsquery('simple', %s) q"
           f" WHERE a.search_vector @@ q{where} ORDER BY rank DESC, a.id LIMIT %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, [weights, *terms, tsquery, *params, limit])
        return [(pk, float(rank)) for pk, rank in cursor.fetchall()]


SENTENCE = re.compile(r"[^。！？!?\n]+[。！？!?]?")
SNIPPET_MAX = 120


def snippet(body, terms):
    """The body's first sentence containing a searched word (else its first), at most SNIPPET_MAX characters."""
    sentences = [s.strip() for s in SENTENCE.findall(body or "") if s.strip()]
    if not sentences:
        return ""
    chosen = next((s for s in sentences if any(term in s.lower() for term in terms)), sentences[0])
    return chosen if len(chosen) <= SNIPPET_MAX else chosen[:SNIPPET_MAX] + "…"
