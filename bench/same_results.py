"""Same results after a speed-up: `export ads` and `export networks` of one corpus, byte for byte.

Runs the user's commands (`safeharbor ingest`, `analyze`, `export ads`, `export networks`) on a corpus
into a fresh SQLite store, writes both exports into --out, and with --against compares them with the
exports of an earlier run (e.g. one made from main before a change):

    python bench/same_results.py --ads /tmp/safeharbor-bench/corpus-20000-4242/ads.jsonl --out /tmp/before
    # ... change the code ...
    python bench/same_results.py --ads ... --out /tmp/after --against /tmp/before

It exits non-zero, naming the first differing line, when the exports differ. With --batch N the newest N
ads are ingested and analysed in a second round on top of the rest (the incremental path); with
--rounds R as well, the newest R x N ads come in R batches of N, one after another.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXPORTS = ("ads", "networks")


def run(*args: str) -> None:
    cmd = [str(Path(sys.executable).parent / "safeharbor"), *args]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)


def analysed(ads: Path, db: str, batch: int, work: Path, rounds: int = 1) -> None:
    """Ingest and analyse the corpus, in one round or as base + the newest `batch` ads `rounds` times."""
    if not batch:
        run("ingest", "--db", db, str(ads))
        run("analyze", "--db", db)
        return
    lines = [line for line in ads.read_text(encoding="utf-8").splitlines(keepends=True) if line.strip()]
    cut = len(lines) - batch * rounds
    parts = [("base", lines[:cut])] + [
        (f"batch{r + 1}of{rounds}" if rounds > 1 else "batch", lines[cut + r * batch : cut + (r + 1) * batch])
        for r in range(rounds)
    ]
    # The images directory sits beside the corpus: the parts must sit there too (relative image paths).
    for part, chunk in parts:
        name = f"{part}-{batch}" if rounds == 1 else f"{part}-{batch}x{rounds}"
        path = ads.parent / f"same-results-{name}.jsonl"
        if not path.exists():
            path.write_text("".join(chunk), encoding="utf-8")
        run("ingest", "--db", db, str(path))
        run("analyze", "--db", db)


def first_difference(a: Path, b: Path) -> str:
    with open(a, encoding="utf-8") as fa, open(b, encoding="utf-8") as fb:
        for number, (la, lb) in enumerate(zip(fa, fb, strict=False), start=1):
            if la != lb:
                return f"line {number}:\n  before: {la[:400]}\n  after:  {lb[:400]}"
    return "one file is a prefix of the other (different line counts)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--ads", type=Path, required=True, help="the corpus (JSON Lines)")
    parser.add_argument("--out", type=Path, required=True, help="directory for this run's exports")
    parser.add_argument("--against", type=Path, help="directory of an earlier run's exports to compare")
    parser.add_argument("--batch", type=int, default=0, help="analyse the newest N ads in a second round")
    parser.add_argument("--rounds", type=int, default=1, help="with --batch: that many batches of N, in turn")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="same-results-") as tmp:
        db = str(Path(tmp) / "store.db")
        analysed(args.ads.resolve(), db, args.batch, Path(tmp), args.rounds)
        for export in EXPORTS:
            run("export", export, "--db", db, "--out", str(args.out / f"{export}.jsonl"))
    print(f"exports written to {args.out} in {time.perf_counter() - t:.0f}s")
    differ = False
    for export in EXPORTS:
        mine = args.out / f"{export}.jsonl"
        data = mine.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:16]
        lines = data.count(b"\n")
        line = f"  export {export}: {lines:,} lines, sha256 {digest}"
        if args.against:
            theirs = args.against / f"{export}.jsonl"
            same = theirs.read_bytes() == data
            line += " identical" if same else f" DIFFERENT from {theirs}: {first_difference(theirs, mine)}"
            differ = differ or not same
        print(line)
    if differ:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
