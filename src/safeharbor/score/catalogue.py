"""The indicator catalogue: load, validate and hash the YAML that defines indicators of a possible minor.

The catalogue is data so that analysts can add or re-weight entries without touching code. Hashes let
scoring work incrementally: an indicator whose patterns changed is re-matched on every ad, while a
changed weight only re-combines scores.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from safeharbor.settings import ENV_CATALOGUE, Settings

Level = Literal["ad", "network"]
LEVELS: tuple[str, ...] = ("ad", "network")
PATTERN_KINDS: tuple[str, ...] = ("words", "phrases", "emoji", "regex")
FIELDS: tuple[str, ...] = ("title", "body", "location")
PREDICTIVE: tuple[str, ...] = ("strong", "moderate", "weak", "unknown")
AD_DETECTORS: tuple[str, ...] = ("stated_age", "obscured_phone", "several_names", "review_text")
NETWORK_DETECTORS: tuple[str, ...] = (
    "age_changes",
    "person_share",
    "person_rate",
    "persons_per_contact",
    "fast_circuit",
)
CATALOGUE_ENV = ENV_CATALOGUE
_ID = re.compile(r"^[a-z][a-z0-9_]{1,59}$")


class CatalogueError(ValueError):
    """The catalogue file is not valid; the message says which entry and why."""


@dataclass(frozen=True)
class Patterns:
    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    emoji: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return not (self.words or self.phrases or self.emoji or self.regex)

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(getattr(self, k)) for k in PATTERN_KINDS if getattr(self, k)}


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    level: Level
    weight: float
    predictive: str
    validity: str
    source: str
    fields: tuple[str, ...] = ("title", "body")
    patterns: Patterns = field(default_factory=Patterns)
    negative: Patterns = field(default_factory=Patterns)
    negative_window: int = 0
    detector: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # Decisive evidence (a stated age under 18) is added outside the cap on all other evidence, so an ad,
    # person or network showing it ranks above any that does not, whatever else those show.
    decisive: bool = False
    # Made from phrases an analyst accepted from reviews (score/phrase_store.py), not from the catalogue
    # file: left out of `weights_hash`, so accepting a phrase does not void weights fitted from reviews.
    learned: bool = False

    def match_hash(self) -> str:
        """Changes when what the indicator matches changes (not when its weight changes)."""
        return self._match_hash

    @cached_property
    def _match_hash(self) -> str:
        # Cached: matchers are looked up by this hash once per ad, and hashing JSON is not free.
        payload = {
            "level": self.level,
            "fields": list(self.fields),
            "patterns": self.patterns.as_dict(),
            "negative": self.negative.as_dict(),
            "negative_window": self.negative_window,
            "detector": self.detector,
            "params": self.params,
        }
        return digest(payload)


@dataclass(frozen=True)
class PersonWeights:
    """The person model that ranks leads (score/person_model.py): log-odds that a person behind a lead
    is a child, from counts over the person's distinct ads. Each feature has two weights, added once
    per distinct ad: `shown` when the ad shows it, `not_shown` when it does not (negative evidence)."""

    bias: float
    log_ads: float  # times log(number of distinct ads)
    weights: dict[str, tuple[float, float]]  # feature -> (shown, not shown)
    youth: tuple[str, ...] = ()  # the indicators that make up the `youth_any` feature
    repost_days: float = 3.0
    per_ad: float = 0.0  # times the number of distinct ads

    def hash(self) -> str:
        return digest(
            {
                "bias": self.bias,
                "log_ads": self.log_ads,
                "per_ad": self.per_ad,
                "weights": {k: list(v) for k, v in self.weights.items()},
                "youth": list(self.youth),
                "repost_days": self.repost_days,
            }
        )


PERSON_FEATURES_EXTRA: tuple[str, ...] = ("youth_any", "age_drift")


@dataclass(frozen=True)
class Catalogue:
    version: int
    bias: float
    indicators: tuple[Indicator, ...]
    path: str = "<package>"
    person: PersonWeights | None = None  # a fitted person model (labelled); None: leads rank by evidence
    # The most that all non-decisive evidence together adds to (or takes from) the log-odds: aggregation
    # saturates, so piling up weak indicators never outranks decisive evidence (docs/indicators.md).
    cap: float | None = None

    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def weights(self) -> dict[str, float]:
        return {i.id: i.weight for i in self.indicators}

    def match_hashes(self) -> dict[str, str]:
        return {i.id: i.match_hash() for i in self.indicators}

    def decisive(self) -> frozenset[str]:
        return frozenset(i.id for i in self.indicators if i.decisive)

    def weights_hash(self) -> str:
        combine = (
            {"cap": self.cap, "decisive": sorted(self.decisive())} if self.cap or self.decisive() else {}
        )
        learned = {i.id for i in self.indicators if i.learned}
        weights = {k: v for k, v in self.weights().items() if k not in learned}
        return digest({"bias": self.bias, "weights": weights, **combine})

    def person_hash(self) -> str:
        return self.person.hash() if self.person else ""

    def hash(self) -> str:
        """One hash of everything that affects scores."""
        return digest(
            {"match": self.match_hashes(), "weights": self.weights_hash(), "person": self.person_hash()}
        )

    def of_level(self, level: Level) -> list[Indicator]:
        return [i for i in self.indicators if i.level == level]


def digest(payload: object) -> str:
    """A short, stable hash of a JSON-able value (keys sorted): what the incremental state compares."""
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def default_catalogue_path() -> Path:
    return Path(str(resources.files("safeharbor.score").joinpath("catalogue.yaml")))


def catalogue_path(path: str | Path | None = None) -> Path:
    """The file to use: an explicit path, else $SAFEHARBOR_CATALOGUE, else the packaged catalogue."""
    if path:
        return Path(path)
    return Settings.from_env().catalogue or default_catalogue_path()


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    where = catalogue_path(path)
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"cannot read catalogue {where}: {exc}") from exc
    return parse_catalogue(text, str(where))


def parse_catalogue(text: str, where: str = "<text>") -> Catalogue:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{where}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), list):
        raise CatalogueError(f"{where}: expected a mapping with an 'indicators' list")
    model = data.get("model") or {}
    bias = _number(model.get("bias", -3.0), f"{where}: model.bias")
    cap = _number(model["cap"], f"{where}: model.cap") if model.get("cap") is not None else None
    if cap is not None and cap <= 0:
        raise CatalogueError(f"{where}: model.cap must be > 0")
    indicators = [_parse_indicator(entry, n, where) for n, entry in enumerate(data["indicators"], 1)]
    ids = [i.id for i in indicators]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise CatalogueError(f"{where}: duplicate indicator ids: {', '.join(dupes)}")
    # The person model counts what a person's ads show, so its features are ad-level indicators.
    ad_ids = {i.id for i in indicators if i.level == "ad"}
    person = _parse_person(data.get("person_model"), ad_ids, f"{where}: person_model")
    return Catalogue(
        version=int(data.get("version", 1)),
        bias=bias,
        indicators=tuple(indicators),
        path=where,
        person=person,
        cap=cap,
    )


def _parse_person(raw: object, ids: set[str], what: str) -> PersonWeights | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise CatalogueError(f"{what} must be a mapping")
    youth = raw.get("youth") or []
    if not isinstance(youth, list) or not all(isinstance(y, str) and y in ids for y in youth):
        raise CatalogueError(f"{what}.youth must list ad-level indicator ids of this catalogue")
    weights_raw = raw.get("weights") or {}
    if not isinstance(weights_raw, dict):
        raise CatalogueError(f"{what}.weights must map features to [shown, not shown]")
    weights: dict[str, tuple[float, float]] = {}
    for feature, pair in weights_raw.items():
        if feature not in ids and feature not in PERSON_FEATURES_EXTRA:
            raise CatalogueError(
                f"{what}.weights: {feature!r} is neither an ad-level indicator id nor one of "
                f"{PERSON_FEATURES_EXTRA}"
            )
        if not isinstance(pair, list) or len(pair) != 2:
            raise CatalogueError(f"{what}.weights.{feature} must be [shown, not shown]")
        weights[feature] = (
            _number(pair[0], f"{what}.weights.{feature}[0]"),
            _number(pair[1], f"{what}.weights.{feature}[1]"),
        )
    days = _number(raw.get("repost_days", 3), f"{what}.repost_days")
    if days < 0:
        raise CatalogueError(f"{what}.repost_days must be >= 0")
    return PersonWeights(
        bias=_number(raw.get("bias", -3.0), f"{what}.bias"),
        log_ads=_number(raw.get("log_ads", 0.0), f"{what}.log_ads"),
        per_ad=_number(raw.get("per_ad", 0.0), f"{what}.per_ad"),
        weights=weights,
        youth=tuple(youth),
        repost_days=days,
    )


def _number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CatalogueError(f"{what} must be a number, got {value!r}")
    return float(value)


def _parse_patterns(raw: object, what: str) -> Patterns:
    if raw is None:
        return Patterns()
    if not isinstance(raw, dict):
        raise CatalogueError(f"{what} must be a mapping of {', '.join(PATTERN_KINDS)}")
    unknown = set(raw) - set(PATTERN_KINDS)
    if unknown:
        raise CatalogueError(f"{what}: unknown pattern kinds {sorted(unknown)}")
    parts: dict[str, tuple[str, ...]] = {}
    for kind in PATTERN_KINDS:
        values = raw.get(kind) or []
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise CatalogueError(f"{what}.{kind} must be a list of non-empty strings")
        if kind == "regex":
            for pattern in values:
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise CatalogueError(f"{what}.regex {pattern!r} does not compile: {exc}") from exc
        parts[kind] = tuple(values)
    return Patterns(**parts)


def _parse_indicator(entry: object, n: int, where: str) -> Indicator:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: indicator #{n} must be a mapping")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise CatalogueError(f"{where}: indicator #{n} needs an id of lower-case letters, digits and _")
    what = f"{where}: indicator {ident!r}"
    level = entry.get("level", "ad")
    if level not in LEVELS:
        raise CatalogueError(f"{what}: level must be one of {LEVELS}")
    for required in ("title", "validity", "source"):
        if not isinstance(entry.get(required), str) or not entry[required].strip():
            raise CatalogueError(f"{what}: needs a {required}")
    predictive = entry.get("predictive", "unknown")
    if predictive not in PREDICTIVE:
        raise CatalogueError(f"{what}: predictive must be one of {PREDICTIVE}")
    fields = tuple(entry.get("fields") or ("title", "body"))
    if not set(fields) <= set(FIELDS):
        raise CatalogueError(f"{what}: fields must be among {FIELDS}")
    detector = entry.get("detector")
    allowed = AD_DETECTORS if level == "ad" else NETWORK_DETECTORS
    if detector is not None and detector not in allowed:
        raise CatalogueError(f"{what}: detector for level {level} must be one of {allowed}")
    params = entry.get("params") or {}
    if not isinstance(params, dict):
        raise CatalogueError(f"{what}: params must be a mapping")
    patterns = _parse_patterns(entry.get("patterns"), f"{what}.patterns")
    if level == "network" and not patterns.is_empty():
        raise CatalogueError(f"{what}: network-level indicators use a detector, not text patterns")
    if detector is None and patterns.is_empty():
        raise CatalogueError(f"{what}: needs patterns or a detector")
    decisive = entry.get("decisive", False)
    if not isinstance(decisive, bool):
        raise CatalogueError(f"{what}: decisive must be true or false")
    window = entry.get("negative_window", 0)
    if not isinstance(window, int) or window < 0:
        raise CatalogueError(f"{what}: negative_window must be a whole number >= 0")
    return Indicator(
        id=ident,
        title=entry["title"].strip(),
        level=level,
        weight=_number(entry.get("weight"), f"{what}: weight"),
        predictive=predictive,
        validity=" ".join(entry["validity"].split()),
        source=" ".join(entry["source"].split()),
        fields=fields,
        patterns=patterns,
        negative=_parse_patterns(entry.get("negative"), f"{what}.negative"),
        negative_window=window,
        detector=detector,
        params=dict(params),
        decisive=decisive,
    )
