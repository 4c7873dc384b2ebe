"""Re-link an analysed store from its stored features: the link stage's graph step at full size.

Building a 1M-ad store takes most of an hour; its link stage's memory is that of the graph step
(`_link_all`: load every ad's features, the text index, the text-edge search, control, writes), which
this re-runs on the stored features of a COPY of a store that `bench/scale.py --keep` left. It clears the
state that lets a run be incremental (the graph is marked stale, the stored band keys and text weight
base dropped), so every step runs over all ads as on the first analyse, and prints wall seconds, CPU
seconds and peak RSS of this process:

    cp /tmp/safeharbor-bench/scale-1150000-XXXX/scale.db /tmp/relink.db
    nice -n 10 .venv/bin/python bench/relink.py /tmp/relink.db

It changes the store it is given: never point it at a store you keep.
"""

from __future__ import annotations

import argparse
import resource
import time

from sqlalchemy import delete, update

from safeharbor.link.run import GRAPH_CURRENT_KEY, TEXT_BASE_KEY, update_networks
from safeharbor.link.tables import link_state, link_text_bands
from safeharbor.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("db", help="a copy of an analysed store (it is changed)")
    args = parser.parse_args()
    store = open_store(args.db)
    with store.begin() as conn:
        conn.execute(update(link_state).where(link_state.c.key == GRAPH_CURRENT_KEY).values(value="0"))
        conn.execute(delete(link_state).where(link_state.c.key == TEXT_BASE_KEY))
        conn.execute(delete(link_text_bands))
    wall, cpu = time.perf_counter(), time.process_time()
    summary = update_networks(store)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(
        f"re-linked {summary.ads_total:,} ads into {summary.networks:,} networks: "
        f"{wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak_mb:,.0f} MB"
    )


if __name__ == "__main__":
    main()
