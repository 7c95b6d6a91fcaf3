"""What a trouble call's words say about the fault (报修描述研判), for the outage analysis.

A customer-internal fault (客户内部故障: the main switch or the leakage breaker at home tripped,
only this house is dark, the meter box) is not evidence that the network is out; words about the
neighbours, the street or the whole compound being dark are strong evidence that it is. A small,
documented keyword model over jieba's segmentation, not a trained classifier: a utility tunes it
by editing the word lists below (docs/outages.md, "The description"), and the tests and
bench/storm.py say what a change does.
"""

import logging
import re
import tempfile
from enum import StrEnum
from functools import cache
from pathlib import Path

import jieba


class CallSignal(StrEnum):
    INTERNAL = "internal"  # points to the customer's own installation: no evidence of an outage
    NETWORK = "network"  # points to the network: others are out too
    UNKNOWN = "unknown"  # says nothing either way (the usual "家里停电了")


# Phrases kept whole by the segmenter (jieba would split most of them).
PHRASES = [
    "总开关", "空气开关", "空开", "漏保", "漏电保护", "漏电开关", "跳闸", "电表箱", "表箱", "表后线",
    "插座", "保险丝", "家里线路", "室内线路", "只有我家", "就我家", "我家自己", "邻居", "隔壁",
    "整栋", "整个小区", "整片", "一片", "整条街", "整个村", "全村", "路灯", "都停电", "都没电",
    "都停了", "周边", "附近", "大面积", "变压器", "冒烟", "爆炸声", "电线杆", "断线", "线断了",
]
# Words pointing at the customer's own side (rule C-8: guide by phone, or a paid repair).
INTERNAL_WORDS = {
    "总开关", "空气开关", "空开", "漏保", "漏电保护", "漏电开关", "电表箱", "表箱", "表后线", "插座", "保险丝",
    "家里线路", "室内线路", "只有我家", "就我家", "我家自己",
}
# "跳闸" alone is the house's breaker unless the words also speak of others.
INTERNAL_ALONE = {"跳闸"}
# Words pointing at the network: other customers, public lighting, the transformer, a line down.
NETWORK_WORDS = {
    "邻居", "隔壁", "整栋", "整个小区", "整片", "一片", "整条街", "整个村", "全村", "路灯", "都停电", "都没电",
    "都停了", "周边", "附近", "大面积", "变压器", "冒烟", "爆炸声", "电线杆", "断线", "线断了",
}
# Negations that turn a network word around ("邻居没停", "邻居有电": only this house is dark).
NEGATED_NETWORK = ("邻居有电", "邻居家有电", "邻居没停", "邻居家没停", "邻居正常", "别人家有电", "隔壁有电")


KEYWORDS = re.compile("|".join(sorted(map(re.escape, set(PHRASES) | set(NEGATED_NETWORK)), key=len, reverse=True)))


logging.getLogger("jieba").setLevel(logging.WARNING)  # it announces every dictionary it loads


@cache
def _segmenter():
    """jieba over a dictionary of the phrases alone: the rest of a text falls into single characters,
    which is all the model needs (a word is ours or not), and it loads in milliseconds, not seconds."""
    folder = Path(tempfile.gettempdir()) / "griddesk-jieba"
    folder.mkdir(exist_ok=True)
    words = folder / f"trouble-{abs(hash(tuple(PHRASES)))}.txt"
    if not words.exists():
        words.write_text("".join(f"{phrase} 1000 n\n" for phrase in PHRASES), encoding="utf-8")
    tokenizer = jieba.Tokenizer(dictionary=str(words))
    tokenizer.tmp_dir = str(folder)
    return tokenizer


def words_of(text):
    return set(_segmenter().lcut(text or "", HMM=False))


@cache
def classify(text):
    """The signal in a call's description: INTERNAL, NETWORK or UNKNOWN."""
    text = (text or "").strip()
    if not text or not KEYWORDS.search(text):  # most calls: no word of the model at all
        return CallSignal.UNKNOWN
    if any(negated in text for negated in NEGATED_NETWORK):
        return CallSignal.INTERNAL
    words = words_of(text)
    network = bool(words & NETWORK_WORDS)
    internal = bool(words & INTERNAL_WORDS) or (bool(words & INTERNAL_ALONE) and not network)
    if network:
        return CallSignal.NETWORK  # others are dark too: whatever tripped at home, the network is out
    if internal:
        return CallSignal.INTERNAL
    return CallSignal.UNKNOWN
