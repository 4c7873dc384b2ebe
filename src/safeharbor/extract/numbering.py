"""Numbering plans outside the NANP: which digit strings are phone numbers, and in which country.

`phonenumbers` (Google's libphonenumber metadata) decides validity. Two additions:
- ranges regulators reserve for drama and fiction (the UK's 07700 900xxx, Australia's 0491 570 xxx
  and (0X) 5550 xxxx) count as valid, so synthetic test and demo data behave like real numbers
  (libphonenumber marks some of them invalid);
- a national form ("07700 900123", "03 5550 0123") is only turned into E.164 with a country the ad
  gives; without one, the countries where it would be valid are reported, not guessed.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

# National significant numbers of ranges reserved for fiction, by region.
_FICTION = {
    "GB": re.compile(r"7700900\d{3}|2079460\d{3}|1[1-9]14960\d{3}|11[3-8]4960\d{3}|1632960\d{3}"),
    "AU": re.compile(r"491570\d{3}|[2378]5550\d{4}|[2378]7010\d{4}"),
}
# Countries whose national forms ads abroad use most, tried when the ad names no country: a number
# valid in several of them is ambiguous and kept as such.
COMMON_REGIONS = ("GB", "AU", "IE", "NZ", "FR", "DE", "IT", "ES", "NL", "BE", "CH", "AT", "SE", "JP",
                  "IN", "PH", "TH", "ZA", "NG", "KE", "BR", "KR", "MY", "ID", "TR")  # fmt: skip
_NANP = frozenset(phonenumbers.region_codes_for_country_code(1))


def _valid(number: phonenumbers.PhoneNumber) -> bool:
    if phonenumbers.is_valid_number(number):
        return True
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    fiction = _FICTION.get(region)
    return fiction is not None and fiction.fullmatch(str(number.national_number)) is not None


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@lru_cache(maxsize=16384)
def international(digits: str) -> str | None:
    """E.164 for the digits written after a "+" (or "00"), when they form a valid number outside +1."""
    if not 8 <= len(digits) <= 15 or digits[0] in "01":
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return _e164(number) if number.country_code != 1 and _valid(number) else None


@lru_cache(maxsize=16384)
def in_region(digits: str, region: str) -> str | None:
    """E.164 for a national form (with or without its trunk prefix) valid in `region`, else None."""
    if region in _NANP or not 7 <= len(digits) <= 13:
        return None
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return None
    if region not in phonenumbers.region_codes_for_country_code(number.country_code or 0):
        return None
    return _e164(number) if _valid(number) else None


@lru_cache(maxsize=16384)
def regions_where_valid(digits: str) -> tuple[str, ...]:
    """The common countries in which a national form with a trunk 0 would be a valid number."""
    return tuple(r for r in COMMON_REGIONS if in_region(digits, r) is not None)


def region_of(e164: str) -> str | None:
    """The country (ISO code) an E.164 number belongs to, e.g. "+14165550123" -> "CA"."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number)  # None for a fiction range it marks invalid
    if region in (None, "ZZ"):
        region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return None if region in (None, "ZZ", "001") else region
