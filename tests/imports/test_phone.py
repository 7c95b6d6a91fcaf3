"""The phone rule of the customer import (`normalise_phone`), shared with the phone look-up."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from griddesk.customers.importers import normalise_phone, phone_variants


@pytest.mark.parametrize(("raw", "stored"), [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+8613812345678", "13812345678"),
    ("0086-13812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("１３８１２３４５６７８", "13812345678"),  # full-width digits
    ("19912345678", "19912345678"),
    ("0531-88886666", "053188886666"),
    ("053188886666", "053188886666"),
    ("(0531) 88886666", "053188886666"),
    ("（0531）8888 6666", "053188886666"),
    ("010-68886666", "01068886666"),
    ("0531-8888666", "05318888666"),
    ("0531－88886666", "053188886666"),  # full-width dash
    ("0531-88886666-801", "053188886666-801"),
    ("0531-88886666转801", "053188886666-801"),
    ("0531 88886666 ext 801", "053188886666-801"),
    ("0531-88886666#801", "053188886666-801"),
    ("053188886666-801", "053188886666-801"),
])
def test_valid_numbers_are_stored_normalised(raw, stored):
    assert normalise_phone(raw) == stored


@pytest.mark.parametrize("raw", [
    "", "12345", "12812345678", "1381234567", "138123456789", "0531-1888666", "531-88886666",
    "abc", "13812345678-801", "+1 202 555 0100", "0531-88886666-1234567", "0000000000",
    "0531-888866", "138１２３４５６７８x", "+86 0531 88886666", "١٣٨١٢٣٤٥٦٧٨",
])
def test_invalid_numbers_are_refused(raw):
    assert normalise_phone(raw) is None


separators = st.sampled_from(["", " ", "-"])


@given(digits=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), prefix=st.sampled_from(["", "+86 ", "0086"]),
       sep1=separators, sep2=separators)
def test_any_written_form_of_a_mobile_gives_its_11_digits(digits, prefix, sep1, sep2):
    written = f"{prefix}{digits[:3]}{sep1}{digits[3:7]}{sep2}{digits[7:]}"
    assert normalise_phone(written) == digits
    assert normalise_phone(normalise_phone(written)) == digits


@given(area=st.from_regex(r"0[0-9]{2,3}", fullmatch=True),
       local=st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True),
       sep=separators, extension=st.one_of(st.none(), st.from_regex(r"[0-9]{1,6}", fullmatch=True)),
       ext_mark=st.sampled_from(["-", "转", " ext ", "#"]))
def test_any_written_form_of_a_landline_gives_area_code_number_and_extension(
    area, local, sep, extension, ext_mark,
):
    written = f"{area}{sep}{local}" + (f"{ext_mark}{extension}" if extension else "")
    stored = area + local + (f"-{extension}" if extension else "")
    assert normalise_phone(written) == stored
    assert normalise_phone(stored) == stored
    assert f"{area}-{local}" + (f"-{extension}" if extension else "") in phone_variants(stored)


def test_variants_of_a_mobile_are_only_itself():
    assert phone_variants("13812345678") == ["13812345678"]


def test_variants_of_a_landline_cover_each_possible_area_code():
    assert phone_variants("01068886666") == ["01068886666", "010-68886666", "0106-8886666"]
    assert phone_variants("053188886666-801") == ["053188886666-801", "0531-88886666-801"]
