"""Extract: who and where, from each ad's text, with provenance.

`extract_ad` is pure: one Ad in, its Extractions out. Every value points at the exact text it came
from (`ad.field_text(e.field)[e.start:e.end] == e.raw`) and names the extractor and its version, so a
changed extractor can re-run on old ads (see `extract.run`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache
from importlib.metadata import entry_points
from typing import Protocol, cast

from safeharbor.extract import ages, countries, emails, handles, names, phones, places, prices
from safeharbor.types import Ad, AdField, Extraction, ExtractionKind, Span


class Extractor(Protocol):
    """What an extractor module is: its name and version go into every value's provenance.

    Built-in modules and partners' plug-ins (docs/plugins.md) both satisfy it; plug-ins also have
    KIND and `find(text) -> list[Span]`.
    """

    EXTRACTOR: str
    VERSION: str


# Extractors that read one text (title or body) and return spans, with the kind they produce.
TEXT_EXTRACTORS: list[tuple[ExtractionKind, Extractor, Callable[[str], list[Span]]]] = [
    ("phone", phones, phones.find_phones),
    ("email", emails, emails.find_emails),
    ("handle", handles, handles.find_handles),
    ("age", ages, ages.find_ages),
    ("name", names, names.find_names),
    ("price", prices, prices.find_prices),
]
TEXT_FIELDS: tuple[AdField, ...] = ("title", "body")
KINDS: tuple[ExtractionKind, ...] = ("phone", "email", "handle", "age", "name", "price", "city", "country")
PLUGIN_GROUP = "safeharbor.extractors"
_PLUGIN_KINDS = KINDS[:-2]  # not "city" nor "country": places are the gazetteer's
_loaded: list[str] = []  # entry-point names already loaded (loading is explicit and idempotent)


def load_plugins() -> list[str]:
    """Load partners' extractors, installed as packages with an entry point in `safeharbor.extractors`.

    Called explicitly by the extraction stage (`extract.run`), never as a side effect of importing
    this package. Each entry point names a module with KIND (one of the text kinds), EXTRACTOR, VERSION
    and find(text) -> list[Span] (see docs/plugins.md). Their values join the built-in ones, with
    their own extractor name in the provenance, and their versions join `extract_version()` so that
    installing or upgrading one re-extracts stored ads on the next `safeharbor analyze`. Returns the
    names of the plug-ins loaded so far.
    """
    for entry in sorted(entry_points(group=PLUGIN_GROUP), key=lambda e: e.name):
        if entry.name in _loaded:
            continue
        module = entry.load()
        if module.KIND not in _PLUGIN_KINDS:
            raise ValueError(f"extractor plugin {entry.name!r}: KIND must be one of {_PLUGIN_KINDS}")
        TEXT_EXTRACTORS.append((module.KIND, module, module.find))
        _loaded.append(entry.name)
        _text_spans.cache_clear()
    return list(_loaded)


def extract_version() -> str:
    """One string that changes whenever any extractor's version does (plug-ins loaded included):
    ads extracted under another version are extracted again by `safeharbor analyze`."""
    return hashlib.sha1(
        "|".join(f"{m.EXTRACTOR}:{m.VERSION}" for _, m, _ in TEXT_EXTRACTORS).encode()
        + f"|{places.EXTRACTOR}:{places.VERSION}".encode()
    ).hexdigest()[:12]


# (kind, extractor, version, span) of every value one text holds.
_Found = tuple[tuple[ExtractionKind, str, str, Span], ...]


@lru_cache(maxsize=8192)
def _text_spans(text: str, regions: tuple[str, ...]) -> _Found:
    """Every extractor's spans for one title or body text.

    Cached by the text itself: reposted ads and shared templates repeat titles verbatim (in demo
    corpora about two titles in three repeat an earlier one, and a few bodies do), and a repeat is
    answered for the cost of hashing the string. Spans are immutable; `extract_ad` copies their
    attrs dicts so no two Extractions share one.
    """
    return tuple(
        (kind, module.EXTRACTOR, module.VERSION, span)
        for kind, module, find in TEXT_EXTRACTORS
        for span in (phones.find_phones(text, regions) if module is phones else find(text))
    )


def extract_ad(ad: Ad) -> list[Extraction]:
    """All extractions of one ad: contacts, ages, names, prices per text field, then its place."""
    found: list[Extraction] = []
    phone_refs: list[tuple[str, int, int, str]] = []
    ad_key = ad.ad_key
    fields: tuple[tuple[AdField, str | None], ...] = (("title", ad.title), ("body", ad.body))
    # Countries the ad gives outside its text: national phone forms ("07700 900123") need one.
    regions = countries.ad_regions(ad.location, ad.url)
    for field, text in fields:
        if not text:
            continue
        # Positional arguments: building Extractions is a measurable share of the per-ad cost.
        for kind, extractor, version, span in _text_spans(text, regions):
            found.append(
                Extraction(ad_key, kind, span.value, span.raw, field, span.start, span.end, extractor,
                           version, span.confidence, dict(span.attrs))
            )  # fmt: skip
            if kind == "phone":
                phone_refs.append((span.value, span.start, span.end, field))
    place = places.find_place(ad.location, ad.title, ad.body, phone_refs)
    if place is not None:
        place_field, span, info = place
        found.append(
            Extraction(ad_key, "city", span.value, span.raw, cast(AdField, place_field), span.start,
                       span.end, places.EXTRACTOR, places.VERSION, span.confidence, dict(info))
        )  # fmt: skip
    country = places.find_country(ad.location, ad.title, ad.body, phone_refs, place)
    if country is not None:  # none: nothing in the ad says (exported as null, "unknown")
        country_field, span, _ = country
        found.append(
            Extraction(ad_key, "country", span.value, span.raw, cast(AdField, country_field), span.start,
                       span.end, places.EXTRACTOR, places.VERSION, span.confidence, dict(span.attrs))
        )  # fmt: skip
    return found


def extract_ads(ads: list[Ad]) -> list[list[Extraction]]:
    """extract_ad over a batch (the unit of work sent to worker processes)."""
    return [extract_ad(ad) for ad in ads]
