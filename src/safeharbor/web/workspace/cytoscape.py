"""A network graph as Cytoscape.js elements JSON (what static/network.js draws).

Cytoscape's format: `{"nodes": [{"data": {...}}], "edges": [{"data": {...}}]}`, each `data` with an
`id` (edges also `source` and `target`). Every element also carries its `kind`, which the stylesheet
in network.js colours by, and an ad node its page's path (`href`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from safeharbor.link.graph import Graph


def cytoscape_elements(graph: Graph, ad_href: Callable[[int], str]) -> dict[str, list[dict[str, Any]]]:
    nodes = []
    for node in graph.nodes:
        data: dict[str, Any] = {"id": node.id, "kind": node.kind, "label": node.label}
        if node.ad_key is not None:
            data.update(
                ad_key=node.ad_key, href=ad_href(node.ad_key), posted_at=node.posted_at, place=node.place
            )
        nodes.append({"data": data})
    edges = [
        {
            "data": {
                "id": f"e{n}",
                "source": edge.source,
                "target": edge.target,
                "kind": edge.kind,
                "weight": edge.weight,
                "evidence": edge.evidence,
            }
        }
        for n, edge in enumerate(graph.edges)
    ]
    return {"nodes": nodes, "edges": edges}
