"""Evidence weighed against the corpus: a phrase that many unrelated posters use is weak evidence.

The catalogue says "girl next door" is youth language, and in one ad it may be. But when the ads of a
third of the posters in the loaded data say it, it is a stock descriptor of this corpus, not a sign of a
child. So each text pattern's weight shrinks with how widespread the phrase it matched is:

    p      = posters whose ads show the phrase / posters in the corpus
    factor = 1                                  if p <= KNEE or fewer than MIN_POSTERS posters show it
           = log(1/p) / log(1/KNEE), quantised   otherwise (to steps of 0.1, so scores are stable)

log(1/p) is the information of seeing the phrase; KNEE (10%) is the stated assumption that child
victims' posters are at most one in ten of a corpus's posters (not fitted to any corpus): a phrase
shown by more posters than that is mostly adults', and keeps the share of the knee's information it
still carries (docs/indicators.md, "Evidence weighed against the corpus").

A poster is a link-stage network (all its persons together: one operator writes its ads) or a
stand-alone posting; re-posts and copies count once by construction. The factor multiplies the flag's
weight (its `strength`), in ads, in persons' shares of observations (person_evidence.py) and in the
person pattern (network_signals._person_rate: the value times the mean factor of the observations
showing it), and the flag's note says so ("'fresh face' appears in the ads of 21% of posters here (412
of 1,962): weight x0.7"). An ad with several phrases of one indicator keeps the least discounted.
Decisive indicators (a stated age under 18) and detector-based ones (ages, phones, names) are never
discounted: only what the catalogue matches as text.

Order independence: the factors come from the counts over the whole corpus at scoring time (the
phrases of every scored ad are kept in `score_prevalence`), never from the order ads arrived in. When a
factor changes, every discounted flag takes its new weight and note, and the ads whose flags' strength
changed (`Prevalence.reweighed`: those holding a phrase whose factor moved, where that moved the flag's
factor) are re-scored with their groups and persons; an ad whose flags' strengths did not move scores
exactly as before, so it is not re-scored.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, delete, select, update

from safeharbor.score.catalogue import Catalogue, Indicator
from safeharbor.score.load import ad_texts
from safeharbor.score.model import ScoringModel
from safeharbor.score.tables import score_flags, score_prevalence, score_state
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ads

KNEE = 0.10  # a phrase in the ads of more than 10% of posters is discounted (see the module doc)
MIN_POSTERS = 25  # ... and of at least this many posters (small corpora say little about prevalence)
STEP = 0.1  # factors are quantised to this step
_SPACE = re.compile(r"\s+")
_VS16 = "\ufe0f"
SEP = "\x1f"


def discountable(catalogue: Catalogue) -> list[Indicator]:
    """The indicators weighed against the corpus: ad-level text patterns, never decisive ones."""
    return [i for i in catalogue.of_level("ad") if not i.decisive and i.detector is None]


def phrase_key(text: str) -> str:
    """A matched phrase as it is counted: case, spacing and emoji presentation do not matter."""
    return _SPACE.sub(" ", text.replace(_VS16, "").casefold()).strip()


def factor(posters: int, total: int, *, knee: float = KNEE, min_posters: int = MIN_POSTERS) -> float:
    """The weight factor of a phrase shown by `posters` of `total` posters (see the module doc)."""
    if total <= 0 or posters < min_posters:
        return 1.0
    p = min(1.0, posters / total)
    if p <= knee:
        return 1.0
    raw = math.log(1.0 / p) / math.log(1.0 / knee)
    return round(round(raw / STEP) * STEP, 2)


@dataclass(frozen=True)
class Discount:
    indicator: str
    phrase: str
    posters: int
    total: int
    factor: float

    def note(self) -> str:
        share = self.posters / self.total
        return (
            f"'{self.phrase}' appears in the ads of {share:.0%} of posters here ({self.posters:,} of "
            f"{self.total:,}): weight x{self.factor:g}"
        )


@dataclass
class Prevalence:
    """The discounted phrases of the corpus, and which flags they touch."""

    total: int = 0
    discounts: dict[tuple[str, str], Discount] = field(default_factory=dict)
    phrases: dict[tuple[int, str], set[str]] = field(default_factory=dict)  # (ad, indicator) -> phrases
    # Ads some of whose flags' strength differs from what the previous factors gave (`measure`'s
    # `previous`); None when no previous factors were given.
    reweighed: frozenset[int] | None = None

    def state(self) -> dict[str, float]:
        """What the stored scores were computed with (compared run to run)."""
        return {f"{i}{SEP}{p}": d.factor for (i, p), d in sorted(self.discounts.items())}

    def counts(self) -> dict[str, int]:
        """How many posters show each discounted phrase (kept for `safeharbor indicators --corpus`)."""
        return {f"{i}{SEP}{p}": d.posters for (i, p), d in sorted(self.discounts.items())}

    def flag(self, ad_key: int, indicator: str) -> Discount | None:
        """The discount of one flag: its least discounted phrase's (None when one is not discounted)."""
        found = [self.discounts.get((indicator, p)) for p in self.phrases.get((ad_key, indicator), ())]
        if not found or any(d is None for d in found):
            return None
        return max((d for d in found if d is not None), key=lambda d: (d.factor, d.phrase))


def stored_discounts(conn: Connection) -> list[Discount]:
    """The discounts the stored scores were computed with (the last `analyze`), most discounted first."""
    state = dict(
        conn.execute(
            select(score_state.c.key, score_state.c.value).where(
                score_state.c.key.in_(["discounts", "discount_posters", "posters"])
            )
        ).all()
    )
    factors, counts, total = (
        state.get("discounts") or {},
        state.get("discount_posters") or {},
        state.get("posters"),
    )
    found = []
    for key, f in factors.items():
        indicator, phrase = key.split(SEP, 1)
        found.append(Discount(indicator, phrase, int(counts.get(key, 0)), int(total or 0), float(f)))
    return sorted(found, key=lambda d: (d.factor, d.indicator, d.phrase))


def collect_phrases(store: Store, keys: Sequence[int], indicators: Sequence[Indicator]) -> None:
    """Record the phrases the given indicators matched in these ads (from their stored flags: the
    evidence and the further spans), replacing what was recorded for them."""
    ids = [i.id for i in indicators]
    if not keys or not ids:
        return
    for chunk in sorted_chunks(keys):
        with store.begin() as conn:
            columns = (
                score_flags.c.ad_key,
                score_flags.c.indicator,
                score_flags.c.evidence,
                score_flags.c.also,
            )
            query = select(*columns).where(score_flags.c.ad_key.in_(chunk), score_flags.c.indicator.in_(ids))
            flags = conn.execute(query).all()
            texts = {a.ad_key: a for a in ad_texts(conn, sorted({f.ad_key for f in flags if f.also}))}
            rows: set[tuple[int, str, str]] = set()
            for key, indicator, evidence, also in flags:
                rows.add((key, indicator, phrase_key(evidence)))
                ad = texts.get(key)
                for where, start, end in also or ():
                    if ad is not None:
                        rows.add((key, indicator, phrase_key(ad.field_text(where)[start:end])))
            conn.execute(
                delete(score_prevalence).where(
                    score_prevalence.c.ad_key.in_(chunk), score_prevalence.c.indicator.in_(ids)
                )
            )
            if rows:
                conn.execute(
                    score_prevalence.insert(),
                    [{"ad_key": k, "indicator": i, "phrase": p} for k, i, p in sorted(rows) if p],
                )


def posters_of(conn: Connection, networks: Mapping[int, str]) -> dict[int, str]:
    """Every ad's poster: its network, else its posting (all versions of one posting are one)."""
    out: dict[int, str] = {}
    labels: dict[str, str] = {}  # one label per network, shared by its ads
    for key, source, ad_id in conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id)):
        nid = networks.get(key)
        if nid:
            label = labels.get(nid)
            out[key] = label if label is not None else labels.setdefault(nid, f"n{SEP}{nid}")
        else:
            out[key] = f"a{SEP}{source}{SEP}{ad_id}"
    return out


def flag_strength(factors: Mapping[str, float], indicator: str, phrases: Iterable[str]) -> float:
    """A flag's strength under these factors (`Prevalence.state()` form): its least discounted
    phrase's factor, 1.0 when one of its phrases is not discounted (as `Prevalence.flag` decides)."""
    found = [factors.get(f"{indicator}{SEP}{p}") for p in phrases]
    if not found or any(f is None for f in found):
        return 1.0
    return max(f for f in found if f is not None)


def _reweighed(
    phrases: Mapping[tuple[int, str], set[str]], previous: Mapping[str, float], now: Mapping[str, float]
) -> frozenset[int]:
    """The ads some flag of which has another strength under `now` than under `previous`: only flags
    holding a phrase whose factor moved can (the rest keep theirs)."""
    moved = {k for k in set(previous) | set(now) if previous.get(k) != now.get(k)}
    if not moved:
        return frozenset()
    out: set[int] = set()
    for (key, indicator), texts in phrases.items():
        if key in out or not any(f"{indicator}{SEP}{p}" in moved for p in texts):
            continue
        if flag_strength(previous, indicator, texts) != flag_strength(now, indicator, texts):
            out.add(key)
    return frozenset(out)


def measure(
    rows: Iterable[tuple[int, str, str]],
    poster: Mapping[int, str],
    *,
    min_posters: int = MIN_POSTERS,
    previous: Mapping[str, float] | None = None,
) -> Prevalence:
    """Pure: the discounts from the corpus's phrases (ad, indicator, phrase) and each ad's poster;
    with `previous` (the factors the stored scores used), also which ads' flags change strength."""
    total = len(set(poster.values()))
    showing: dict[tuple[str, str], set[str]] = defaultdict(set)
    phrases: dict[tuple[int, str], set[str]] = defaultdict(set)
    same: dict[str, str] = {}  # one copy of each phrase and indicator id, not one per row
    for key, indicator, text in rows:
        who = poster.get(key)
        if who is None:
            continue
        phrase = same.setdefault(text, text)
        indicator = same.setdefault(indicator, indicator)
        showing[(indicator, phrase)].add(who)
        phrases[(key, indicator)].add(phrase)
    found = Prevalence(total=total, phrases=dict(phrases))
    for (indicator, phrase), posters in showing.items():
        f = factor(len(posters), total, min_posters=min_posters)
        if f < 1.0:
            found.discounts[(indicator, phrase)] = Discount(indicator, phrase, len(posters), total, f)
    if previous is not None:
        found.reweighed = _reweighed(phrases, previous, found.state())
    found.phrases = {k: v for k, v in found.phrases.items() if any((k[1], p) in found.discounts for p in v)}
    return found


def _note(
    found: Mapping[str, float], counts: Mapping[str, int], total: int, indicator: str, phrases: Iterable[str]
) -> str | None:
    """The note a flag gets under these factors and counts (as `Prevalence.flag(...).note()`)."""
    shown = [(found.get(f"{indicator}{SEP}{p}"), p) for p in phrases]
    if not shown or any(f is None for f, _ in shown):
        return None
    f, phrase = max((f, p) for f, p in shown if f is not None)
    posters = int(counts.get(f"{indicator}{SEP}{phrase}", 0))
    return Discount(indicator, phrase, posters, total, f).note() if total else None


def renoted(
    found: Prevalence, factors: Mapping[str, float], counts: Mapping[str, int], total: int
) -> set[int]:
    """The ads with a discounted flag whose note (its phrase's share of posters) differs from the one
    the stored factors, counts and total gave: their stored notes change, though not their strength."""
    if found.total != total:  # every note names the total: all of them moved
        return {key for key, _ in found.phrases}
    now_factors, now_counts = found.state(), found.counts()
    return {
        key
        for (key, indicator), phrases in found.phrases.items()
        if _note(now_factors, now_counts, found.total, indicator, phrases)
        != _note(factors, counts, total, indicator, phrases)
    }


def corpus_prevalence(
    store: Store, networks: Mapping[int, str], previous: Mapping[str, float] | None = None
) -> Prevalence:
    with store.connect() as conn:
        poster = posters_of(conn, networks)
        rows = conn.execute(
            select(score_prevalence.c.ad_key, score_prevalence.c.indicator, score_prevalence.c.phrase)
        )
        return measure(((k, i, p) for k, i, p in rows), poster, min_posters=MIN_POSTERS, previous=previous)


def apply_discounts(
    store: Store,
    found: Prevalence,
    model: ScoringModel,
    indicators: Sequence[Indicator],
    keys: Iterable[int] | None,
) -> None:
    """Give flags their corpus weight: every discountable flag (keys None) or those of these ads.
    Flags with no discount go back to full strength."""
    ids = [i.id for i in indicators]
    if not ids:
        return
    with store.begin() as conn:
        if keys is None:
            for ind in ids:
                conn.execute(
                    update(score_flags)
                    .where(and_(score_flags.c.indicator == ind, score_flags.c.strength != 1.0))
                    .values(strength=1.0, weight=model.weight(ind), note="")
                )
            targets = {k for k, _ in found.phrases}
        else:
            targets = set(keys) & {k for k, _ in found.phrases}
        by_discount: dict[tuple[str, float, str], list[int]] = defaultdict(list)
        for key, ind in found.phrases:
            if ind in ids and key in targets:
                d = found.flag(key, ind)
                if d is not None:
                    by_discount[(ind, d.factor, d.note())].append(key)
        for (ind, f, note), members in sorted(by_discount.items()):
            for chunk in sorted_chunks(members):
                conn.execute(
                    update(score_flags)
                    .where(score_flags.c.indicator == ind, score_flags.c.ad_key.in_(chunk))
                    .values(strength=f, weight=f * model.weight(ind), note=note)
                )
