"""Ground-truth records: one per ad (truth.jsonl), one per operator (operators.jsonl), and the running
tally of planted rates written to meta.json (`measured`)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safeharbor.demo.obfuscate import e164
from safeharbor.demo.operators import Operator
from safeharbor.demo.plan import AdPlan
from safeharbor.demo.text import RenderedAd


@dataclass(frozen=True, slots=True)
class GenerateSummary:
    ads: int  # good ads written (= lines in truth.jsonl)
    operators: int
    persons: int
    minor_ads: int
    images: int  # image files written
    bad_lines: int
    ads_path: Path
    truth_path: Path
    operators_path: Path
    meta_path: Path
    networks: int = 0
    reposts: int = 0


def iso(t: int) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ad_truth(plan: AdPlan, ad: RenderedAd, image_keys: list[str]) -> dict[str, Any]:
    op = plan.op
    return {
        "source": plan.source,
        "id": plan.ad_id,
        "operator": op.id,
        "operator_kind": op.kind,
        "persons": [p.id for p in plan.persons],
        "minor": any(p.minor for p in plan.persons),
        "true_ages": [p.true_age for p in plan.persons],
        "phones": ad.phones,
        "emails": ad.emails,
        "handles": ad.handles,
        "ages": ad.ages,
        "prices": ad.prices,
        "names": ad.names,
        "city": plan.ctx.city.name,
        "state": plan.ctx.city.state,
        "obfuscated_phone": ad.obfuscated_phone,
        "repost_of": plan.original.ad_id if plan.original else None,
        "template": op.template,
        "image_keys": image_keys,
        "indicators": ad.indicators,
        "posted_at": iso(plan.t),
    }


def operator_truth(op: Operator) -> dict[str, Any]:
    return {
        "id": op.id,
        "kind": op.kind,
        "controlled": op.controlled,
        "home": {"city": op.home.name, "state": op.home.state},
        "template": op.template,
        "persons": [
            {
                "id": p.id,
                "names": p.names,
                "true_age": p.true_age,
                "claimed_age": p.claimed_age,
                "minor": p.minor,
                "image_keys": p.image_bases,
            }
            for p in op.persons
        ],
        "phones": [e164(p) for p in op.phones],
        "phone_rotation": [
            {"phone": e164(p), "from": iso(t)} for p, t in zip(op.phones, op.rotation, strict=True)
        ],
        "emails": op.emails,
        "handles": op.handles,
        "circuit": [
            {"city": s.city.name, "state": s.city.state, "arrive": iso(s.arrive), "depart": iso(s.depart)}
            for s in op.circuit
        ],
        "ads": op.n_ads,
        "sources": op.sources,
        "business": {"name": op.business_name, "address": op.address} if op.business_name else None,
        "shared_identifiers": op.shared,
        **({"prolific": True} if op.prolific else {}),
    }


@dataclass(slots=True)
class Tally:
    """Counts of what was planted, by group (minor ads vs adult ads, and by operator kind)."""

    ads: Counter[str] = field(default_factory=Counter)
    hits: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, truth: dict[str, Any]) -> None:
        groups = ["all", "minor" if truth["minor"] else "adult", truth["operator_kind"]]
        cats = {i["category"] for i in truth["indicators"]}
        if truth["obfuscated_phone"]:
            cats.add("obscured_phone")
        if truth["repost_of"]:
            cats.add("repost")
        if len(truth["persons"]) > 1:
            cats.add("several_persons")
        if truth["minor"]:
            cats.add("minor")
        for g in groups:
            self.ads[g] += 1
            for c in cats:
                self.hits[(g, c)] += 1

    def rates(self) -> dict[str, dict[str, float]]:
        cats = sorted({c for _, c in self.hits})
        return {
            g: {c: round(self.hits[(g, c)] / n, 4) for c in cats} | {"ads": n}
            for g, n in sorted(self.ads.items())
            if n
        }


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a truth/operators file, one by one (constant memory)."""
    with Path(path).open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def load_truth(out_dir: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Ad truth keyed by (source, id), as scorers look it up."""
    return {(t["source"], t["id"]): t for t in read_jsonl(Path(out_dir) / "truth.jsonl")}


def load_meta(out_dir: Path) -> dict[str, Any]:
    return json.loads((Path(out_dir) / "meta.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]
