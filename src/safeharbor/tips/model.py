"""Domain types for tips: what a reporter sends, what is stored, what an analyst reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from safeharbor.tips.signs import Variant

MatchBasis = Literal["phone", "email", "handle", "place_time"]


@dataclass(frozen=True, slots=True)
class TipPlace:
    city: str | None
    state: str | None  # 2-letter code
    place: str | None  # hotel or business name / address, as typed

    def describe(self) -> str:
        town = ", ".join(p for p in (self.city, self.state) if p)
        return " — ".join(p for p in (self.place, town) if p) or "not given"


@dataclass(frozen=True, slots=True)
class TipInput:
    """A validated tip as the reporter sent it (see `form.parse_tip_form`)."""

    variant: Variant
    role: str
    what_seen: str
    seen_on: date
    where: TipPlace
    signs: tuple[str, ...] = ()
    seen_time: str | None = None  # HH:MM
    apparent_age: str | None = None
    phones: tuple[str, ...] = ()  # E.164
    emails: tuple[str, ...] = ()  # lower case, found in `online`
    handles: tuple[str, ...] = ()  # '@name', lower case, found in `online`
    online: str | None = None
    room: str | None = None
    vehicle: str | None = None
    contact: str | None = None
    form_nonce: str | None = None  # the one-time form token's nonce; a repeat returns the first tip


@dataclass(frozen=True, slots=True)
class TipReceipt:
    """What the reporter is told after sending."""

    tip_id: int
    reference: str
    created_at: datetime
    duplicate: bool = False  # True when this form had already been sent (double submit)
    repeated: bool = False  # True when a fresh form carried a tip we already had (same words, place, date)


@dataclass(frozen=True, slots=True)
class TipMatch:
    """Why a tip points at an ad (and the network it belongs to)."""

    ad_key: int
    network_id: str | None
    reason: (
        str  # plain words for the analyst: "same phone +12145550134; ad placed in Dallas, TX 2 days before"
    )
    basis: MatchBasis
    strength: Literal["strong", "weak"]
    ads_matched: int = 1  # how many ads of this network (or this ad alone) matched on this basis
    days_from_sighting: int | None = None  # ad posted_at minus the tip's date, in days

    def as_dict(self) -> dict[str, object]:
        return {
            "ad_key": self.ad_key,
            "network_id": self.network_id,
            "reason": self.reason,
            "basis": self.basis,
            "strength": self.strength,
            "ads_matched": self.ads_matched,
            "days_from_sighting": self.days_from_sighting,
        }


@dataclass(frozen=True, slots=True)
class Tip:
    """A stored tip as analysts see it, with its current matches to ads and networks."""

    id: int
    reference: str
    created_at: datetime
    variant: Variant
    role: str
    what_seen: str
    where: TipPlace
    when: date  # the date the reporter saw it (their local date)
    when_time: str | None = None
    signs: tuple[str, ...] = ()
    apparent_age: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    online: str | None = None
    room: str | None = None
    vehicle: str | None = None
    contact: str | None = None
    matches: list[TipMatch] = field(default_factory=list)
    status: str = "new"  # new | triaged | in_case | closed
    status_by: str | None = None
    status_at: str | None = None

    @property
    def network_ids(self) -> list[str]:
        """Networks this tip points at, strongest first, without repeats."""
        seen: dict[str, None] = {}
        for m in self.matches:
            if m.network_id:
                seen.setdefault(m.network_id, None)
        return list(seen)
