"""Signals that need several ads: the same phone or network seen across its ads.

A network's ads (or, when linking has not run, the ads sharing a phone number) can show what no single
ad does: a person advertised as 19 in one city and 22 in another, many working names behind one phone,
a fast circuit through cities. Each ad in the group inherits these signals as network-level flags
(no text span: the evidence is spread over several ads, and the note says where to look).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from scipy.special import betaincc

from safeharbor.score.catalogue import Indicator

# A "phone" used by hundreds of ads is a shared identifier (a booking line, a junk number copied by
# unrelated posters), not one person's phone; its group signals would be noise.
MAX_PHONE_GROUP_ADS = 250
# The ad-level indicator that says an ad advertises several persons ("2 girls", "duo", two names).
MULTI_PERSON_HINT = "several_persons"


@dataclass(frozen=True, slots=True)
class AdFacts:
    """What the group detectors need from one ad (slots: one is held per target ad, ~100k-1M at once)."""

    ad_key: int
    posted_at: datetime
    ages: tuple[int, ...] = ()
    names: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    city: str | None = None
    state: str | None = None
    indicators: frozenset[str] = frozenset()  # ad-level indicators that fired on this ad
    images: frozenset[str] = frozenset()  # image groups (near-identical perceptual hashes) it shows
    ref: str = ""  # source, ad id and version: orders ads by content, never by internal key
    template: str = ""  # what the ad says, without names, place and numbers (load.template_key)
    # Indicators whose weight the corpus discounts in this ad (score/prevalence.py): (indicator, factor).
    discounted: tuple[tuple[str, float], ...] = ()

    def strength(self, indicator: str) -> float:
        """How much of an indicator that fired counts here: 1, or less for a phrase widespread in the
        corpus (0 when it did not fire)."""
        if indicator not in self.indicators:
            return 0.0
        return next((f for i, f in self.discounted if i == indicator), 1.0)

    def strongest(self, of: set[str] | frozenset[str]) -> float:
        """The largest strength among these indicators (0 when none fired)."""
        return max((self.strength(i) for i in self.indicators & of), default=0.0)


@dataclass(frozen=True)
class GroupHit:
    indicator: str
    evidence: str
    note: str
    value: float = 1.0  # feature value 0..1 (graded signals such as a share); contribution = weight * value


@dataclass
class GroupSummary:
    label: str
    n_ads: int
    hits: list[GroupHit] = field(default_factory=list)  # apply to every ad of the group
    per_ad: dict[int, list[GroupHit]] = field(default_factory=dict)  # apply to one person's ads
    persons: dict[str, list[int]] = field(default_factory=dict)  # person label -> their ads' keys

    def hits_for(self, ad_key: int) -> list[GroupHit]:
        return self.hits + self.per_ad.get(ad_key, [])


def persons(members: Sequence[AdFacts]) -> dict[str, list[AdFacts]]:
    """A group's ads split into persons, as far as the ads tell: ads that share a working name or a
    photo (near-identical image) are taken to advertise the same person. Ads with neither are left out.

    Keyed by a readable label (the person's most used name, else "photo <hash>")."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def tokens(m: AdFacts) -> list[str]:
        return [f"n:{n}" for n in sorted(m.names)] + [f"i:{i}" for i in sorted(m.images)]

    for m in members:
        own = tokens(m)
        for t in own:
            find(t)
        if len(m.names) > 1 or MULTI_PERSON_HINT in m.indicators:
            continue  # an ad for several persons would join them into one; it counts for each instead
        for t in own[1:]:
            a, b = find(own[0]), find(t)
            if a != b:
                parent[max(a, b)] = min(a, b)
    clusters: dict[str, list[AdFacts]] = {}
    for m in members:
        for root in dict.fromkeys(find(t) for t in tokens(m)):
            clusters.setdefault(root, []).append(m)
    out: dict[str, list[AdFacts]] = {}
    for ads in clusters.values():
        names = [n for m in ads for n in m.names]
        if names:
            label = max(sorted(set(names)), key=names.count).title()
        else:
            label = "photo " + min(i for m in ads for i in m.images)[:8]
        base, n = label, 1
        while label in out:  # two persons using one name: keep them apart, and say so
            n += 1
            label = f"{base} ({n})"
        out[label] = ads
    return out


Persons = dict[str, list[AdFacts]]


def persons_ages(ads: Sequence[AdFacts]) -> list[AdFacts]:
    """A person's ads that state an age for them: an age next to one name is that person's."""
    return [m for m in ads if m.ages and len(m.names) <= 1]


def _age_counts(aged: Sequence[AdFacts]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for m in aged:
        for a in set(m.ages):
            counts[a] = counts.get(a, 0) + 1
    return counts


def usual_age(aged: Sequence[AdFacts]) -> int:
    """The age a person is most often advertised with (the younger one on a tie)."""
    counts = _age_counts(aged)
    return max(counts, key=lambda a: (counts[a], -a))


def _age_changes(ind: Indicator, found: Persons, label: str) -> dict[int, GroupHit]:
    """Per person: ads whose stated age is not the person's usual one (19 here, 21 in the next city)."""
    min_ads = int(ind.params.get("min_ads", 3))
    min_changed = int(ind.params.get("min_changed", 2))
    min_share = float(ind.params.get("min_share", 0.2))
    out: dict[int, GroupHit] = {}
    for name, ads in found.items():
        aged = persons_ages(ads)
        if len(aged) < min_ads:
            continue
        counts = _age_counts(aged)
        usual = usual_age(aged)
        changed = sum(1 for m in aged if usual not in m.ages)
        share = changed / len(aged)
        if changed < min_changed or share < min_share:
            continue
        ages = ", ".join(str(a) for a in sorted(counts))
        hit = GroupHit(
            ind.id,
            f"{name}: ages {ages}",
            f"{label}: ads of {name} (same name or photos) state ages {ages}; {changed} of {len(aged)} "
            f"differ from the usual {usual}",
        )
        for m in ads:
            out[m.ad_key] = hit
    return out


def _person_share(ind: Indicator, found: Persons, label: str) -> dict[int, GroupHit]:
    """Per person: the share of their ads on which any of the given ad-level indicators fired.

    Graded: the flag's value is the share, shrunk towards `prior_share` for persons with few ads, so a
    person whose every ad uses youth language counts more than one who uses it now and then."""
    of = set(ind.params.get("of", []))
    min_ads = int(ind.params.get("min_ads", 3))
    min_share = float(ind.params.get("min_share", 0.25))
    prior, prior_ads = float(ind.params.get("prior_share", 0.15)), float(ind.params.get("prior_ads", 2))
    out: dict[int, GroupHit] = {}
    for name, ads in found.items():
        if len(ads) < min_ads:
            continue
        fired = sum(1 for m in ads if m.indicators & of)
        share = (fired + prior * prior_ads) / (len(ads) + prior_ads)
        if share < min_share:
            continue
        hit = GroupHit(
            ind.id,
            f"{name}: {fired} of {len(ads)} ads",
            f"{label}: {fired} of {len(ads)} ads of {name} (same name or photos) show "
            f"{', '.join(sorted(of))}",
            round(share, 3),
        )
        for m in ads:
            out[m.ad_key] = hit
    return out


def distinct_ads(ads: Sequence[AdFacts], days: float) -> list[AdFacts]:
    """A person's ads with re-posts collapsed: an ad in the same city with the same indicators as one
    posted less than `days` before it is taken as a re-post (copied text) and counts once, so a
    phrase copied into five re-posts is one piece of evidence, not five."""
    window = timedelta(days=days)
    last: dict[tuple[str | None, frozenset[str]], datetime] = {}
    kept: list[AdFacts] = []
    for m in sorted(ads, key=lambda m: (m.posted_at, m.ref)):
        key = (m.city, m.indicators)
        seen = last.get(key)
        if seen is None or m.posted_at - seen > window:
            kept.append(m)
        last[key] = m.posted_at
    return kept


def signature(ad: AdFacts) -> tuple[str, frozenset[str]]:
    """One observation: ads with the same template (the same words once names, place and numbers are
    left out) and the same evidence are re-posts or copies, whatever their city or date."""
    return ad.template or ad.ref or str(ad.ad_key), ad.indicators


def observations(ads: Sequence[AdFacts]) -> list[AdFacts]:
    """One ad per independent observation (the earliest, by content, not by internal key): re-posts and
    copies of one template count once, so 219 copies of one ad are one piece of evidence, not 219."""
    seen: dict[tuple[str, frozenset[str]], AdFacts] = {}
    for ad in sorted(ads, key=lambda a: (a.posted_at, a.ref)):
        seen.setdefault(signature(ad), ad)
    return list(seen.values())


def _person_rate(ind: Indicator, found: Persons, label: str) -> dict[int, GroupHit]:
    """Per person: how sure we are that the share of their ads showing the given ad-level indicators
    is above `above` (a rate adults' ads rarely reach), given k of their n independent observations
    show them (re-posts and one template's copies count once: `observations`).

    The value is the posterior probability P(rate > above) under a Beta(prior_a, prior_b) prior, so it
    grows with the evidence: 2 of 3 ads is suggestive, 12 of 20 nearly certain, 2 of 20 nearly nil.
    One ad's chance phrase barely moves it; a person whose ads keep showing the signal counts fully."""
    of = set(ind.params.get("of", []))
    min_ads = int(ind.params.get("min_ads", 2))
    above = float(ind.params.get("above", 0.3))
    prior_a, prior_b = float(ind.params.get("prior_a", 1.0)), float(ind.params.get("prior_b", 3.0))
    min_value = float(ind.params.get("min_value", 0.2))
    repost_days = float(ind.params.get("repost_days", 3))
    out: dict[int, GroupHit] = {}
    for name, ads in found.items():
        distinct = observations(distinct_ads(ads, repost_days))
        if len(distinct) < min_ads:
            continue
        # A habit of phrases widespread in the corpus is a habit of this corpus, not a sign of a child:
        # the pattern's value is scaled by the mean corpus factor of the observations that show it
        # (score/prevalence.py; 1 when none of their phrases is widespread).
        shown = [m.strongest(of) for m in distinct if m.indicators & of]
        fired = len(shown)
        factor = round(sum(shown) / fired, 3) if fired else 1.0
        # P(rate > above) for rate ~ Beta(a, b): the regularised upper incomplete beta function, the
        # same Boost routine scipy.stats.beta.sf calls (identical values, tested), without its ~90 us
        # of argument handling per call or the import of scipy.stats in every stage process.
        value = float(betaincc(prior_a + fired, prior_b + len(distinct) - fired, above)) * factor
        if value < min_value:
            continue
        widespread = f"; phrases widespread in the corpus: weight x{factor:g}" if factor < 1.0 else ""
        hit = GroupHit(
            ind.id,
            f"{name}: {fired} of {len(distinct)} ads",
            f"{label}: {fired} of {len(distinct)} ads of {name} (same name or photos; re-posts and "
            f"copies of one template counted once) show {', '.join(sorted(of))}; "
            f"{value / factor:.0%} likely that more than {above:.0%} of their ads do{widespread}",
            round(value, 3),
        )
        for m in ads:
            out[m.ad_key] = hit
    return out


def _persons_per_contact(ind: Indicator, members: Sequence[AdFacts], label: str) -> GroupHit | None:
    names = sorted({n for m in members for n in m.names})
    if len(names) < int(ind.params.get("min", 3)):
        return None
    shown = ", ".join(names[:6]) + (" ..." if len(names) > 6 else "")
    return GroupHit(ind.id, f"{len(names)} names", f"{label} advertises {len(names)} working names: {shown}")


def _circuit(ind: Indicator, members: Sequence[AdFacts], label: str) -> GroupHit | None:
    within = timedelta(days=float(ind.params.get("within_days", 21)))
    need = int(ind.params.get("min_cities", 3))
    visits = sorted((m.posted_at, f"{m.city}, {m.state}") for m in members if m.city)
    best: list[str] = []
    lo = 0
    for hi in range(len(visits)):
        while visits[hi][0] - visits[lo][0] > within:
            lo += 1
        window = list(dict.fromkeys(city for _, city in visits[lo : hi + 1]))
        if len(window) > len(best):
            best = window
    if len(best) < need:
        return None
    days = within.days
    return GroupHit(
        ind.id,
        f"{len(best)} cities in {days} days",
        f"{label} posted in {len(best)} cities within {days} days: {'; '.join(best[:6])}",
    )


_GROUP_DETECTORS = {"persons_per_contact": _persons_per_contact, "fast_circuit": _circuit}
_PERSON_DETECTORS = {"age_changes": _age_changes, "person_share": _person_share, "person_rate": _person_rate}


def group_signals(indicators: Iterable[Indicator], members: Sequence[AdFacts], label: str) -> GroupSummary:
    """Network-level indicators that fire on this group of ads."""
    summary = GroupSummary(label=label, n_ads=len(members))
    if len(members) < 2:
        return summary
    found = persons(members)  # once per group: every person-level detector uses the same split
    summary.persons = {name: [m.ad_key for m in ads] for name, ads in found.items()}
    for ind in indicators:
        if ind.level != "network" or ind.detector is None:
            continue
        if ind.detector in _GROUP_DETECTORS:
            hit = _GROUP_DETECTORS[ind.detector](ind, members, label)
            if hit is not None:
                summary.hits.append(hit)
        elif ind.detector in _PERSON_DETECTORS:
            for ad_key, person_hit in _PERSON_DETECTORS[ind.detector](ind, found, label).items():
                summary.per_ad.setdefault(ad_key, []).append(person_hit)
    return summary


def phone_groups(facts: Iterable[AdFacts]) -> dict[str, list[AdFacts]]:
    """Ads grouped by each phone they show (an ad with two phones is in two groups)."""
    groups: dict[str, list[AdFacts]] = {}
    for f in facts:
        for phone in f.phones:
            groups.setdefault(phone, []).append(f)
    return {p: g for p, g in groups.items() if 2 <= len(g) <= MAX_PHONE_GROUP_ADS}


def merge_group_hits(ad_key: int, summaries: Iterable[GroupSummary]) -> dict[str, GroupHit]:
    """For one ad in several groups (its phones, its network), keep the strongest hit per indicator."""
    best: dict[str, GroupHit] = {}
    for summary in summaries:
        for hit in summary.hits_for(ad_key):
            if hit.indicator not in best or hit.value > best[hit.indicator].value:
                best[hit.indicator] = hit
    return best
