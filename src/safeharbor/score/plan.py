"""What a scoring run has to do: a pure decision from what is stored and what changed.

`plan_scoring` turns the state of the last run (catalogue hashes, the model's hash, which ads were scored
with which extraction and network) and the current corpus into a `ScorePlan`: whether to rebuild, which
indicators to re-match on which ads, which ads need their phone/network signals recomputed, which ads
to re-combine and which networks to roll up again. No database: the incremental rules are unit-tested
on plain values (tests/test_score_plan.py), and run.py only carries the plan out.

The rules (150,000 new ads a day must not re-score millions):
- an ad is matched once, and again when its extraction changes; an indicator whose patterns changed is
  re-matched on every ad, alone; a removed indicator's flags are dropped;
- group (phone/network) signals: for every ad when an indicator or the person model changed, else for
  new ads, ads that moved network, and every ad of the networks those touch (before linking: of the
  phone groups the new ads share; `expand_by_phone`, resolved by run.py since it needs a read);
- a changed weight (or fitted model) re-combines every ad from its stored flags, without re-matching,
  and re-scores every person (persons are scored with the same weights);
- a moved corpus discount (prevalence.py) re-groups and re-combines the ads whose flags' strengths it
  moved and every ad of their networks, and so does an image cut (or restored) by the link stage for
  the ads that show it (`regrouped`; run.py learns which ads with a read).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from safeharbor.score.catalogue import Catalogue, Indicator

# Bump when the scoring code changes what it computes (detectors, person grouping): everything is re-scored.
SCORER_VERSION = "5"


@dataclass(frozen=True)
class Scored:
    """What an ad was last scored with."""

    extract_version: str
    network_id: str | None


@dataclass(frozen=True)
class ScoreInputs:
    """Everything the plan depends on, as read from the store (run.load_inputs)."""

    state: Mapping[str, Any]  # score_state of the last run ({} when never scored)
    keys: Sequence[int]  # every ad, in key order
    extract_versions: Mapping[int, str]
    scored: Mapping[int, Scored]
    networks: Mapping[int, str]  # ad_key -> network id from the link stage ({} before linking)
    has_leads: bool  # whether the lead table holds anything
    model_hash: str  # the hash of the weights in use (a fitted model or the catalogue's)


@dataclass(frozen=True)
class ScorePlan:
    rebuild: bool
    keys: tuple[int, ...]
    new_keys: tuple[int, ...]  # never scored, or extracted again since
    old_keys: tuple[int, ...]
    ad_level: tuple[Indicator, ...]  # every ad-level indicator (matched on new ads)
    changed: tuple[Indicator, ...]  # indicators whose patterns changed (re-matched on old ads)
    removed: tuple[str, ...]  # indicators no longer in the catalogue
    networks: Mapping[int, str]
    moved: frozenset[int]  # old ads whose network changed
    previous_networks: frozenset[str]  # the networks moved ads left
    target: frozenset[int]  # ads whose group signals are recomputed
    expand_by_phone: bool  # add the phone groups of the new ads to `target` (no networks yet)
    reweigh: bool  # stored flags take new weights
    combine_all: bool  # re-combine every ad (else the target and the new ads)
    full_leads: bool  # rebuild the whole lead queue
    extract_versions: Mapping[int, str] = field(default_factory=dict)
    new_state: Mapping[str, Any] = field(default_factory=dict)  # score_state after this run
    relead: frozenset[int] = frozenset()  # further ads whose leads are rewritten (their flags' notes moved)

    @property
    def changed_ad(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.changed if i.level == "ad")

    @property
    def rematched(self) -> list[str]:
        return [i.id for i in self.changed] + [f"{r} (removed)" for r in self.removed]

    @property
    def matched(self) -> int:
        return len(self.new_keys) + (len(self.old_keys) if self.changed_ad else 0)

    @property
    def combine(self) -> frozenset[int]:
        return frozenset(self.keys) if self.combine_all else self.target | frozenset(self.new_keys)

    @property
    def touched_networks(self) -> frozenset[str]:
        """Networks whose roll-up must be recomputed: those of re-combined ads, and those ads left."""
        if not self.networks:
            return frozenset()
        return (
            frozenset(self.networks[k] for k in self.combine if k in self.networks) | self.previous_networks
        )

    def everything(self) -> ScorePlan:
        """The plan with every ad re-grouped and re-combined (the corpus's discounts changed)."""
        return replace(self, target=frozenset(self.keys), expand_by_phone=False, combine_all=True)

    def regrouped(
        self,
        ads: frozenset[int],
        neighbours: frozenset[int] = frozenset(),
        relead: frozenset[int] = frozenset(),
    ) -> ScorePlan:
        """The plan once some old ads' group facts changed (a corpus discount moved their flags'
        strengths, or the link stage cut or restored an image they show): `ads` are re-grouped and
        re-combined with every ad of their networks (whose signals and persons read those facts), and
        with `neighbours` (before linking: the ads sharing their phones). Of `relead` (ads whose flag
        notes moved), the stand-alone ones get their lead rewritten: a network's lead shows no ad
        flag's note."""
        nets = {self.networks[k] for k in ads if k in self.networks}
        members = frozenset(k for k, nid in self.networks.items() if nid in nets) if nets else frozenset()
        alone = frozenset(k for k in relead if k not in self.networks)
        return replace(self, target=self.target | ads | members | neighbours, relead=self.relead | alone)

    def with_state(self, **more: Any) -> ScorePlan:
        """The plan with more to record in score_state after this run."""
        return replace(self, new_state={**self.new_state, **more})

    def widened(self, extra: frozenset[int]) -> ScorePlan:
        """The plan with more ads in its group-signal target (the phone groups of new ads)."""
        return replace(self, target=self.target | extra, expand_by_phone=False)


def _target(
    inputs: ScoreInputs, full: bool, new: frozenset[int], moved: frozenset[int]
) -> tuple[frozenset[int], bool]:
    if full:
        return frozenset(inputs.keys), False
    target = new | moved
    if not inputs.networks:
        return target, True
    touched = {inputs.networks.get(k) for k in target} | {inputs.scored[k].network_id for k in moved}
    touched.discard(None)
    return target | {k for k, nid in inputs.networks.items() if nid in touched}, False


def plan_scoring(inputs: ScoreInputs, catalogue: Catalogue, *, rebuild: bool = False) -> ScorePlan:
    """Decide what this run re-matches, re-groups, re-combines and rolls up (see the module doc)."""
    state: Mapping[str, Any] = {} if rebuild else inputs.state
    if state and state.get("scorer_version") != SCORER_VERSION:
        rebuild, state = True, {}
    scored: Mapping[int, Scored] = {} if rebuild else inputs.scored
    old_hashes: Mapping[str, str] = state.get("match_hashes") or {}
    new_hashes = catalogue.match_hashes()
    changed = (
        tuple(i for i in catalogue.indicators if old_hashes.get(i.id) != new_hashes[i.id]) if scored else ()
    )
    removed = tuple(sorted(set(old_hashes) - set(new_hashes)))
    new_keys = tuple(
        k
        for k in inputs.keys
        if k not in scored or scored[k].extract_version != inputs.extract_versions.get(k, "")
    )
    new = frozenset(new_keys)
    old_keys = tuple(k for k in inputs.keys if k not in new)
    moved = frozenset(k for k in old_keys if inputs.networks.get(k) != scored[k].network_id)
    person_changed = state.get("person_hash", "") != catalogue.person_hash()
    weights_changed = state.get("model_hash") != inputs.model_hash
    # Persons are scored with the model's weights (person_evidence.py): new weights re-score them all.
    full = bool(changed or removed or not scored or person_changed or weights_changed)
    target, expand = _target(replace(inputs, scored=scored), full, new, moved)
    changed_ad = any(i.level == "ad" for i in changed)
    return ScorePlan(
        rebuild=rebuild,
        keys=tuple(inputs.keys),
        new_keys=new_keys,
        old_keys=old_keys,
        ad_level=tuple(catalogue.of_level("ad")),
        changed=changed,
        removed=removed,
        networks=inputs.networks,
        moved=moved,
        previous_networks=frozenset(n for k in moved if (n := scored[k].network_id)),
        target=target,
        expand_by_phone=expand,
        reweigh=weights_changed and bool(scored),
        combine_all=bool(weights_changed or changed_ad or removed),
        full_leads=rebuild or not scored or not inputs.has_leads,
        extract_versions=inputs.extract_versions,
        new_state={
            "scorer_version": SCORER_VERSION,
            "match_hashes": new_hashes,
            "model_hash": inputs.model_hash,
            "catalogue_hash": catalogue.hash(),
            "person_hash": catalogue.person_hash(),
        },
    )
