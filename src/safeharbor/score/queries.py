"""Reading scores back: per ad (risk and the flags behind it) and per network."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from safeharbor.score.odds import sigmoid
from safeharbor.score.tables import score_ads, score_flags, score_networks
from safeharbor.storage.batching import sorted_chunks


@dataclass(frozen=True)
class Flag:
    """One indicator that fired: evidence for a person to judge, never a verdict.

    When the flag has a span, `evidence == ad.field_text(field)[start:end]`; network-level flags
    (evidence spread over several ads) have no span and say in `note` where to look.
    """

    indicator: str
    evidence: str
    weight: float  # log-odds contribution to the risk
    field: str | None = None
    start: int | None = None
    end: int | None = None
    note: str = ""
    level: str = "ad"  # ad | network
    also: tuple[tuple[str, int, int], ...] = ()  # further spans of the same indicator in this ad

    def as_export(self) -> dict[str, Any]:
        return {"indicator": self.indicator, "evidence": self.evidence, "weight": round(self.weight, 3)}

    def as_json(self) -> dict[str, Any]:
        """The form stored in JSON columns (a lead's reasons); `from_json` reads it back."""
        return {
            "indicator": self.indicator,
            "evidence": self.evidence,
            "weight": self.weight,
            "field": self.field,
            "start": self.start,
            "end": self.end,
            "note": self.note,
            "level": self.level,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Flag:
        """A flag stored as JSON (a network's roll-up, a lead's reasons). Every writer stores `level`;
        for an older row without it, a flag with a text span is an ad's, one without is spread over a
        network's ads (ad-level flags always point at their text)."""
        start = d.get("start")
        return cls(
            indicator=d["indicator"],
            evidence=d["evidence"],
            weight=float(d["weight"]),
            field=d.get("field"),
            start=start,
            end=d.get("end"),
            note=d.get("note") or "",
            level=d.get("level") or ("ad" if start is not None else "network"),
        )


@dataclass(frozen=True)
class AdScore:
    risk: float
    flags: list[Flag] = field(default_factory=list)  # strongest first
    network_id: str | None = None


@dataclass(frozen=True)
class NetworkScore:
    risk: float
    flags: list[Flag] = field(default_factory=list)
    n_ads: int = 0
    top_ad_key: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None


def flags_for_ads(conn: Connection, ad_keys: Iterable[int], *, spans: bool = True) -> dict[int, list[Flag]]:
    """Flags per ad, strongest contribution first. With `spans=False` a flag carries its indicator,
    evidence, weight, level and note but not where in the text it lies (field, start, end, `also`):
    what `export ads` writes, without decoding every flag's JSON."""
    f = score_flags.c
    span_columns = (f.field, f.span_start, f.span_end, f.also) if spans else ()
    query = select(f.ad_key, f.indicator, f.evidence, f.weight, f.note, f.level, *span_columns)
    found: dict[int, list[Flag]] = defaultdict(list)
    for chunk in sorted_chunks(ad_keys):
        for row in conn.execute(query.where(f.ad_key.in_(chunk))):
            ad_key, indicator, evidence, weight, note, level = row[:6]
            flag = Flag(indicator, evidence, weight, note=note or "", level=level)
            if spans:
                field, start, end, also = row[6:]
                flag = Flag(indicator, evidence, weight, field, start, end, note or "", level,
                            tuple((str(where), int(a), int(b)) for where, a, b in (also or [])))  # fmt: skip
            found[ad_key].append(flag)
    for flags in found.values():
        flags.sort(key=lambda f: (-f.weight, f.indicator))
    return dict(found)


def scores_for_ads(conn: Connection, ad_keys: Iterable[int], *, spans: bool = True) -> dict[int, AdScore]:
    """Risk 0..1 and flags for each scored ad among `ad_keys` (unscored ads are absent); `spans` as in
    flags_for_ads."""
    keys = sorted(set(ad_keys))
    flags = flags_for_ads(conn, keys, spans=spans)
    out: dict[int, AdScore] = {}
    for chunk in sorted_chunks(keys):
        rows = conn.execute(
            select(score_ads.c.ad_key, score_ads.c.risk, score_ads.c.network_id).where(
                score_ads.c.ad_key.in_(chunk)
            )
        )
        for ad_key, risk, network_id in rows:
            out[ad_key] = AdScore(risk=risk, flags=flags.get(ad_key, []), network_id=network_id)
    return out


def network_scores(conn: Connection, network_ids: Iterable[str]) -> dict[str, NetworkScore]:
    """Risk (the highest of its ads') and flags for each scored network among `network_ids`."""
    out: dict[str, NetworkScore] = {}
    for chunk in sorted_chunks(str(n) for n in network_ids):
        for r in conn.execute(select(score_networks).where(score_networks.c.network_id.in_(chunk))):
            out[r.network_id] = NetworkScore(
                risk=r.risk,
                flags=[Flag.from_json(d) for d in (r.flags or [])],
                n_ads=r.n_ads,
                top_ad_key=r.top_ad_key,
                first_seen=r.first_seen,
                last_seen=r.last_seen,
            )
    return out


@dataclass(frozen=True)
class PersonScore:
    """One person of a network as the person model saw them (score/person_model.py)."""

    person: str
    score: float  # 0..1, the person model's estimate: a ranking for a person to review, not a finding
    ads: int  # distinct ads
    reasons: tuple[dict[str, Any], ...] = ()


def network_persons(conn: Connection, ad_keys: Iterable[int]) -> list[PersonScore]:
    """The persons behind these ads (each ad stores its strongest person's evidence), strongest first."""
    best: dict[str, tuple[float, dict[str, Any]]] = {}
    for chunk in sorted_chunks(ad_keys):
        query = select(score_ads.c.person_logit, score_ads.c.person_evidence).where(
            score_ads.c.ad_key.in_(chunk), score_ads.c.person_logit.is_not(None)
        )
        for logit, evidence in conn.execute(query):
            person = str((evidence or {}).get("person") or "")
            if person not in best or logit > best[person][0]:
                best[person] = (float(logit), evidence or {})
    out = [
        PersonScore(person, sigmoid(logit), int(ev.get("ads") or 0), tuple(ev.get("reasons") or ()))
        for person, (logit, ev) in best.items()
    ]
    return sorted(out, key=lambda p: (-p.score, p.person))
