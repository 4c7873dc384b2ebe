"""Typed evidence: why two ads are joined.

Edge kinds
- ``version``: two versions of the same posting (same source and id).
- ``phone`` / ``email`` / ``handle``: both ads carry the same identifier.
- ``image``: both ads carry images whose perceptual hashes are equal or within the matching Hamming
  distance (the pixels are never stored; only the hashes are compared).
- ``text``: near-duplicate text after masking contact details, names and numbers, weighed by how
  rare the shared passages are across the whole corpus.
- ``template``: the same operator's template (wording with the name, age, city, phone and price slots
  masked) in two groups of ads that were posted in the same cities at the same times; its weight is
  the overlap of the two groups' templates (`link.templates`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

EdgeKind = Literal["version", "phone", "email", "handle", "image", "text", "template"]
IdentKind = Literal["phone", "email", "handle", "image"]
IDENT_KINDS: tuple[IdentKind, ...] = ("phone", "email", "handle", "image")

# How much one edge of each kind counts on its own (shown to analysts; the clustering itself is
# rule-based: an edge either joins two ads or it was never accepted / was cut).
KIND_WEIGHTS: dict[str, float] = {
    "version": 1.0,
    "phone": 0.9,
    "email": 0.9,
    "handle": 0.8,
    "image": 0.7,
    "text": 0.6,
    "template": 0.4,  # shown when no score is stored; a template link's own weight is its score
}


@dataclass(frozen=True, slots=True)
class EdgeEvidence:
    """One edge in a chain that joins two ads, with the evidence a person can check."""

    ad_a: int
    ad_b: int
    kind: EdgeKind
    weight: float
    value: str | None = None  # the shared phone/email/handle, or the image hash of ad_a
    other_value: str | None = None  # image: the hash of ad_b
    hamming: int | None = None  # image: Hamming distance between the two hashes
    similarity: float | None = None  # text: rarity-weighted Jaccard of masked shingles
    passage_a: str | None = None  # text: the longest matching passage as written in ad_a
    passage_b: str | None = None  # text: the same passage as written in ad_b
    template_tokens: int | None = None  # template: tokens of the shared template (slots masked)
    slots_differ: tuple[str, ...] = ()  # template: slots whose values differ (name, city, ...)

    def describe(self) -> str:
        """One readable line for terminals and pages."""
        if self.kind == "version":
            return "two versions of the same posting"
        if self.kind in ("phone", "email", "handle"):
            return f"both show the {self.kind} {self.value}"
        if self.kind == "image":
            if self.hamming == 0:
                return f"same image (perceptual hash {self.value})"
            return (
                f"near-identical images: hashes {self.value} and {self.other_value} differ in "
                f"{self.hamming} of 64 bits"
            )
        sim = f"{self.similarity:.2f}" if self.similarity is not None else "?"
        if self.kind == "template":
            slots = ", ".join(self.slots_differ) if self.slots_differ else "none"
            return (
                f"same {self.template_tokens}-token template; slots differ: {slots} (strength {sim}: "
                "overlap of the two groups' habitual wording; they were posted in the same cities "
                "at the same times)"
            )
        passage = f': "{self.passage_a}"' if self.passage_a else ""
        return f"near-duplicate text (rarity-weighted similarity {sim}){passage}"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["description"] = self.describe()
        return out
