"""Network scores: a network's risk is the highest of its ads' risks (docs/formats.md), and its flags
gather the evidence across its ads (which indicators fired in how many ads, with an example)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, select

from safeharbor.score.tables import score_ads, score_flags, score_networks
from safeharbor.storage.batching import sorted_chunks
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ads
from safeharbor.storage.times import now_iso

log = logging.getLogger(__name__)

BATCH = 500


def rollup_flags(
    members: list[int], risk: dict[int, float], flags: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    """One flag per indicator: the example from the highest-risk ad that shows it, and in how many ads."""
    ads_with: dict[str, int] = defaultdict(int)
    example: dict[str, dict[str, Any]] = {}
    for key in sorted(members, key=lambda k: -risk.get(k, 0.0)):
        for f in flags.get(key, []):
            ads_with[f["indicator"]] += 1
            example.setdefault(f["indicator"], f)
    out = []
    for indicator, f in example.items():
        count = ads_with[indicator]
        where = f"in {count} of {len(members)} ads" if f["level"] == "ad" else f["note"]
        out.append(
            {
                "indicator": indicator,
                "evidence": f["evidence"],
                "weight": f["weight"],
                "level": f["level"],
                "ads": count,
                "note": where,
            }
        )
    out.sort(key=lambda d: (-d["weight"], d["indicator"]))
    return out


@dataclass
class _MemberScores:
    risk: dict[int, float] = field(default_factory=dict)
    posted: dict[int, str] = field(default_factory=dict)
    flags: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


_FLAG_COLUMNS = (
    score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.evidence,
    score_flags.c.weight, score_flags.c.level, score_flags.c.note,
)  # fmt: skip


def _member_scores(conn: Connection, keys: Sequence[int]) -> _MemberScores:
    """The stored risks, posting times and flags of these ads."""
    found = _MemberScores()
    for part in sorted_chunks(keys):
        found.risk.update(
            conn.execute(
                select(score_ads.c.ad_key, score_ads.c.risk).where(score_ads.c.ad_key.in_(part))
            ).all()
        )
        found.posted.update(
            conn.execute(select(ads.c.ad_key, ads.c.posted_at).where(ads.c.ad_key.in_(part))).all()
        )
        for r in conn.execute(select(*_FLAG_COLUMNS).where(score_flags.c.ad_key.in_(part))):
            found.flags[r.ad_key].append(
                {"indicator": r.indicator, "evidence": r.evidence, "weight": r.weight, "level": r.level,
                 "note": r.note or ""}
            )  # fmt: skip
    return found


def network_row(nid: str, members: Sequence[int], found: _MemberScores, now: str) -> dict[str, Any] | None:
    """The score_networks row of one network from its ads' stored scores (None when none is scored)."""
    mem = [k for k in members if k in found.risk]
    if not mem:
        return None
    top = max(mem, key=lambda k: (found.risk[k], -k))
    times = sorted(found.posted[k] for k in mem if k in found.posted)
    return {
        "network_id": nid,
        "risk": found.risk[top],
        "n_ads": len(mem),
        "top_ad_key": top,
        "flags": rollup_flags(mem, found.risk, found.flags),
        "first_seen": times[0] if times else None,
        "last_seen": times[-1] if times else None,
        "scored_at": now,
    }


def score_networks_for(store: Store, network_ids: Iterable[str], networks: Mapping[int, str]) -> int:
    """Recompute the stored scores of these networks from their ads' scores; returns how many."""
    wanted = {n for n in network_ids if n}
    members: dict[str, list[int]] = defaultdict(list)
    for key, nid in networks.items():
        if nid in wanted:
            members[nid].append(key)
    now = now_iso()
    done = 0
    for chunk in sorted_chunks(wanted, BATCH):
        with store.begin() as conn:
            found = _member_scores(conn, sorted(k for n in chunk for k in members.get(n, [])))
            rows = [row for nid in chunk if (row := network_row(nid, members.get(nid, []), found, now))]
            conn.execute(delete(score_networks).where(score_networks.c.network_id.in_(chunk)))
            if rows:
                conn.execute(score_networks.insert(), rows)
            done += len(rows)
    live = set(networks.values())
    with store.begin() as conn:  # networks the link stage no longer has
        stale = [n for n in conn.execute(select(score_networks.c.network_id)).scalars() if n not in live]
        for part in sorted_chunks(stale):
            conn.execute(delete(score_networks).where(score_networks.c.network_id.in_(part)))
    log.debug("network roll-up: %d networks scored, %d no longer linked", done, len(stale))
    return done
