"""The precomputed lead queue (`score_leads`, `score_lead_ads`), kept up to date by `update_scores`.

One lead per network and one per stand-alone posting (its versions count once). Each lead carries the
columns the queue shows (place, dates, title, top reasons) and its ranking score, so that a page of
the queue is one indexed query however many ads there are.

Ranking score (documented in docs/indicators.md): a network involves a child victim when one of the
*persons* it advertises is a child, so a lead ranks by the person model's estimate for the strongest
person behind it (score/person_model.py: counts over that person's distinct ads of what is shown and
what is not), `rank = sigmoid(max over persons of person logit)`. A stand-alone ad is one person with
one ad. The maximum over ads (the exported network `risk`, docs/formats.md) lets one ad's chance phrases in
a large adult network put the whole network on top; the person model weighs them against the
person's other ads. Without a `person_model` in the catalogue, a network ranks by its strongest
person's mean log-odds and a stand-alone ad by its risk.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from sqlalchemy import Connection, delete, select, tuple_

from safeharbor.score.load import Interned
from safeharbor.score.odds import sigmoid
from safeharbor.score.queries import Flag, NetworkScore, flags_for_ads, network_scores
from safeharbor.score.tables import (
    FACET_COLUMNS,
    PERSON_SEP,
    score_ads,
    score_lead_ads,
    score_lead_facets,
    score_leads,
)
from safeharbor.storage.batching import chunks, sorted_chunks
from safeharbor.storage.engine import Store, bulk_insert
from safeharbor.storage.schema import ad_places, ads

log = logging.getLogger(__name__)

TOP_REASONS = 4
UNASSIGNED = ""  # ads no person was found for


@dataclass(frozen=True, slots=True)
class AdRow:
    ad_key: int
    risk: float
    logit: float
    network_id: str | None
    persons: tuple[str, ...]
    source: str
    ad_id: str
    posted_at: str
    title: str | None
    city: str | None
    state: str | None
    person_logit: float | None = None
    person_evidence: dict[str, Any] | None = None


@dataclass(frozen=True, order=True)
class LeadId:
    """A lead's id: a network (`network:<id>`) or a stand-alone posting (`ad:<ad_key of its top version>`)."""

    kind: Literal["network", "ad"]
    ref: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.ref}"

    @classmethod
    def parse(cls, text: str) -> LeadId:
        kind, _, ref = text.partition(":")
        if kind not in ("network", "ad") or not ref:
            raise ValueError(f"not a lead id: {text!r}")
        return cls("network" if kind == "network" else "ad", ref)


def _content(r: AdRow) -> tuple[str, str, str]:
    """Orders ads by what they are (first posted, then source and id), never by internal key, so that
    ties resolve the same way whatever order the ads were loaded in."""
    return (r.posted_at or "", r.source, r.ad_id)


def _top(rows: Sequence[AdRow]) -> AdRow:
    """The highest-risk ad (the earliest posted, by content, on a tie)."""
    return min(rows, key=lambda r: (-r.risk, _content(r)))


EVIDENCE_BASIS = {
    "person model: the strongest person's distinct ads": "evidence: the strongest person's observations",
    "person model: one ad": "evidence: one ad",
}


def _strongest_person(rows: Sequence[AdRow], basis: str) -> tuple[float, dict[str, Any]] | None:
    """The strongest person among these ads' stored person scores, and what it rests on."""
    scored = [r for r in rows if r.person_logit is not None]
    if not scored:
        return None
    top = min(scored, key=lambda r: (-(r.person_logit or 0.0), _content(r)))
    evidence = top.person_evidence or {}
    if evidence.get("basis") == "evidence":
        basis = EVIDENCE_BASIS[basis]
    return sigmoid(top.person_logit or 0.0), {
        "basis": basis,
        "person": evidence.get("person"),
        "person_ads": evidence.get("ads"),
        "evidence": evidence.get("reasons", []),
    }


def network_rank(members: Sequence[AdRow]) -> tuple[float, dict[str, Any]]:
    """Ranking score of a network from its ads: the person model's strongest person (see module doc)."""
    labels = {p for row in members for p in row.persons}
    found = _strongest_person(members, "person model: the strongest person's distinct ads")
    if found is not None:
        strong = {
            str((r.person_evidence or {}).get("person"))
            for r in members
            if r.person_logit is not None
            and r.person_logit >= 0.0
            and (r.person_evidence or {}).get("person") in labels
        }
        found[1].update(persons=len(labels), persons_above_half=sorted(strong)[:8])
        return found
    by_person: dict[str, list[float]] = defaultdict(list)
    for row in members:
        for person in row.persons or (UNASSIGNED,):
            by_person[person].append(row.logit)
    means = {p: sum(v) / len(v) for p, v in by_person.items()}
    top = max(means, key=lambda p: (means[p], p))
    above = sorted(p for p, m in means.items() if p != UNASSIGNED and m >= 0.0)
    summary = {
        "basis": "strongest person's mean log-odds",
        "person": top or "ads with no name or photo in common",
        "person_ads": len(by_person[top]),
        "persons": sum(1 for p in means if p != UNASSIGNED),
        "persons_above_half": above[:8],
    }
    return sigmoid(means[top]), summary


def ad_rank(versions: Sequence[AdRow]) -> tuple[float, dict[str, Any]]:
    """Ranking score of a stand-alone posting (its versions): the person model on the ad, else its risk."""
    found = _strongest_person(versions, "person model: one ad")
    if found is None:
        return max(r.risk for r in versions), {"basis": "the ad's risk"}
    return found


def _usual(values: Iterable[tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    counts: dict[tuple[str, str | None], int] = defaultdict(int)
    for city, state in values:
        if city:
            counts[(city, state)] += 1
    if not counts:
        return None, None
    return max(sorted(counts), key=lambda cs: counts[cs])


def _top_network_reasons(flags: list[Flag]) -> list[Flag]:
    """The strongest flags, keeping one piece of ad text so the analyst sees words, not only counts."""
    top = flags[:TOP_REASONS]
    if top and all(f.level != "ad" for f in top):
        text = next((f for f in flags if f.level == "ad"), None)
        if text is not None:
            top = top[: TOP_REASONS - 1] + [text]
    return top


def _load(conn: Connection, keys: Sequence[int]) -> list[AdRow]:
    out: list[AdRow] = []
    shared = Interned()  # networks, sources, places and persons repeat across ads: one copy each
    for chunk in sorted_chunks(keys):
        query = (
            select(
                score_ads.c.ad_key,
                score_ads.c.risk,
                score_ads.c.logit,
                score_ads.c.network_id,
                score_ads.c.persons,
                score_ads.c.person_logit,
                ads.c.source,
                ads.c.ad_id,
                ads.c.posted_at,
                ads.c.title,
                ad_places.c.city,
                ad_places.c.state,
            )
            .join(ads, ads.c.ad_key == score_ads.c.ad_key)
            .outerjoin(ad_places, ad_places.c.ad_key == score_ads.c.ad_key)
            .where(score_ads.c.ad_key.in_(chunk))
        )
        for r in conn.execute(query):
            persons = shared(tuple(p for p in (r.persons or "").split(PERSON_SEP) if p))
            out.append(
                AdRow(
                    r.ad_key,
                    r.risk,
                    r.logit,
                    shared(r.network_id),
                    persons,
                    shared(r.source),
                    r.ad_id,
                    r.posted_at,
                    r.title,
                    shared(r.city),
                    shared(r.state),
                    r.person_logit,
                )  # fmt: skip
            )
    return out


def _postings_keys(conn: Connection, postings: set[tuple[str, str]]) -> set[int]:
    keys: set[int] = set()
    for chunk in sorted_chunks(postings, 400):
        keys.update(
            conn.execute(select(ads.c.ad_key).where(tuple_(ads.c.source, ads.c.ad_id).in_(chunk))).scalars()
        )
    return keys


def _leads_of(conn: Connection, keys: Iterable[int]) -> set[LeadId]:
    found: set[LeadId] = set()
    for chunk in sorted_chunks(keys):
        query = select(score_lead_ads.c.lead_id).where(score_lead_ads.c.ad_key.in_(chunk)).distinct()
        found.update(LeadId.parse(lead) for lead in conn.execute(query).scalars())
    return found


def _affected(conn: Connection, touched: Iterable[int]) -> set[int]:
    """Every ad of every lead that holds a touched ad, before and after: the networks and postings the
    touched ads are in now, and the leads they were in before (an ad may have left its network)."""
    seed = set(touched)
    old = _leads_of(conn, seed)
    # Only where each touched ad is now (its network, else its posting): not its whole row (_load).
    rows: list[Any] = []  # (network_id, source, ad_id)
    for chunk in sorted_chunks(seed):
        query = select(score_ads.c.network_id, ads.c.source, ads.c.ad_id).join(
            ads, ads.c.ad_key == score_ads.c.ad_key
        )
        rows.extend(conn.execute(query.where(score_ads.c.ad_key.in_(chunk))).all())
    networks = {nid for nid, _, _ in rows if nid} | {lead.ref for lead in old if lead.kind == "network"}
    postings = {(source, ad_id) for nid, source, ad_id in rows if not nid}
    for keys_part in sorted_chunks(int(lead.ref) for lead in old if lead.kind == "ad"):
        postings.update(
            conn.execute(select(ads.c.source, ads.c.ad_id).where(ads.c.ad_key.in_(keys_part))).all()
        )
    keys = seed | _postings_keys(conn, postings)
    for ids in sorted_chunks(networks, 500):
        keys.update(conn.execute(select(score_ads.c.ad_key).where(score_ads.c.network_id.in_(ids))).scalars())
    return keys


def _delete(conn: Connection, touched: Iterable[int] | None) -> set[int]:
    """Delete the leads that hold these ads (all leads when None); returns the ads to group again."""
    if touched is None:
        conn.execute(delete(score_leads))
        conn.execute(delete(score_lead_ads))
        conn.execute(delete(score_lead_facets))
        return set(conn.execute(select(score_ads.c.ad_key)).scalars())
    keys = _affected(conn, touched)
    old = _leads_of(conn, keys)
    for chunk in sorted_chunks(keys):
        conn.execute(delete(score_lead_ads).where(score_lead_ads.c.ad_key.in_(chunk)))
    for ids in sorted_chunks(str(lead) for lead in old):
        conn.execute(delete(score_leads).where(score_leads.c.lead_id.in_(ids)))
        conn.execute(delete(score_lead_facets).where(score_lead_facets.c.lead_id.in_(ids)))
    return keys


def _network_lead(nid: str, group: Sequence[AdRow], stored: NetworkScore | None) -> dict[str, Any]:
    """The score_leads row of one network."""
    rank, summary = network_rank(group)
    top = _top(group)
    times = sorted(r.posted_at for r in group if r.posted_at)
    city, state = _usual((r.city, r.state) for r in group)
    return {
        "lead_id": str(LeadId("network", nid)),
        "kind": "network",
        "ref": nid,
        "rank": rank,
        "risk": top.risk,
        "top_ad_key": top.ad_key,
        "n_ads": len(group),
        "first_seen": times[0] if times else None,
        "last_seen": times[-1] if times else None,
        "city": city,
        "state": state,
        "title": top.title,
        "source": top.source,
        "summary": summary,
        "reasons": [f.as_json() for f in _top_network_reasons(stored.flags if stored else [])],
    }


def _ad_lead(versions: Sequence[AdRow], flags: Sequence[Flag]) -> dict[str, Any]:
    """The score_leads row of one stand-alone posting (its versions count once)."""
    top = _top(versions)
    rank, summary = ad_rank(versions)
    return {
        "lead_id": str(LeadId("ad", str(top.ad_key))),
        "kind": "ad",
        "ref": str(top.ad_key),
        "rank": rank,
        "risk": top.risk,
        "top_ad_key": top.ad_key,
        "n_ads": 1,
        "first_seen": top.posted_at,
        "last_seen": top.posted_at,
        "city": top.city,
        "state": top.state,
        "title": top.title,
        "source": top.source,
        "summary": summary,
        "reasons": [f.as_json() for f in flags[:TOP_REASONS]],
    }


def refresh_leads(conn: Connection, touched: Iterable[int] | None) -> int:
    """Rebuild the leads that hold these ads (all leads when `touched` is None); returns how many."""
    rows = _load(conn, sorted(_delete(conn, touched)))
    by_network: dict[str, list[AdRow]] = defaultdict(list)
    by_posting: dict[tuple[str, str], list[AdRow]] = defaultdict(list)
    for r in rows:
        if r.network_id:
            by_network[r.network_id].append(r)
        else:
            by_posting[(r.source, r.ad_id)].append(r)
    del rows
    # Written as they are made, in the same order (networks, then postings): holding every lead and
    # member row until the end doubled the step's memory at 1M ads.
    writer = _Writer(conn)
    stored = network_scores(conn, list(by_network))
    for part in chunks(list(by_network.items()), GROUPS_AT_ONCE):
        with_evidence = _with_evidence(conn, [group for _nid, group in part])
        for (nid, _rows), group in zip(part, with_evidence, strict=True):
            lead = _network_lead(nid, group, stored.get(nid))
            writer.add(lead, [_member(r, lead["lead_id"]) for r in group])
    del stored
    tops = {key: _top(group) for key, group in by_posting.items()}
    ad_flags = flags_for_ads(conn, [t.ad_key for t in tops.values()])
    for posting_part in chunks(list(tops.items()), GROUPS_AT_ONCE):
        with_evidence = _with_evidence(conn, [by_posting[posting] for posting, _top_row in posting_part])
        for (_posting, top), versions in zip(posting_part, with_evidence, strict=True):
            lead = _ad_lead(versions, ad_flags.get(top.ad_key, []))
            writer.add(lead, [_member(r, lead["lead_id"]) for r in versions])
    writer.flush()
    log.debug("lead queue: %d leads rebuilt", writer.leads)
    return writer.leads


GROUPS_AT_ONCE = 2000  # leads whose person evidence is read in one go


def _needing_evidence(rows: Sequence[AdRow]) -> list[AdRow]:
    """The rows whose stored person evidence a lead reads (`_strongest_person`, `network_rank`): the
    strongest scored one and every one scored at even odds or above."""
    scored = [r for r in rows if r.person_logit is not None]
    if not scored:
        return []
    top = min(scored, key=lambda r: (-(r.person_logit or 0.0), _content(r)))
    return [r for r in scored if r is top or (r.person_logit or 0.0) >= 0.0]


def _with_evidence(conn: Connection, groups: Sequence[Sequence[AdRow]]) -> list[list[AdRow]]:
    """These groups' rows, with the stored person evidence of those that need it. Why read here, not
    with the rows: the evidence (reasons and counts, decoded JSON) of every ad was most of the lead
    step's memory, and a lead reads it for a few ads."""
    keys = sorted({r.ad_key for g in groups for r in _needing_evidence(g)})
    evidence: dict[int, Any] = {}
    for chunk in sorted_chunks(keys):
        query = select(score_ads.c.ad_key, score_ads.c.person_evidence).where(score_ads.c.ad_key.in_(chunk))
        evidence.update((key, found) for key, found in conn.execute(query))
    return [
        [replace(r, person_evidence=evidence[r.ad_key]) if r.ad_key in evidence else r for r in g]
        for g in groups
    ]


class _Writer:
    """Lead rows (1,000 a statement), member rows (5,000) and each lead's facets, in the order they come."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.pending: list[dict[str, Any]] = []
        self.members: list[tuple[Any, ...]] = []
        self.facets: list[tuple[Any, ...]] = []
        self.leads = 0

    def add(self, lead: dict[str, Any], members: list[tuple[Any, ...]]) -> None:
        self.pending.append(lead)
        self.members.extend(members)
        self.facets.extend(lead_facets(lead["lead_id"], members))
        self.leads += 1
        if len(self.pending) >= 1000:
            self._write_leads()
        while len(self.members) >= 5000:
            bulk_insert(self.conn, score_lead_ads, MEMBER_COLUMNS, self.members[:5000])
            self.members = self.members[5000:]

    def _write_leads(self) -> None:
        # A lead's facets are written with the lead; any left from a lead deleted outside `_delete`
        # (a rebuild's reset) are replaced, so a lead never has two sets.
        ids = sorted({f[0] for f in self.facets})
        for chunk in sorted_chunks(ids):
            self.conn.execute(delete(score_lead_facets).where(score_lead_facets.c.lead_id.in_(chunk)))
        bulk_insert(self.conn, score_lead_facets, FACET_COLUMNS, self.facets)
        self.conn.execute(score_leads.insert(), self.pending)
        self.pending, self.facets = [], []

    def flush(self) -> None:
        if self.pending:
            self._write_leads()
        if self.members:
            bulk_insert(self.conn, score_lead_ads, MEMBER_COLUMNS, self.members)
        self.pending, self.members = [], []


MEMBER_COLUMNS = ("ad_key", "lead_id", "posted_at", "source", "city_key", "state")


def _member(r: AdRow, lead_id: str) -> tuple[Any, ...]:
    """A score_lead_ads row in MEMBER_COLUMNS order (plain values for bulk_insert)."""
    city_key = r.city.strip().lower() if r.city else None
    return (r.ad_key, lead_id, r.posted_at, r.source, city_key, r.state.strip().upper() if r.state else None)


def lead_facets(lead_id: str, members: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A lead's score_lead_facets rows (FACET_COLUMNS order) from its member rows (MEMBER_COLUMNS
    order): one per (state, city, source) its ads show, with their first and last posting and count."""
    ranges: dict[tuple[Any, Any, Any], list[Any]] = {}
    for _key, _lead, posted_at, source, city_key, state in members:
        found = ranges.get((state, city_key, source))
        if found is None:
            ranges[(state, city_key, source)] = [posted_at, posted_at, 1]
            continue
        if posted_at is not None:
            found[0] = posted_at if found[0] is None or posted_at < found[0] else found[0]
            found[1] = posted_at if found[1] is None or posted_at > found[1] else found[1]
        found[2] += 1
    return [
        (lead_id, state, city_key, source, first, last, n)
        for (state, city_key, source), (first, last, n) in sorted(ranges.items(), key=lambda kv: str(kv[0]))
    ]


def refresh_leads_in(store: Store, touched: Iterable[int] | None) -> int:
    with store.begin() as conn:
        return refresh_leads(conn, touched)
