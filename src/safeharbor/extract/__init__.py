"""Extract: who and where, from each ad's text, with provenance.

`extract_ad` is pure: one Ad in, its Extractions out. Every value points at the exact text it came
from (`ad.field_text(e.field)[e.start:e.end] == e.raw`) and names the extractor and its version, so a
changed extractor can re-run on old ads (see `extract.run`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from types import ModuleType
from typing import cast

from safeharbor.extract import ages, emails, handles, names, phones, places, prices
from safeharbor.types import Ad, AdField, Extraction, ExtractionKind, Span

# Extractors that read one text (title or body) and return spans, with the kind they produce.
TEXT_EXTRACTORS: list[tuple[ExtractionKind, ModuleType, Callable[[str], list[Span]]]] = [
    ("phone", phones, phones.find_phones),
    ("email", emails, emails.find_emails),
    ("handle", handles, handles.find_handles),
    ("age", ages, ages.find_ages),
    ("name", names, names.find_names),
    ("price", prices, prices.find_prices),
]
TEXT_FIELDS: tuple[AdField, ...] = ("title", "body")

# One string that changes whenever any extractor's version does: ads extracted under another
# version are extracted again by `safeharbor analyze`.
EXTRACT_VERSION = hashlib.sha1(
    "|".join(f"{m.EXTRACTOR}:{m.VERSION}" for _, m, _ in TEXT_EXTRACTORS).encode()
    + f"|{places.EXTRACTOR}:{places.VERSION}".encode()
).hexdigest()[:12]


def extract_ad(ad: Ad) -> list[Extraction]:
    """All extractions of one ad: contacts, ages, names, prices per text field, then its place."""
    found: list[Extraction] = []
    for field in TEXT_FIELDS:
        text = ad.field_text(field)
        if not text:
            continue
        for kind, module, find in TEXT_EXTRACTORS:
            for span in find(text):
                found.append(
                    Extraction(
                        ad_key=ad.ad_key,
                        kind=kind,
                        value=span.value,
                        raw=span.raw,
                        field=field,
                        start=span.start,
                        end=span.end,
                        extractor=module.EXTRACTOR,
                        version=module.VERSION,
                        confidence=span.confidence,
                        attrs=span.attrs,
                    )
                )
    phone_refs: list[tuple[str, int, int, str]] = [
        (e.value, e.start, e.end, e.field) for e in found if e.kind == "phone"
    ]
    place = places.find_place(ad.location, ad.title, ad.body, phone_refs)
    if place is not None:
        place_field, span, info = place
        found.append(
            Extraction(
                ad_key=ad.ad_key,
                kind="city",
                value=span.value,
                raw=span.raw,
                field=cast(AdField, place_field),
                start=span.start,
                end=span.end,
                extractor=places.EXTRACTOR,
                version=places.VERSION,
                confidence=span.confidence,
                attrs=dict(info),
            )
        )
    return found


def extract_ads(ads: list[Ad]) -> list[list[Extraction]]:
    """extract_ad over a batch (the unit of work sent to worker processes)."""
    return [extract_ad(ad) for ad in ads]
