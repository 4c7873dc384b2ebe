"""`safeharbor analyze`: extract -> index -> link -> score -> alerts, each incremental, with a summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from safeharbor.extract.run import BatchRunner, extract_pending
from safeharbor.ingest.unreadable import set_aside_unreadable_ads
from safeharbor.link.cluster import ComponentFinder, connected_labels
from safeharbor.link.run import EdgeFinder, FeatureRunner, find_text_edges, update_networks
from safeharbor.score.match import MatchRunner
from safeharbor.score.run import update_scores
from safeharbor.storage.engine import Store
from safeharbor.workspace.alerts import update_alerts
from safeharbor.workspace.search import update_index


class StageSummary(Protocol):
    def lines(self) -> list[str]: ...


@dataclass(frozen=True)
class Engine:
    """Who runs the stages' compute steps. The stages load, write and decide in this process either way;
    another engine (safeharbor.spark) only runs the same pure compute functions elsewhere."""

    name: str = "local"
    extract: BatchRunner | None = None  # None: this machine's worker pool
    features: FeatureRunner | None = None
    text_edges: EdgeFinder = find_text_edges
    components: ComponentFinder = connected_labels  # link: connected components of the base graph
    match: MatchRunner | None = None


LOCAL = Engine()


@dataclass
class AnalyzeSummary:
    stages: list[tuple[str, StageSummary]] = field(default_factory=list)
    set_aside: int = 0  # stored ads that could not be read, moved to the quarantine

    def lines(self) -> list[str]:
        out: list[str] = []
        if self.set_aside:
            out.append(
                f"Set aside {self.set_aside:,} stored ads that could not be read "
                "(moved whole to the quarantine: safeharbor stats --quarantine)"
            )
        for _, summary in self.stages:
            out.extend(summary.lines())
        return out


def analyze(
    store: Store,
    *,
    rebuild: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
    engine: Engine = LOCAL,
) -> AnalyzeSummary:
    """Bring every derived table up to date with the raw ads. `progress(stage, done, total)`."""
    result = AnalyzeSummary()

    def report(stage: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(stage, done, total)

    result.set_aside = set_aside_unreadable_ads(store)
    extracted = extract_pending(store, rebuild=rebuild, progress=report("extract"), runner=engine.extract)
    result.stages.append(("extract", extracted))
    result.stages.append(("index", update_index(store, rebuild=rebuild)))
    linked = update_networks(
        store,
        rebuild=rebuild,
        progress=report("link"),
        feature_runner=engine.features,
        edge_finder=engine.text_edges,
        components=engine.components,
    )
    result.stages.append(("link", linked))
    result.stages.append(("score", update_scores(store, rebuild=rebuild, match_runner=engine.match)))
    # Last: new ads x watched identifiers -> alerts (needs their extractions and networks).
    result.stages.append(("alerts", update_alerts(store)))
    return result
