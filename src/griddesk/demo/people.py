"""Pure generators of people's names, phone numbers and account numbers (no database).

Every function takes the caller's `random.Random`, so a seed gives the same
names and numbers on every machine and Python run.
"""

from bisect import bisect
from itertools import accumulate

from griddesk.demo import names


def below(rng, n):
    """A random integer 0 <= k < n; 20 times cheaper than rng.randrange, which matters a million times."""
    return int(rng.random() * n)


def pick(rng, seq):
    """A random element of `seq` (the fast cousin of rng.choice)."""
    return seq[int(rng.random() * len(seq))]


def between(rng, low, high):
    """A random integer low <= k <= high (the fast cousin of rng.randint)."""
    return low + int(rng.random() * (high - low + 1))


_SURNAMES = [s for s, _w in names.SURNAMES]
_SURNAME_CUM = list(accumulate(w for _s, w in names.SURNAMES))
_MALE = names.GIVEN_MALE + names.GIVEN_SHARED
_FEMALE = names.GIVEN_FEMALE + names.GIVEN_SHARED

# Mobile number prefixes of the three carriers (号段), as a caller's phone shows them.
MOBILE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "145", "147", "150", "151",
    "152", "153", "155", "156", "157", "158", "159", "166", "170", "173", "175", "176", "177", "178",
    "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195", "198", "199",
]


def surname(rng):
    """A surname, frequency-weighted (王 李 张 刘 陈 … most often)."""
    return _SURNAMES[bisect(_SURNAME_CUM, rng.random() * _SURNAME_CUM[-1])]


def person_name(rng):
    """A full Chinese name: surname plus a one- or two-character given name (about 1 in 4 single)."""
    pool = _MALE if rng.random() < 0.5 else _FEMALE
    given = pick(rng, pool)
    if rng.random() < 0.75:
        given += pick(rng, pool)
    return surname(rng) + given


def mobile(rng):
    """An 11-digit mobile number, 1[3-9]x…"""
    return pick(rng, MOBILE_PREFIXES) + f"{below(rng, 10**8):08d}"


def landline(rng, area_code):
    """A fixed-line number with its area code, e.g. 0536-8123456 (7 or 8 digits after the code)."""
    digits = 8 if area_code.startswith(("02", "01")) else 7
    first = pick(rng, "2345678")
    return f"{area_code}-{first}{below(rng, 10 ** (digits - 1)):0{digits - 1}d}"


# Account numbers (户号): 10 digits, "3" + city digit + 8 digits. The 8 digits are an affine
# permutation of the customer's running index, so they look scattered yet never repeat.
ACCOUNT_SPACE = 10**8
_ACCOUNT_MULTIPLIER = 48_271_237  # odd and not a multiple of 5: coprime to 10**8, hence a bijection


def account_no(index, city_digit, offset):
    """The account number of the `index`-th demo customer (unique for index < 10**8)."""
    if not 0 <= index < ACCOUNT_SPACE:
        raise ValueError(f"customer index {index} outside 0..{ACCOUNT_SPACE - 1}")
    scrambled = (index * _ACCOUNT_MULTIPLIER + offset) % ACCOUNT_SPACE
    return f"3{city_digit}{scrambled:08d}"
