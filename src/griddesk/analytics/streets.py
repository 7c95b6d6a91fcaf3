"""The street (街道) of a customer's address, for complaint analysis by place.

Customers keep one free-text address (用电地址, e.g. 临河县城关镇幸福路1号); the street is derived,
not stored: the address up to and including the first road, street, lane, avenue or village word
(路 街 巷 道 大道 弄 胡同 村 里), without the house number after it. An address without one gives
its first 12 characters. Documented in docs/analytics.md ("Streets").
"""

import re

_STREET = re.compile(r"^(.*?(?:大道|胡同|路|街|巷|道|弄|村|里))")
FALLBACK_LENGTH = 12


def street_of(address):
    address = (address or "").strip()
    if not address:
        return ""
    match = _STREET.match(address)
    return match.group(1) if match else address[:FALLBACK_LENGTH]
