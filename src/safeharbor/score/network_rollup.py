"""Network scores: a network's risk is the highest of its ads' risks (CONTRACT.md), and its flags
gather the evidence across its ads (which indicators fired in how many ads, with an example)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select

from safeharbor.score.tables import score_ads, score_flags, score_networks
from safeharbor.storage.engine import Store
from safeharbor.storage.schema import ads

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


def score_networks_for(store: Store, network_ids: Iterable[str], networks: dict[int, str]) -> int:
    """Recompute the stored scores of these networks from their ads' scores; returns how many."""
    wanted = sorted({n for n in network_ids if n})
    members: dict[str, list[int]] = defaultdict(list)
    wanted_set = set(wanted)
    for key, nid in networks.items():
        if nid in wanted_set:
            members[nid].append(key)
    live = set(networks.values())
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    done = 0
    for i in range(0, len(wanted), BATCH):
        chunk = wanted[i : i + BATCH]
        keys = sorted(k for n in chunk for k in members.get(n, []))
        with store.begin() as conn:
            risk: dict[int, float] = {}
            posted: dict[int, str] = {}
            flags: dict[int, list[dict[str, Any]]] = defaultdict(list)
            for j in range(0, len(keys), 2000):
                part = keys[j : j + 2000]
                risk.update(
                    conn.execute(
                        select(score_ads.c.ad_key, score_ads.c.risk).where(score_ads.c.ad_key.in_(part))
                    ).all()
                )
                posted.update(
                    conn.execute(select(ads.c.ad_key, ads.c.posted_at).where(ads.c.ad_key.in_(part))).all()
                )
                columns = (
                    score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.evidence,
                    score_flags.c.weight, score_flags.c.level, score_flags.c.note,
                )  # fmt: skip
                for r in conn.execute(select(*columns).where(score_flags.c.ad_key.in_(part))):
                    flags[r.ad_key].append(
                        {
                            "indicator": r.indicator,
                            "evidence": r.evidence,
                            "weight": r.weight,
                            "level": r.level,
                            "note": r.note or "",
                        }
                    )
            rows = []
            for nid in chunk:
                mem = [k for k in members.get(nid, []) if k in risk]
                if not mem:
                    continue
                top = max(mem, key=lambda k: (risk[k], -k))
                times = sorted(posted[k] for k in mem if k in posted)
                rows.append(
                    {
                        "network_id": nid,
                        "risk": risk[top],
                        "n_ads": len(mem),
                        "top_ad_key": top,
                        "flags": rollup_flags(mem, risk, flags),
                        "first_seen": times[0] if times else None,
                        "last_seen": times[-1] if times else None,
                        "scored_at": now,
                    }
                )
            conn.execute(delete(score_networks).where(score_networks.c.network_id.in_(chunk)))
            if rows:
                conn.execute(score_networks.insert(), rows)
            done += len(rows)
    with store.begin() as conn:  # networks the link stage no longer has
        stale = [n for n in conn.execute(select(score_networks.c.network_id)).scalars() if n not in live]
        for i in range(0, len(stale), 2000):
            conn.execute(delete(score_networks).where(score_networks.c.network_id.in_(stale[i : i + 2000])))
    return done
