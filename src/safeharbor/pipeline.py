"""`safeharbor analyze`: extract -> index -> link -> score -> alerts, each incremental, with a summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from safeharbor.extract.run import extract_pending
from safeharbor.ingest.unreadable import set_aside_unreadable_ads
from safeharbor.link.run import update_networks
from safeharbor.score.run import update_scores
from safeharbor.storage.engine import Store
from safeharbor.workspace.alerts import update_alerts
from safeharbor.workspace.search import update_index


class StageSummary(Protocol):
    def lines(self) -> list[str]: ...


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
) -> AnalyzeSummary:
    """Bring every derived table up to date with the raw ads. `progress(stage, done, total)`."""
    result = AnalyzeSummary()

    def report(stage: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(stage, done, total)

    result.set_aside = set_aside_unreadable_ads(store)
    result.stages.append(("extract", extract_pending(store, rebuild=rebuild, progress=report("extract"))))
    result.stages.append(("index", update_index(store, rebuild=rebuild)))
    result.stages.append(("link", update_networks(store, rebuild=rebuild, progress=report("link"))))
    result.stages.append(("score", update_scores(store, rebuild=rebuild)))
    # Last: new ads x watched identifiers -> alerts (needs their extractions and networks).
    result.stages.append(("alerts", update_alerts(store)))
    return result
