"""`safeharbor analyze`: extract -> link -> score, each incremental, each printing a summary."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from safeharbor.extract.run import extract_pending
from safeharbor.ingest.unreadable import set_aside_unreadable_ads
from safeharbor.stages import optional
from safeharbor.storage.engine import Store


class StageSummary(Protocol):
    def lines(self) -> list[str]: ...


@dataclass
class AnalyzeSummary:
    stages: list[tuple[str, Any]] = field(default_factory=list)
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
    search = optional("safeharbor.workspace.search")
    if search is not None:
        result.stages.append(("index", search.update_index(store, rebuild=rebuild)))
    link = optional("safeharbor.link.run")
    if link is not None:
        result.stages.append(("link", link.update_networks(store, rebuild=rebuild, progress=report("link"))))
    score = optional("safeharbor.score.run")
    if score is not None:
        result.stages.append(("score", score.update_scores(store, rebuild=rebuild)))
    return result
