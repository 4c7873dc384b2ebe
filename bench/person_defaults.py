"""Fit the person model's default weights (the catalogue's `person_model`) on development corpora.

The defaults shipped in score/catalogue.yaml were produced by
    .venv/bin/python bench/person_defaults.py --seeds 7707 8808 9909 6606 --ads 20000
on synthetic corpora only (never on the seeds `make bench-risk` reports on). Each corpus is generated,
run through the real pipeline (ingest -> extract -> link -> score), split into the persons the lead
queue ranks (a network's persons as the score stage finds them, plus its ads with no person; every
stand-alone ad is a person of one ad), and labelled from the generator's truth (a person is positive
when most of their ads involve a child victim). The fit is a logistic regression with a zero-centred
Gaussian prior (sd 0.17: weights stay small unless the data insist). It prints the YAML block to paste.

Real deployments should re-fit from their own reviewed cases (`safeharbor train`), which starts from
these weights.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np
from risk import build  # bench/risk.py: generate + ingest + analyze, reused across runs with --keep
from sklearn.metrics import roc_auc_score
from sqlalchemy import select

from safeharbor.link.queries import networks_for_ads
from safeharbor.score.catalogue import PersonWeights, load_catalogue
from safeharbor.score.load import ad_facts
from safeharbor.score.network_signals import persons
from safeharbor.score.person_model import (
    AGE_DRIFT,
    YOUTH_ANY,
    PersonCounts,
    fit_person_weights,
    person_clusters,
    person_counts,
    person_logit,
)
from safeharbor.storage.schema import ads

YOUTH = ["youth_language", "youth_coded", "youth_emoji"]


def samples_of(folder: Path, n_ads: int, seed: int, base: PersonWeights) -> list[tuple[PersonCounts, bool]]:
    store, truth = build(folder, n_ads, seed)
    with store.connect() as conn:
        keys = {k: (s, i) for k, s, i in conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id))}
        facts = ad_facts(conn, sorted(keys))
        networks = networks_for_ads(conn, keys)
    minor = {k: bool(truth[keys[k]]["minor"]) for k in keys if keys[k] in truth}
    groups: dict[str, list[int]] = {}
    for k, nid in networks.items():
        groups.setdefault(nid, []).append(k)
    out: list[tuple[PersonCounts, bool]] = []
    for members_keys in groups.values():
        members = [facts[k] for k in sorted(members_keys) if k in facts]
        for label, found in person_clusters(persons(members), members).items():
            labels = [minor.get(m.ad_key, False) for m in found]
            out.append((person_counts(label, found, base), 2 * sum(labels) > len(labels)))
    for k, f in facts.items():
        if k not in networks:
            out.append((person_counts("ad", [f], base), minor.get(k, False)))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[7707, 8808, 9909, 6606])
    parser.add_argument("--ads", type=int, default=20000)
    parser.add_argument("--prior-sd", type=float, default=0.17)
    parser.add_argument("--keep", type=Path, default=None, help="Keep (and reuse) the corpora here.")
    args = parser.parse_args(argv)
    where = args.keep or Path(tempfile.mkdtemp(prefix="person-defaults-"))
    cat = load_catalogue()
    features = [i.id for i in cat.of_level("ad")] + [YOUTH_ANY, AGE_DRIFT]
    base = PersonWeights(bias=0.0, log_ads=0.0, weights={f: (0.0, 0.0) for f in features}, youth=tuple(YOUTH))
    samples: list[tuple[PersonCounts, bool]] = []
    for seed in args.seeds:
        samples += samples_of(where / f"dev{seed}", args.ads, seed, base)
    fitted = fit_person_weights(samples, base, prior_sd=args.prior_sd, centre_on_base=False)
    y = np.array([label for _, label in samples], dtype=float)
    z = np.array([person_logit(c, fitted) for c, _ in samples])
    print(
        f"persons: {len(samples):,} ({int(y.sum()):,} positive); "
        f"in-sample person AUC {roc_auc_score(y, z):.3f}"
    )
    print("person_model:")
    print(f"  bias: {fitted.bias}")
    print(f"  log_ads: {fitted.log_ads}")
    print(f"  per_ad: {fitted.per_ad}")
    print(f"  repost_days: {fitted.repost_days:g}")
    print(f"  youth: {json.dumps(list(fitted.youth))}")
    print("  weights:")
    for f, (on, off) in fitted.weights.items():
        print(f"    {f}: [{on}, {off}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
