"""Movement: the ordered city stays of a network, the distance travelled, and repeated loops (circuits).

A stay is a maximal run of consecutive ads (in time order) placed in the same city. A circuit is a
loop of distinct cities that the network goes round and returns to its start, seen at least twice
(e.g. Dallas -> Austin -> Houston -> Dallas -> Austin -> Houston -> Dallas is one loop done twice).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from safeharbor.extract.gazetteer import distance_km

MIN_LOOPS = 2
MAX_LOOP_CITIES = 8


@dataclass(frozen=True, slots=True)
class Stay:
    city: str
    state: str | None
    lat: float | None
    lon: float | None
    first_seen: str  # ISO 8601 UTC
    last_seen: str
    ads: int

    @property
    def label(self) -> str:
        return f"{self.city}, {self.state}" if self.state else self.city

    def as_export(self) -> dict[str, object]:
        return {
            "city": self.city,
            "state": self.state,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "ads": self.ads,
        }


@dataclass(frozen=True, slots=True)
class Circuit:
    cities: tuple[str, ...]  # the loop as visited, closed: ("Dallas, TX", "Austin, TX", "Dallas, TX")
    loops: int  # how many times it was gone round

    def as_export(self) -> dict[str, object]:
        return {"cities": list(self.cities), "loops": self.loops}


Visit = tuple[str, str | None, str | None, float | None, float | None]  # posted_at, city, state, lat, lon


def stays_from(visits: Iterable[Visit]) -> list[Stay]:
    """Ordered stays from (posted_at, city, state, lat, lon) of each ad; unplaced ads are skipped."""
    # Ads posted at the same time are taken by place (a content order), never in the order they were read.
    ordered = sorted((v for v in visits if v[1]), key=lambda v: (v[0], v[1] or "", v[2] or ""))
    out: list[Stay] = []
    for posted_at, city, state, lat, lon in ordered:
        assert city is not None
        last = out[-1] if out else None
        if last is not None and last.city == city and last.state == state:
            out[-1] = Stay(city, state, last.lat, last.lon, last.first_seen, posted_at, last.ads + 1)
        else:
            out.append(Stay(city, state, lat, lon, posted_at, posted_at, 1))
    return out


def distance_travelled(stays: Sequence[Stay]) -> float:
    """Kilometres between consecutive stays (great circle), skipping stays without coordinates."""
    total = 0.0
    previous: tuple[float, float] | None = None
    for stay in stays:
        if stay.lat is None or stay.lon is None:
            continue
        here = (stay.lat, stay.lon)
        if previous is not None and previous != here:
            total += distance_km(previous, here)
        previous = here
    return round(total, 1)


@dataclass
class _Loop:
    loops: int
    first: int
    shown: tuple[str, ...]


def circuits(stays: Sequence[Stay], *, min_loops: int = MIN_LOOPS) -> list[Circuit]:
    """Loops of distinct cities gone round at least `min_loops` times (summed over the timeline)."""
    labels = [s.label for s in stays]
    found: dict[tuple[str, ...], _Loop] = {}  # keyed by the loop's rotation starting at its least city
    for length in range(2, min(MAX_LOOP_CITIES, len(labels) // 2) + 1):
        j = length
        while j < len(labels):
            if labels[j] != labels[j - length]:
                j += 1
                continue
            start = j - length
            while j < len(labels) and labels[j] == labels[j - length]:
                j += 1
            window = labels[start : start + length]
            loops = (j - start - 1) // length
            if len(set(window)) == length and loops >= 1:
                pivot = window.index(min(window))
                key = tuple(window[pivot:] + window[:pivot])
                entry = found.setdefault(key, _Loop(0, start, tuple(window)))
                entry.loops += loops
    return [
        Circuit(e.shown + (e.shown[0],), e.loops)
        for e in sorted(found.values(), key=lambda e: e.first)
        if e.loops >= min_loops
    ]
