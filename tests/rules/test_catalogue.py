"""The rule catalogue (issue 9): docs/rulebook.md, `griddesk rules catalogue [--check]` and its scanner.

The first test is the one CI relies on: it fails when a rule cited in the code is not in
src/griddesk/rules/catalogue.py, when a catalogued rule names no test and gives no reason, or
when docs/rulebook.md is out of date (run `griddesk rules catalogue`).
"""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from griddesk.rules import citations
from griddesk.rules.catalogue import RULE_IDS, RULES, SECTIONS, Rule

ROOT = Path(__file__).resolve().parents[2]
KNOWN = frozenset({"C-4", "C-5", "K-2", "K-7", "K-8", "K-9", "P-1", "P-2", "P-3", "P-4", "R-2", "T-1", "T-2",
                   "T-3", "Q-3"})


def run_catalogue(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("rules", "catalogue", *args, stdout=out, stderr=err)
    except CommandError as error:
        return 1, out.getvalue(), err.getvalue() + str(error)
    return 0, out.getvalue(), err.getvalue()


def test_rule_catalogue_is_complete_and_docs_rulebook_is_current():
    code, out, err = run_catalogue("--check")
    assert code == 0, f"griddesk rules catalogue --check:\n{err}"
    assert "规则目录无误：" in out


# --- the hand-written catalogue -----------------------------------------------------------------

def test_catalogue_ids_are_unique_well_formed_and_in_known_sections():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids)) == len(RULE_IDS)
    assert all(re.fullmatch(r"[A-Z]-\d{1,2}", rule_id) for rule_id in ids)
    sections = [key for key, _title in SECTIONS]
    assert {rule.section for rule in RULES} == set(sections)
    assert all(rule.rule.strip() and rule.system.strip() for rule in RULES)


def test_catalogue_stands_on_its_own():
    for rule in RULES:
        for text in (rule.rule, rule.system, rule.untested):
            assert not re.search(r"rulebook\.md|shared/|seeds/|/work/", text), rule.id


# --- what counts as a citation in the source ----------------------------------------------------

def cited(text, known=KNOWN):
    return [(rule, line) for rule, line, catalogued in citations.ids_in_text(text, known) if catalogued]


def unknown(text, known=KNOWN):
    return [(rule, line) for rule, line, catalogued in citations.ids_in_text(text, known) if not catalogued]


@pytest.mark.parametrize(("text", "ids"), [
    ("# rule K-7: sealed", ["K-7"]),
    ("rules K-7, K-9", ["K-7", "K-9"]),
    ('_("请选择责任原因（规则 K-8）。")', ["K-8"]),
    ("规则K-7的封存", ["K-7"]),  # glued to Chinese: no \b there, still a citation
    ("(C-4、C-5)", ["C-4", "C-5"]),
    ('"T-1/lv", f"R-2/{zone}", ("R-2/",)', ["R-2", "T-1"]),  # rule-set keys and key prefixes
    ('<span class="muted small">K-2</span>', ["K-2"]),  # a UI hint
    ("the R-2 clock is breached", ["R-2"]),
    ("rules H-6, T-1..T-3", ["T-1", "T-3"]),  # H-6 is not in KNOWN here; a range cites its ends
    ("有偿服务报价（P-1..P-4）", ["P-1", "P-4"]),
    ("K-9\n\nrule T-3", ["K-9", "T-3"]),
])
def test_scanner_reads_these_as_citations(text, ids):
    assert sorted(rule for rule, _line in cited(text)) == ids


@pytest.mark.parametrize("text", [
    "2026-09-30T10:00:00+08:00",  # ISO dates
    "encoding UTF-8",
    "stored with its SHA-256",
    'Category(code="F-HV"), "C14-BIZ", "A1-ATT", "Q-ROOT"',  # category codes
    "K-100 K-7x XK-7 K-7_a",  # three digits, glued letters
    "test_rule_K7_sealed",  # a test name in the source is no citation of the source
])
def test_scanner_ignores_these(text):
    assert citations.ids_in_text(text, KNOWN) == []


def test_an_id_outside_the_catalogue_counts_only_where_it_plainly_cites_a_rule():
    assert unknown("rule X-9 says") == [("X-9", 1)]
    assert unknown("规则“Z-3”") == [("Z-3", 1)]
    assert unknown("(K-7, Z-4)") == [("Z-4", 1)]
    assert unknown("(rules T-1..Z-3)") == [("Z-3", 1)]
    assert unknown('key = "Z-5/urban"') == [("Z-5", 1)]
    assert unknown("line one\n# rules K-7 and Z-6") == [("Z-6", 2)]
    # not plainly a citation: a payment reference, a bare token
    assert unknown('reference="B-7"') == []
    assert unknown("the Z-3 thing") == []


def test_line_numbers_are_kept():
    assert cited("a\nb rule K-7\nc (T-3)") == [("K-7", 2), ("T-3", 3)]


# --- what counts as a test holding a rule --------------------------------------------------------

@pytest.mark.parametrize(("name", "ids"), [
    ("test_rule_K7_sealed_identity_hidden", ["K-7"]),
    ("test_rule_K7_K9_no_channel_shows_a_person", ["K-7", "K-9"]),
    ("test_rules_C8_P1_paid", ["C-8", "P-1"]),
    ("test_issue3_rule_T1_wait_customer_pauses", ["T-1"]),
    ("test_concurrent_creates_are_gapless_rule_K_8", ["K-8"]),
    ("test_rule_C12_share", ["C-12"]),
    ("test_rule_T3", ["T-3"]),
    ("test_rule_R3_storm_declaration_pauses_a_running_R2_clock", ["R-3"]),  # R2 only describes
    ("test_crew_list_shows_address_fault_and_R2_countdown", []),
    ("test_rulesets_are_listed", []),
    ("test_rule_set_version", []),
    ("test_rule_K7x_typo", []),
])
def test_test_names_cite_rules_after_the_word_rule(name, ids):
    assert citations.ids_in_test_name(name) == ids


def test_tests_are_found_as_pytest_names():
    source = '''
def test_rule_K7_a(): pass
async def test_rule_K9_b(): pass
def helper_rule_K7(): pass
class TestSealing:
    def test_rule_K7_c(self): pass
    def helper(self):
        def test_inner(): pass
'''
    assert list(citations.tests_defined_in(source)) == ["test_rule_K7_a", "test_rule_K9_b",
                                                        "TestSealing::test_rule_K7_c"]


# --- the whole scan, on a small tree ---------------------------------------------------------------

def write(root, relative, text):
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path):
    write(tmp_path, "src/griddesk/orders/services.py", "# rule K-7\n# rule K-8\n")
    write(tmp_path, "src/griddesk/console/templates/order.html", "<span>K-2</span> (rule Z-1)\n")
    write(tmp_path, "src/griddesk/orders/migrations/0004_auto.py",
          "# Generated by Django 6.1.3 on 2026-11-20\nhelp_text='规则 T-3'\n")
    write(tmp_path, "src/griddesk/audit/migrations/0003_append_only.py", '"""Triggers (rule K-8)."""\n')
    write(tmp_path, "src/griddesk/locale/en/LC_MESSAGES/django.po", 'msgid "规则 T-1"\n')
    write(tmp_path, "src/griddesk/rules/catalogue.py", 'Rule("T-2", ...)\n')
    write(tmp_path, "tests/orders/test_sealing.py",
          "def test_rule_K7_sealed(): pass\ndef test_rule_Z9_typo(): pass\ndef helper(): pass\n")
    write(tmp_path, "tests/orders/conftest.py", "def test_rule_T1_not_a_test_module(): pass\n")
    write(tmp_path, "docs/queues.md", "Storm mode (rule Z-2).\n")
    write(tmp_path, "docs/rulebook.md", "stale, and rule Z-7 here is not read\n")
    write(tmp_path, "README.md", "Cites rule K-7.\n")
    return tmp_path


def test_scan_of_a_tree(tree):
    found = citations.scan(tree, KNOWN)
    assert dict(found.sources) == {
        "K-7": {"orders/services.py"},
        "K-8": {"orders/services.py", "audit/migrations/0003_append_only.py"},  # hand-written migration
        "K-2": {"console/templates/order.html"},
    }  # not: the generated migration, translations, the catalogue itself
    assert dict(found.tests) == {"K-7": {"tests/orders/test_sealing.py::test_rule_K7_sealed"}}
    assert {rule: sorted(map(str, places)) for rule, places in found.unknown.items()} == {
        "Z-1": ["src/griddesk/console/templates/order.html:1"],
        "Z-2": ["docs/queues.md:1"],
        "Z-9": ["tests/orders/test_sealing.py::test_rule_Z9_typo"],
    }


def test_check_on_a_stale_tree_names_every_problem_and_exits_1(tree):
    code, _out, err = run_catalogue("--check", "--root", str(tree))
    assert code == 1
    assert "Z-1 被引用但不在规则目录中：src/griddesk/console/templates/order.html:1" in err
    assert "Z-9 被引用但不在规则目录中：tests/orders/test_sealing.py::test_rule_Z9_typo" in err
    assert "Z-2 被引用但不在规则目录中：docs/queues.md:1" in err
    assert "C-1 没有以其编号命名的测试（test_rule_C1_…），也没有说明为何不测（untested）。" in err
    assert "docs/rulebook.md 已过期：请运行 griddesk rules catalogue（line 1: '# Rule catalogue (规则目录)'）" in err
    assert (tree / "docs/rulebook.md").read_text() == "stale, and rule Z-7 here is not read\n"  # --check writes nothing


def test_writing_the_page_makes_it_current(tree):
    (tree / "docs/rulebook.md").unlink()
    code, _out, err = run_catalogue("--check", "--root", str(tree))
    assert "docs/rulebook.md 不存在：请运行 griddesk rules catalogue。" in err
    code, out, err = run_catalogue("--root", str(tree))
    assert code == 1  # written, but the tree still cites Z-1 and misses tests
    assert out.startswith("已写入 docs/rulebook.md：69 条规则，1 条有测试")
    page = (tree / "docs/rulebook.md").read_text()
    assert "| K-7 |" in page and "`tests/orders/test_sealing.py::test_rule_K7_sealed`" in page
    assert "过期" not in err and "不存在" not in err


def test_not_a_checkout_is_a_clear_error(tmp_path):
    code, _out, err = run_catalogue("--check", "--root", str(tmp_path))
    assert code == 1 and "不是 GridDesk 源码目录" in err


def test_problems_in_the_catalogue_itself():
    found = citations.Scan()
    found.tests["K-7"].add("tests/x.py::test_rule_K7_a")
    rules = (
        Rule("K-7", "complaints", "Keep identities confidential.", "Sealed.", untested="not yet"),
        Rule("K-7", "complaints", "Again.", "Twice."),
        Rule("Q-9", "nowhere", "A rule.", "", untested="never"),
    )
    issues = citations.problems(rules, SECTIONS, found, "page", "page")
    assert issues == [
        "规则目录中 K-7 出现了不止一次。",
        "Q-9 的章节“nowhere”不存在。",
        "Q-9 缺少规则内容或系统做法。",
        "K-7 已有测试，请删去规则目录中的 untested 说明。",
    ]


def test_the_page_has_a_table_per_section_and_a_row_per_rule():
    page = (ROOT / "docs/rulebook.md").read_text(encoding="utf-8")
    for _key, title in SECTIONS:
        assert f"\n## {title}\n" in page
    rows = re.findall(r"^\| ([A-Z]-\d{1,2}) \|", page, flags=re.M)
    assert rows == [rule.id for rule in sorted(RULES, key=lambda r: [k for k, _t in SECTIONS].index(r.section))]
    assert page.count("| id | rule | what GridDesk does | implemented in (`src/griddesk/`) | tests |") == len(SECTIONS)


# --- the repository stands on its own --------------------------------------------------------------

OUTSIDE = re.compile(r"(?<![\w.])/(?:work|home|Users|root|tmp|mnt)/|shared/(?:domain|seeds)|\bseeds/")
PARENT_PATH = re.compile(r"(?:\.\./)+[\w./-]*")


@pytest.mark.parametrize("doc", [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))],
                         ids=lambda path: path.name)
def test_docs_point_to_nothing_outside_the_repository(doc):
    text = doc.read_text(encoding="utf-8")
    assert not [m.group() for m in OUTSIDE.finditer(text)], f"{doc.name} names a path outside the repository"
    for match in PARENT_PATH.finditer(text):
        target = (doc.parent / match.group()).resolve()
        assert target.is_relative_to(ROOT), f"{doc.name}: {match.group()} leaves the repository"
