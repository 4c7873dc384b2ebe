"""Group signals: what an ad's network (or, before linking, the ads sharing its phone) says about it.

`load_groups` reads the facts of the target ads and of every ad in their groups; `GroupScorer` is the
pure step: network-level hits per target ad, the persons of its network each ad advertises, and the
person model's score for the strongest of them (a stand-alone ad is a person of its own), which ranks
the lead queue. Each group is summarised once however many of its ads are targets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from safeharbor.score.catalogue import Catalogue
from safeharbor.score.load import ad_facts, phone_members
from safeharbor.score.network_signals import (
    MAX_PHONE_GROUP_ADS,
    AdFacts,
    GroupHit,
    GroupSummary,
    group_signals,
    merge_group_hits,
)
from safeharbor.score.person_model import score_persons, score_single
from safeharbor.score.tables import PERSON_SEP

PersonScore = tuple[float, dict[str, Any]]  # the person model's logit and evidence
PersonScores = dict[int, PersonScore]  # ad_key -> its strongest person's score


@dataclass(frozen=True)
class GroupInputs:
    """The facts the group step needs: target ads, their groups' other ads, and the groups."""

    facts: Mapping[int, AdFacts]  # every ad of every group a target ad is in
    by_phone: Mapping[str, frozenset[int]]  # phone -> its ads (only before linking)
    by_network: Mapping[str, frozenset[int]]  # network -> its ads


@dataclass
class GroupResult:
    target: frozenset[int]  # the ads whose group signals were recomputed
    hits: dict[int, dict[str, GroupHit]] = field(default_factory=dict)  # network-level hits per ad
    person_of: dict[int, str] = field(default_factory=dict)  # the persons each ad advertises
    ranked: PersonScores = field(default_factory=dict)  # the strongest person's score per ad


def load_groups(conn: Connection, target: frozenset[int], networks: Mapping[int, str]) -> GroupInputs:
    """Read the facts of the target ads and of the other ads of their networks (or phone groups)."""
    by_network: dict[str, set[int]] = defaultdict(set)
    for key, nid in networks.items():
        by_network[nid].add(key)
    own = ad_facts(conn, sorted(target))
    # Phone groups stand in for networks only until the link stage has run: afterwards a phone's ads are
    # part of its network, and a phone the link stage cut (a junk number shared by unrelated posters)
    # would join persons of different operators who share a working name.
    phones = set() if networks else {p for f in own.values() for p in f.phones}
    by_phone = {p: m for p, m in phone_members(conn, phones).items() if 2 <= len(m) <= MAX_PHONE_GROUP_ADS}
    universe = set(target)
    for members in by_phone.values():
        universe |= members
    for key in target:
        if key in networks:
            universe |= by_network[networks[key]]
    facts = {**own, **ad_facts(conn, sorted(universe - set(own)))}
    return GroupInputs(
        facts=facts,
        by_phone={p: frozenset(m) for p, m in by_phone.items()},
        by_network={n: frozenset(m) for n, m in by_network.items()},
    )


class GroupScorer:
    """Scores target ads from their groups; each group's summary and person scores are computed once."""

    def __init__(self, catalogue: Catalogue, inputs: GroupInputs, networks: Mapping[int, str]) -> None:
        self.catalogue = catalogue
        self.indicators = catalogue.of_level("network")
        self.inputs = inputs
        self.networks = networks
        self.titles = {i.id: i.title for i in catalogue.indicators}
        self._summaries: dict[str, GroupSummary] = {}
        self._persons: dict[str, PersonScores] = {}

    def summary(self, kind: str, ident: str, members: frozenset[int]) -> GroupSummary:
        label = f"{kind} {ident}"
        if label not in self._summaries:
            facts = [self.inputs.facts[k] for k in sorted(members) if k in self.inputs.facts]
            self._summaries[label] = group_signals(self.indicators, facts, label)
        return self._summaries[label]

    def person_scores(self, nid: str, net: GroupSummary) -> PersonScores:
        """The person model over the persons of one network (every ad: its strongest person)."""
        weights = self.catalogue.person
        if nid not in self._persons and weights is not None:
            facts = self.inputs.facts
            members = [facts[k] for k in sorted(self.inputs.by_network[nid]) if k in facts]
            split = {name: [facts[k] for k in keys if k in facts] for name, keys in net.persons.items()}
            self._persons[nid] = score_persons(split, members, weights, self.titles)
        return self._persons.get(nid, {})

    def _score_ad(self, key: int, own: AdFacts, result: GroupResult) -> None:
        phones = self.inputs.by_phone
        sums = [self.summary("phone", p, phones[p]) for p in sorted(own.phones) if p in phones]
        nid = self.networks.get(key)
        if nid is not None:
            net = self.summary("network", nid, self.inputs.by_network[nid])
            sums.append(net)
            result.person_of[key] = PERSON_SEP.join(name for name, keys in net.persons.items() if key in keys)
            scored = self.person_scores(nid, net).get(key)
            if scored is not None:
                result.ranked[key] = scored
        elif self.catalogue.person is not None:
            result.ranked[key] = score_single(own, self.catalogue.person, self.titles)
        hits = merge_group_hits(key, sums) if self.indicators else {}
        if hits:
            result.hits[key] = hits

    def score(self, target: frozenset[int]) -> GroupResult:
        result = GroupResult(target=target)
        if not self.indicators and self.catalogue.person is None:
            return result
        for key in sorted(target):
            own = self.inputs.facts.get(key)
            if own is not None:
                self._score_ad(key, own, result)
        return result
