"""Where an ad places the person: a US city from the location field, the title/body, or the phone's area code.

Resolution order, strongest first:
1. the ad's free-text `location` field ("Dallas, TX", "TX - Dallas", "Dallas/Fort Worth", "DFW", "NYC");
2. place names in the title, then the body ("visiting Austin", "in town Houston", "Dallas incall");
   names that are also working names (Austin, Madison, Charlotte...) count only with a place cue, and
   places the ad is *leaving for* ("next stop Dallas", "heading to Houston") count against;
3. the area code of the first phone found (weakest: phones travel with people).
Ambiguous names (Springfield, Portland, Columbus) go to a stated state, else the area-code state,
else the most populous. Place names are found by token lookups in dicts, never by scanning all cities.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from safeharbor.extract import countries, numbering
from safeharbor.extract import gazetteer as gz
from safeharbor.extract.gazetteer import City
from safeharbor.types import Span

EXTRACTOR = "places"
VERSION = "2"


def _word_set(words: str, sep: str | None = None) -> frozenset[str]:
    """A set of words or phrases written as one string (kept readable, one line per group)."""
    return frozenset(w.strip() for w in words.split(sep) if w.strip())


MAX_NGRAM = 4
# (field the span points into, span, {"city", "state", "lat", "lon", "method"})
Placed = tuple[str, Span, dict[str, Any]]
TEXT_MIN_POPULATION = 100_000

_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")
_TEXT_WORD = re.compile(r"[A-Za-z\u00C0-\u024F]+")  # free text: a faster word pattern (apostrophes are rare)
_JOINER = re.compile(r"[ \t.\-]{1,3}")
_NGRAM_REACH = 40

# Gazetteer entries that are neighbourhoods, ordinary words or another country's name: never matched in
# free text (they still resolve from the location field, where a place is expected).
_TEXT_BLOCK = frozenset(
    gz.normalize(n)
    for n in _word_set(
        """Jamaica|Astoria|Flatbush|Elmhurst|Corona|Sunset Park|Chinatown|Koreatown|Universal City|
    Borough Park|Sheepshead Bay|Bushwick|Gravesend|Fordham|Richmond Hill|Washington Heights|Meads|
    Tempe Junction|Deer Valley|Maryvale|Alhambra|Valencia|Metairie Terrace|Dorchester|Alief|Cypress|
    Paradise|Enterprise|Spring Valley|Sunrise Manor|Mobile|Independence|Orange|Surprise|Centennial|
    Vista|Tri-Cities|Highlands Ranch|Spring Hill|Van Nuys|Hollywood|Mission|Ontario|Clovis|
    Lexington-Fayette|Brooklyn|Queens|Manhattan|The Bronx|Staten Island|Harlem|Amherst|Carson|
    Edison""",
        "|",
    )
)
_COMPASS = ("east ", "west ", "north ", "south ", "upper ", "lower ", "new south ")
_COMPASS_OK = frozenset(
    gz.normalize(n) for n in ("West Palm Beach", "North Las Vegas", "North Charleston", "West Valley City",
                              "West Jordan", "West Covina", "South Bend", "East Los Angeles")
)  # fmt: skip
# Cities that are also common working names: in free text only with a place cue.
_NAME_LIKE = _word_set(
    """austin madison charlotte savannah aurora chandler gilbert tyler irving eugene lincoln jackson norman
    cary everett lowell montgomery odessa kent warren brandon elizabeth phoenix raleigh denton allen
    durham"""
)
# Nicknames safe in free text (short ones must be written in capitals: "LA", "ATL").
_TEXT_ALIASES = frozenset(
    gz.normalize(n)
    for n in _word_set(
        """NYC|New York|Big Apple|DFW|H-town|ATX|SATX|OKC|ATL|Philly|NOLA|LA|SF|San Fran|Vegas|PHX|PDX|SLC|
    ABQ|DC|Washington DC|Bmore|Chi-town|Chitown|Indy|Cincy|STL|KC|Twin Cities|Jax|Tampa Bay|
    Sac town|Sactown|FTW|Manhattan|Brooklyn|Queens|Bronx|Staten Island|Harlem""",
        "|",
    )
)

# The words just before a name that say the person is there ("in Dallas", "visiting Austin")...
_CUE_WORDS = _word_set(
    """in at to near around visiting visit outcall incall serving servicing hosting located downtown
    greater town across over available here"""
)
# ... or that the ad is leaving for, or came from, the place (it is not where the person is now).
_ANTI_WORDS = _word_set("next then after from before left leaving")
_ANTI_PAIRS = _word_set(
    """heading to|heading for|headed to|headed for|leaving for|going to|coming to|way to|moving to|
    next stop|back to""",
    "|",
)
_SKIP_WORDS = frozenset(("the", "beautiful", "sunny", "lovely"))
_CUE_AFTER = re.compile(
    r"^\s*(?:area\b|incall|outcall|in\s*call|out\s*call|metro|only\b|based\b|local|visit|tonight|today|"
    r"this\s+week|now\b|girl|upscale|\(?\s*(?:in|out)\s*[/&]\s*out)",
    re.IGNORECASE,
)
_ANTI_AFTER = re.compile(r"^\s*,?\s*(?:next|soon|tomorrow|after|later)\b", re.IGNORECASE)
_STATE_AFTER = re.compile(r"^\s*,?\s*([A-Z]{2}|[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)\b")


@dataclass(frozen=True, slots=True)
class _Token:
    key: str  # normalized word
    start: int
    end: int
    raw: str


@dataclass(frozen=True, slots=True)
class _TextIndex:
    cities: dict[str, tuple[City, ...]]
    raw_first_words: frozenset[str]  # lower-case first words as written ("saint", "ft" included)
    raw_first_words_map: dict[str, str]  # -> normalized word ("saint" -> "st")
    multi_first: frozenset[str]  # normalized first words of names of two or more words


@cache
def _text_index() -> _TextIndex:
    gaz = gz.gazetteer()
    cities: dict[str, tuple[City, ...]] = {}
    for key, found in gaz.by_name.items():
        if found[0].population < TEXT_MIN_POPULATION or key in _TEXT_BLOCK:
            continue
        if key.startswith(_COMPASS) and key not in _COMPASS_OK:
            continue
        cities[key] = found
    for alias in _TEXT_ALIASES:
        cities[alias] = gz.candidates(alias)
    first = {k.split(" ", 1)[0] for k in cities}
    raw = {w: w for w in first}
    raw.update({written: canon for written, canon in gz.TOKEN_FORMS.items() if canon in first})
    multi = frozenset(k.split(" ", 1)[0] for k in cities if " " in k)
    return _TextIndex(cities, frozenset(raw), raw, multi)


def _tokens(text: str) -> list[_Token]:
    out = []
    for m in _TOKEN.finditer(text):
        raw = m.group()
        word = raw.lower()
        if not word.isascii():
            word = "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))
        word = word.replace("'", "").replace("\u2019", "")
        out.append(_Token(gz.norm_token(word), m.start(), m.end(), raw))
    return out


def _state_of(token: _Token, loose: bool) -> str | None:
    """State code a token names (a code in capitals, or any case when `loose`), or None."""
    if len(token.raw) == 2 and (loose or token.raw.isupper()) and token.raw.upper() in gz.STATES:
        return token.raw.upper()
    return None


def _result(field: str, text: str, start: int, end: int, city: City, method: str, conf: float) -> Placed:
    span = Span(start, end, text[start:end], city.name, conf, {"state": city.state, "method": method})
    info: dict[str, Any] = {"city": city.name, "state": city.state, "lat": city.lat, "lon": city.lon,
                            "method": method}  # fmt: skip
    return field, span, info


def _from_location(location: str, hints: tuple[str, ...]) -> Placed | None:
    found = _location_match(location, hints)
    if found is None:
        return None
    start, end, city, conf = found
    return _result("location", location, start, end, city, "location_field", conf)


@lru_cache(maxsize=4096)
def _location_match(location: str, hints: tuple[str, ...]) -> tuple[int, int, City, float] | None:
    """(start, end, city, confidence) of the place a location field names. Cached: ads of one city
    write its location field the same few ways, so most ads repeat an earlier (location, hints)."""
    tokens = _tokens(location)
    loose = location == location.lower() or location == location.upper()
    state_names = gz.gazetteer().state_by_name
    states: list[str] = []
    cities: list[tuple[int, int, tuple[City, ...]]] = []
    fallback: list[tuple[int, int, tuple[City, ...], str]] = []  # state words that may be a city ("LA")
    i = 0
    while i < len(tokens):
        for n in range(min(MAX_NGRAM, len(tokens) - i), 0, -1):
            key = " ".join(t.key for t in tokens[i : i + n])
            code = state_names.get(key) or (_state_of(tokens[i], loose) if n == 1 else None)
            found = gz.candidates(key)
            if code:
                states.append(code)
                if found:
                    fallback.append((i, i + n, found, code))
            elif found:
                cities.append((i, i + n, found))
            else:
                continue
            i += n
            break
        else:
            i += 1
    if cities:
        first, last, found = cities[0]
    elif fallback:
        first, last, found, code = fallback[0]
        states.remove(code)  # the state-like word was the city ("LA", "New York", "DC")
    else:
        return None
    stated = tuple(states)
    city = gz.pick(found, stated, hints)
    if city is None:
        return None
    conf = 0.95 if (not stated or city.state in stated) else 0.75
    return tokens[first].start, tokens[last - 1].end, city, conf


def _word_starts(lowered: str, words: set[str]) -> list[tuple[int, str]]:
    """(position, word) of every whole-word occurrence of the given words."""
    found = []
    size = len(lowered)
    for word in words:
        i = lowered.find(word)
        while i != -1:
            j = i + len(word)
            if (i == 0 or not lowered[i - 1].isalpha()) and (j == size or not lowered[j].isalpha()):
                found.append((i, word))
            i = lowered.find(word, j)
    found.sort()
    return found


def _text_candidates(
    text: str, stated: tuple[str, ...], hints: tuple[str, ...]
) -> list[tuple[float, int, int, City]]:
    """(score, start, end, city) for each place named in a title/body.

    One C-speed pass collects the text's words; only words that begin some place name are then
    located and looked at further, so the cost does not grow with the number of cities.
    """
    index = _text_index()
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower-case to two; keep offsets exact
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    hits = set(index.raw_first_words.intersection(_TEXT_WORD.findall(lowered)))
    if not hits:
        return []
    found: list[tuple[float, int, int, City]] = []
    resume = 0
    for start, word in _word_starts(lowered, hits):
        if start < resume:
            continue
        head_end = start + len(word)
        head = index.raw_first_words_map[word]
        following = (
            _tokens(text[head_end : head_end + _NGRAM_REACH])[: MAX_NGRAM - 1]
            if head in index.multi_first
            else []
        )
        keys = [head] + [t.key for t in following]
        ends = [head_end] + [head_end + t.end for t in following]
        gaps_ok = [True] + [
            bool(_JOINER.fullmatch(text, ends[k], head_end + following[k].start))
            for k in range(len(following))
        ]
        for n in range(len(keys), 0, -1):
            if not all(gaps_ok[:n]):
                continue  # words of one name are separated by spaces, "-" or "." only
            key = " ".join(keys[:n])
            cities = index.cities.get(key)
            if cities:
                scored = _score(_Candidate(text, lowered, start, ends[n - 1], key, cities), stated, hints)
                if scored is not None:
                    found.append((scored[0], start, ends[n - 1], scored[1]))
                resume = ends[n - 1]
                break
    return found


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A place name found in a title or body, with the text around it that `_score` weighs."""

    text: str
    lowered: str  # text in lower case, same offsets
    start: int
    end: int
    key: str  # normalised name ("st louis")
    cities: tuple[City, ...]  # the gazetteer's cities of that name, most populous first


def _score(c: _Candidate, stated: tuple[str, ...], hints: tuple[str, ...]) -> tuple[float, City] | None:
    """(score, city) for a candidate: cue words ("in", "visiting") and a state after it raise it, words
    of leaving ("next stop", "heading to") lower it; None when it is no place (a lower-case word, a
    working name without a cue)."""
    text, lowered, start, end, key, cities = c.text, c.lowered, c.start, c.end, c.key, c.cities
    raw = text[start:end]
    after = text[end : end + 40]
    before = [w for w in _TEXT_WORD.findall(lowered[max(0, start - 40) : start])[-4:] if w not in _SKIP_WORDS]
    state_match = _STATE_AFTER.match(after)
    state = gz.state_code(state_match.group(1)) if state_match else None
    if (
        state
        and state_match
        and len(state_match.group(1)) == 2
        and "," not in state_match.group(0)
        and not any(c.state == state for c in cities)
    ):
        state = None  # "LA" after a city without a comma is only a state when it fits
    last_two = " ".join(before[-2:])
    anti = bool(before) and (before[-1] in _ANTI_WORDS or last_two in _ANTI_PAIRS or "next" in before[-3:])
    cue = bool((before and before[-1] in _CUE_WORDS) or _CUE_AFTER.match(after) or state)
    if len(key.replace(" ", "")) <= 3 and not raw.replace(".", "").isupper():
        return None  # "la", "sf": short nicknames only in capitals
    if not raw[0].isupper() and not cue:
        return None
    if key in _NAME_LIKE and not cue:
        return None
    score = 1.0 + (2.0 if cue else 0.0) + (1.0 if state else 0.0)
    if anti or _ANTI_AFTER.match(after):
        score -= 3.0
    city = gz.pick(cities, ((state,) if state else ()) + stated, hints)
    return (score, city) if city else None


def _from_text(
    title: str | None, body: str, stated: tuple[str, ...], hints: tuple[str, ...]
) -> Placed | None:
    best: tuple[str, str, int, int, City] | None = None
    best_score = 0.0
    for field, text in (("title", title), ("body", body)):
        if not text:
            continue
        for score, start, end, city in _text_candidates(text, stated, hints):
            if score > best_score:
                best, best_score = (field, text, start, end, city), score
    if best is None:
        return None
    field, text, start, end, city = best
    return _result(field, text, start, end, city, "text", 0.8 if best_score >= 3 else 0.6)


def _area_code_state(phone_values: list[tuple[str, int, int, str]]) -> tuple[str, ...]:
    for e164, *_ in phone_values[:1]:
        if e164.startswith("+1") and len(e164) == 12:
            city = gz.area_code_city(e164[2:5])
            if city is not None:
                return (city.state,)
    return ()


@lru_cache(maxsize=4096)
def _location_states(location: str) -> tuple[str, ...]:
    names = gz.gazetteer().state_by_name
    return tuple(s for t in _tokens(location) if (s := _state_of(t, True) or names.get(t.key)))


def find_place(
    location: str | None,
    title: str | None,
    body: str,
    phone_values: list[tuple[str, int, int, str]],
) -> Placed | None:
    """Where the ad places the person: (field, span into that field's text, city info), or None.

    `phone_values` are the phones already found: (e164, start, end, field). The info dict is
    {"city", "state", "lat", "lon", "method"} with method "location_field" | "text" | "area_code".
    """
    abroad = location_country_abroad(location)
    if abroad or (not _location_says_us(location) and _text_abroad(title, body)):
        return None  # an ad placed abroad is never forced into a US city (the gazetteer is US-only)
    hints = _area_code_state(phone_values)
    if location and location.strip():
        placed = _from_location(location, hints)
        if placed is not None:
            return placed
    # A location that names only a state ("Texas") still settles which Springfield the text means.
    stated = _location_states(location) if location else ()
    placed = _from_text(title, body, stated, hints)
    if placed is not None:
        return placed
    texts = {"location": location or "", "title": title or "", "body": body}
    for e164, start, end, field in phone_values[:1]:
        if not (e164.startswith("+1") and len(e164) == 12):
            continue
        city = gz.area_code_city(e164[2:5])
        text = texts.get(field, "")
        if stated and city is not None and city.state not in stated:
            return None  # the area code never overrides the state the ad is posted in
        if city is not None and 0 <= start < end <= len(text):
            placed = _result(field, text, start, end, city, "area_code", 0.4)
            placed[1].attrs["basis"] = placed[2]["basis"] = AREA_CODE_BASIS
            return placed
    return None


AREA_CODE_BASIS = "the phone's area code (a last resort: phones travel with people)"


def location_country_abroad(location: str | None) -> str | None:
    """The country a location field names when it is not the US ("London, UK" -> "GB")."""
    code = countries.location_country(location) if location and location.strip() else None
    return code if code and code != "US" else None


def _location_says_us(location: str | None) -> bool:
    return bool(location and location.strip() and countries.location_country(location) == "US")


def _text_abroad(title: str | None, body: str) -> bool:
    return any(c != "US" for c in countries.text_countries(f"{title or ''}\n{body}"))


def find_country(
    location: str | None,
    title: str | None,
    body: str,
    phone_values: list[tuple[str, int, int, str]],
    place: Placed | None,
) -> Placed | None:
    """The country an ad is in: (field, span, {"country", "method"}), or None when nothing says.

    From strongest: the US city placed (method "city"), the location field ("location_field"), a
    country word or big city abroad in the title or body ("text"), the first phone's country code
    ("phone", a last resort).
    """
    if place is not None:
        field, span, info = place
        if info.get("method") != "area_code":
            return field, Span(span.start, span.end, span.raw, "US", span.confidence, {"method": "city"}), {}
    if location and location.strip():
        code = countries.location_country(location)
        if code:
            raw = location.strip()
            start = location.index(raw)
            return "location", Span(start, start + len(raw), raw, code, 0.9, {"method": "location_field"}), {}
    for field, text in (("title", title or ""), ("body", body)):
        found = countries.text_country_span(text)
        if found is not None:
            start, end, code = found
            return field, Span(start, end, text[start:end], code, 0.7, {"method": "text"}), {}
    texts = {"title": title or "", "body": body}
    for value, start, end, field in phone_values:
        code = numbering.region_of(value) if value.startswith("+") else None
        text = texts.get(field, "")
        if code and 0 <= start < end <= len(text):
            return field, Span(start, end, text[start:end], code, 0.4, {"method": "phone"}), {}
    return None
