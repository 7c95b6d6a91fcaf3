"""Personal data masked before the public sees a message or a reply (rule W-4; K-7's spirit)."""

import pytest

from griddesk.messageboard.masking import mask_personal, public_name


@pytest.mark.parametrize(("text", "shown"), [
    ("我的电话13812345678，请回电", "我的电话138****5678，请回电"),
    ("手机 138 1234 5678 或 +86 139-8765-4321", "手机 138****5678 或 139****4321"),
    ("座机0531-88886666", "座机0531****6666"),
    ("身份证370102199001011234", "身份证3****************4"),
    ("身份证号37010219900101123X。", "身份证号3****************X。"),
    ("老身份证370102900101123", "老身份证3*************3"),
    ("户号1000000001欠费", "户号********01欠费"),
    ("户号：0123456789012，电表号 123456", "户号：***********12，电表号 ****56"),
    ("我叫张伟，住幸福路", "我叫张*，住幸福路"),
    ("姓名：欧阳明锋", "姓名：欧**锋"),
    ("我是业主，停电三次了", "我是业主，停电三次了"),
    ("10千伏线路，2026年12月3日，95598", "10千伏线路，2026年12月3日，95598"),
])
def test_rule_W4_personal_data_is_masked(text, shown):
    assert mask_personal(text) == shown


def test_rule_W4_the_posters_own_name_is_masked_wherever_it_appears():
    assert mask_personal("李娜反映：李娜家停电", names=["李娜"]) == "李*反映：李*家停电"
    assert public_name("李娜") == "李*" and public_name("  ") == "" and public_name("") == ""


def test_rule_W4_nothing_of_a_phone_or_id_survives_in_digits():
    text = mask_personal("联系 13800000001，证件 110101198001010011，户号 1000000003")
    digits = "".join(ch for ch in text if ch.isdigit())
    assert "13800000001" not in digits and "1981" not in text and "1000000003" not in digits
