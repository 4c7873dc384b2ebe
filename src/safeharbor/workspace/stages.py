"""Guarded access to the later stages (linking, scoring, tips), so pages work before each one lands.

Each function returns an empty answer when its stage's module is not installed yet, and the
stage's real answer once it is. Only ImportError of the stage module itself is swallowed.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from sqlalchemy import Connection

log = logging.getLogger(__name__)


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and name.startswith(exc.name):
            return None
        raise


def _degrade(what: str, fallback: Callable[[], Any], call: Callable[[], Any]) -> Any:
    """Run a stage's read; if the stage fails, log it and show the page without that part."""
    try:
        return call()
    except Exception:  # noqa: BLE001 - a bug in another stage must not take the workspace down
        log.exception("workspace: %s failed; showing the page without it", what)
        return fallback()


def link_queries() -> ModuleType | None:
    return _module("safeharbor.link.queries")


def score_queries() -> ModuleType | None:
    return _module("safeharbor.score.queries")


def score_leads() -> ModuleType | None:
    return _module("safeharbor.score.leads")


def tips_module() -> ModuleType | None:
    mod = _module("safeharbor.tips")
    return mod if mod is not None and hasattr(mod, "list_tips") else None


def networks_for_ads(conn: Connection, ad_keys: Sequence[int]) -> dict[int, str]:
    mod = link_queries()
    if mod is None or not ad_keys:
        return {}
    return _degrade("networks_for_ads", dict, lambda: dict(mod.networks_for_ads(conn, list(ad_keys))))


def network_record(conn: Connection, network_id: str) -> Any | None:
    mod = link_queries()
    return (
        None
        if mod is None
        else _degrade("network_record", lambda: None, lambda: mod.network_record(conn, network_id))
    )


def network_graph(conn: Connection, network_id: str) -> dict[str, list[Any]]:
    mod = link_queries()
    if mod is None:
        return {"nodes": [], "edges": []}
    return _degrade("network_graph", _empty_graph, lambda: dict(mod.network_graph(conn, network_id)))


def _empty_graph() -> dict[str, list[Any]]:
    return {"nodes": [], "edges": []}


def why_linked(conn: Connection, a: int, b: int) -> list[Any]:
    mod = link_queries()
    return [] if mod is None else _degrade("why_linked", list, lambda: list(mod.why_linked(conn, a, b)))


def list_networks(conn: Connection, *, limit: int = 50, offset: int = 0) -> list[Any]:
    mod = link_queries()
    if mod is None:
        return []
    return _degrade("list_networks", list, lambda: list(mod.list_networks(conn, limit=limit, offset=offset)))


def scores_for_ads(conn: Connection, ad_keys: Sequence[int]) -> dict[int, Any]:
    mod = score_queries()
    if mod is None or not ad_keys:
        return {}
    return _degrade("scores_for_ads", dict, lambda: dict(mod.scores_for_ads(conn, list(ad_keys))))


def network_scores(conn: Connection, ids: Sequence[str]) -> dict[str, Any]:
    mod = score_queries()
    if mod is None or not ids or not hasattr(mod, "network_scores"):
        return {}
    return _degrade("network_scores", dict, lambda: dict(mod.network_scores(conn, list(ids))))


def network_persons(conn: Connection, ad_keys: Sequence[int]) -> list[Any]:
    mod = score_queries()
    if mod is None or not ad_keys or not hasattr(mod, "network_persons"):
        return []
    return _degrade("network_persons", list, lambda: list(mod.network_persons(conn, list(ad_keys))))


def attr(obj: Any, *names: str, default: Any = None) -> Any:
    """The first of these attributes (or keys) that obj has: tolerant of small API differences."""
    for name in names:
        if isinstance(obj, dict) and name in obj:
            return obj[name]
        if hasattr(obj, name):
            return getattr(obj, name)
    return default
