"""Linking benchmark (`make bench-linking`): accuracy against the true operators, speed and memory.

For each size and linking world it generates a fresh demo corpus (hard negatives on: junk numbers,
stolen images, shared agency lines, copied templates, generic boilerplate), runs the real ingest and
extraction, then times the link step in a fresh child process (so its peak RSS is the link step's own;
wall and CPU time are both printed, since the machine may be shared), and prints B-cubed
precision / recall / F1 of the networks against the true operators for:
  - Safe Harbor's linker,
  - the previous linker (`--previous REV`: the link stage of that commit, run on a copy of the same
    store, so both see the same ads and extractions),
  - the shared-phone-only baseline (union-find on any shared phone),
  - "any shared identifier" (union-find on any shared phone, email, handle or exact image hash).
Ads standing alone count as singleton clusters. Worlds (`safeharbor.demo.link_knobs`): default,
no-images (dead image links), rotation (2-4 phones per network handed between its persons, writing
habits, no images), collisions (unrelated operators sharing a handle or phone), hard (all of them).
Sizes up to 20k run every world; larger sizes run `--large-worlds`. A scaling run links growing
prefixes of the largest corpus (default 25k, 50k, 100k ads) to show how the cost grows.

    .venv/bin/python bench/linking.py                      # 10k (all worlds) and 100k, plus scaling
    .venv/bin/python bench/linking.py --sizes 10000 --scaling "" --worlds rotation,hard
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from safeharbor.storage.schema import ad_images, ads, extractions

try:
    from safeharbor.store import open_store
except ImportError:  # the previous linker's checkout (`--previous`) predates safeharbor.store
    from safeharbor.storage import open_store  # type: ignore[attr-defined,no-redef]

ROOT = Path(__file__).resolve().parent.parent
# The linker before issue 13 (template linking across persons, identifier splitting, confidence).
PREVIOUS_LINKER = "3702e75"
WORLDS = ("default", "no-images", "rotation", "collisions", "hard")
SMALL = 20_000


def bcubed(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall, F1 over items (postings) present in the truth."""
    by_pred: dict[str, set[str]] = defaultdict(set)
    by_true: dict[str, set[str]] = defaultdict(set)
    items = list(truth)
    for item in items:
        by_pred[predicted.get(item, "solo:" + item)].add(item)
        by_true[truth[item]].add(item)
    p_sum = r_sum = 0.0
    for item in items:
        pred_cluster = by_pred[predicted.get(item, "solo:" + item)]
        true_cluster = by_true[truth[item]]
        # Count overlap by label to stay linear: |pred ∩ true| for this item.
        p_sum += _overlap(pred_cluster, truth, truth[item]) / len(pred_cluster)
        r_sum += _overlap_pred(true_cluster, predicted, predicted.get(item, "solo:" + item)) / len(
            true_cluster
        )
    p, r = p_sum / len(items), r_sum / len(items)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


_cache: dict[tuple[int, str], int] = {}


def _overlap(cluster: set[str], labels: dict[str, str], label: str) -> int:
    key = (id(cluster), "t" + label)
    if key not in _cache:
        counts: dict[str, int] = defaultdict(int)
        for x in cluster:
            counts[labels[x]] += 1
        for lab, c in counts.items():
            _cache[(id(cluster), "t" + lab)] = c
    return _cache[key]


def _overlap_pred(cluster: set[str], predicted: dict[str, str], label: str) -> int:
    key = (id(cluster), "p" + label)
    if key not in _cache:
        counts: dict[str, int] = defaultdict(int)
        for x in cluster:
            counts[predicted.get(x, "solo:" + x)] += 1
        for lab, c in counts.items():
            _cache[(id(cluster), "p" + lab)] = c
    return _cache[key]


def union_find_clusters(postings: Iterable[str], shared: dict[str, set[str]]) -> dict[str, str]:
    parent: dict[str, str] = {p: p for p in postings}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for members in shared.values():
        first, *rest = sorted(members)
        for m in rest:
            ra, rb = find(first), find(m)
            if ra != rb:
                parent[rb] = ra
    return {p: find(p) for p in parent}


def baselines(db: Path) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(network of each posting from the linker, phone-only baseline, any-identifier baseline)."""
    from safeharbor.link.tables import link_ad_network

    store = open_store(str(db))
    with store.connect() as conn:
        posting = {k: f"{s}:{i}" for k, s, i in conn.execute(select(ads.c.ad_key, ads.c.source, ads.c.ad_id))}
        phones: dict[str, set[str]] = defaultdict(set)
        anyid: dict[str, set[str]] = defaultdict(set)
        for key, kind, value in conn.execute(
            select(extractions.c.ad_key, extractions.c.kind, extractions.c.value).where(
                extractions.c.kind.in_(["phone", "email", "handle"])
            )
        ):
            if kind == "phone":
                phones[value].add(posting[key])
            anyid[f"{kind}:{value.lower()}"].add(posting[key])
        for key, phash in conn.execute(
            select(ad_images.c.ad_key, ad_images.c.phash).where(ad_images.c.phash.is_not(None))
        ):
            anyid[f"image:{phash}"].add(posting[key])
        linked = {
            posting[k]: n
            for k, n in conn.execute(select(link_ad_network.c.ad_key, link_ad_network.c.network_id))
        }
    store.dispose()
    every = set(posting.values())
    return linked, union_find_clusters(every, phones), union_find_clusters(every, anyid)


def truth_of(corpus: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    with open(corpus / "truth.jsonl") as fh:
        for line in fh:
            t = json.loads(line)
            out[f"{t['source']}:{t['id']}"] = t["operator"]
    return out


def prepare(corpus: Path, db: Path, n_ads: int, seed: int, world: str = "default") -> None:
    from safeharbor.demo import generate
    from safeharbor.demo.link_knobs import world as link_world
    from safeharbor.extract.run import extract_pending
    from safeharbor.ingest.run import ingest_file

    if not (corpus / "truth.jsonl").exists():
        t0 = time.perf_counter()
        generate(corpus, n_ads, seed, knobs=link_world(world, n_ads))
        print(f"  generated {n_ads} ads in {time.perf_counter() - t0:.1f} s", flush=True)
    if db.exists():
        db.unlink()
    store = open_store(str(db))
    t0 = time.perf_counter()
    ingest_file(store, corpus / "ads.jsonl")
    t1 = time.perf_counter()
    extract_pending(store)
    print(f"  ingested in {t1 - t0:.1f} s, extracted in {time.perf_counter() - t1:.1f} s", flush=True)
    store.dispose()


def link_in_child(
    db: Path, limit: int | None = None, incremental: int | None = None, src: Path | None = None
) -> dict[str, Any]:
    """Run the link step in a fresh process; returns seconds, peak RSS (MB) and its summary.

    `src`: run the link stage of another checkout (its `src` folder first on the path).
    """
    cmd = [sys.executable, __file__, "--link-only", str(db)] + (["--limit", str(limit)] if limit else [])
    cmd += ["--incremental", str(incremental)] if incremental else []
    env = dict(os.environ, PYTHONPATH=str(src)) if src is not None else None
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])


def previous_src(rev: str, work: Path) -> Path | None:
    """The `src` folder of commit `rev`, exported once under the work dir (None if git cannot)."""
    target = work / f"linker-{rev}"
    if (target / "src" / "safeharbor").is_dir():
        return target / "src"
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "archive", rev, "src"], cwd=ROOT, capture_output=True, check=False)
    if archive.returncode != 0:
        print(f"  (previous linker {rev} not available: {archive.stderr.decode().strip()})")
        return None
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target / "src"


def _link_only(db: Path, limit: int | None, incremental: int | None) -> None:
    from sqlalchemy import delete, func

    from safeharbor.link.run import update_networks
    from safeharbor.link.tables import link_features, link_idents
    from safeharbor.storage.schema import extract_state

    store = open_store(str(db))
    if limit:  # scaling run on a prefix: forget the ads past the limit (on a copy of the db)
        with store.begin() as conn:
            conn.execute(delete(extract_state).where(extract_state.c.ad_key > limit))
            conn.execute(delete(link_features).where(link_features.c.ad_key > limit))
            conn.execute(delete(link_idents).where(link_idents.c.ad_key > limit))
    if incremental:  # an already linked store: the newest `incremental` ads arrive as new ones
        with store.begin() as conn:
            total = conn.execute(select(func.max(link_features.c.ad_key))).scalar_one()
            conn.execute(delete(link_features).where(link_features.c.ad_key > total - incremental))
            conn.execute(delete(link_idents).where(link_idents.c.ad_key > total - incremental))
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0 = _cpu_seconds()
    t0 = time.perf_counter()
    summary = update_networks(store, rebuild=not incremental)
    seconds = time.perf_counter() - t0
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    )
    cpu = _cpu_seconds() - cpu0
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "peak_mb": peak / 1024,
                "start_mb": base / 1024,
                "ads": summary.ads_total,
                "featured": summary.ads_featured,
                "networks": summary.networks,
                "cuts": len(summary.cuts),
                "timings": summary.timings,
                "lines": summary.lines(),
            }
        )
    )


def _cpu_seconds() -> float:
    """CPU time of this process and its finished workers (the shared machine makes wall time noisy)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def report(label: str, predicted: dict[str, str], truth: dict[str, str]) -> None:
    _cache.clear()
    p, r, f = bcubed(predicted, truth)
    print(f"  {label:<28} precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--worlds", default=",".join(WORLDS), help="worlds run at sizes up to 20k")
    parser.add_argument("--large-worlds", default="hard", help="worlds run at sizes above 20k")
    parser.add_argument("--previous", default=PREVIOUS_LINKER, help="commit of the linker to compare with")
    parser.add_argument("--scaling", default="25000,50000,100000")
    parser.add_argument("--seed", type=int, default=20261129)  # not a seed used for tuning
    parser.add_argument("--workdir", default="var/bench/linking")
    parser.add_argument("--link-only", help=argparse.SUPPRESS)
    parser.add_argument("--limit", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--incremental", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.link_only:
        _link_only(Path(args.link_only), args.limit, args.incremental)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s]
    scaling = [int(s) for s in args.scaling.split(",") if s]
    work = (ROOT / args.workdir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    print(f"linking benchmark, seed {args.seed}, work dir {work}")
    largest: Path | None = None
    old_src = previous_src(args.previous, work) if args.previous else None
    for n in sizes:
        worlds = [w for w in (args.worlds if n <= SMALL else args.large_worlds).split(",") if w]
        for world in worlds:
            print(f"\n== {n} ads, world {world} ==", flush=True)
            suffix = "" if world == "default" else f"-{world}"
            corpus, db = work / f"corpus-{n}-{args.seed}{suffix}", work / f"link-{n}{suffix}.db"
            prepare(corpus, db, n, args.seed, world)
            truth = truth_of(corpus)
            if old_src is not None:
                import shutil

                old_db = work / f"previous-{n}{suffix}.db"
                shutil.copyfile(db, old_db)
                old = link_in_child(old_db, src=old_src)
                print(f"  previous linker ({args.previous}): {old['seconds']:.1f} s wall")
                previous = baselines(old_db)[0]
                old_db.unlink()
            result = link_in_child(db)
            print(
                f"  link step: {result['seconds']:.1f} s wall, {result['cpu']:.1f} s CPU "
                f"({result['ads'] / result['seconds']:.0f} ads/s), peak RSS {result['peak_mb']:.0f} MB, "
                f"{result['networks']} networks, {result['cuts']} identifiers split or cut"
            )
            print("  stage times: " + ", ".join(f"{k} {v:.1f}s" for k, v in result["timings"].items()))
            linked, phone_only, any_id = baselines(db)
            report("Safe Harbor linker", linked, truth)
            if old_src is not None:
                report(f"previous linker {args.previous}", previous, truth)
            report("shared phone only", phone_only, truth)
            report("any shared identifier", any_id, truth)
            largest = db
    if scaling and largest is not None:
        print("\n== scaling (prefixes of the largest corpus) ==", flush=True)
        import shutil

        for n in scaling:
            copy = work / f"scaling-{n}.db"
            shutil.copyfile(largest, copy)
            result = link_in_child(copy, n)
            print(
                f"  {result['ads']:>7} ads: {result['seconds']:.1f} s wall, {result['cpu']:.1f} s CPU "
                f"({result['ads'] / result['seconds']:.0f} ads/s), peak RSS {result['peak_mb']:.0f} MB",
                flush=True,
            )
            copy.unlink()
        result = link_in_child(largest, incremental=1000)
        print(
            f"  incremental: {result['featured']} new ads on top of {result['ads'] - result['featured']}: "
            f"{result['seconds']:.1f} s wall, {result['cpu']:.1f} s CPU (per-ad work only for the new ads; "
            "graph steps over all)",
            flush=True,
        )


if __name__ == "__main__":
    main()
