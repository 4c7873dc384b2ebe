"""The incremental decisions of a scoring run, on plain values (no database): plan.py."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from safeharbor.score.catalogue import Catalogue, load_catalogue
from safeharbor.score.plan import SCORER_VERSION, Scored, ScoreInputs, plan_scoring

MODEL = "model-hash-1"


@pytest.fixture(scope="module")
def cat() -> Catalogue:
    return load_catalogue()


def _state(cat: Catalogue, **changes: Any) -> dict[str, Any]:
    state: dict[str, Any] = {
        "scorer_version": SCORER_VERSION,
        "match_hashes": cat.match_hashes(),
        "model_hash": MODEL,
        "person_hash": cat.person_hash(),
    }
    state.update(changes)
    return state


def _inputs(
    cat: Catalogue,
    *,
    keys: tuple[int, ...] = (1, 2, 3, 4),
    scored: Mapping[int, Scored] | None = None,
    networks: Mapping[int, str] | None = None,
    state: Mapping[str, Any] | None = None,
) -> ScoreInputs:
    nets = dict(networks or {})
    return ScoreInputs(
        state=_state(cat) if state is None else state,
        keys=keys,
        extract_versions={k: "v1" for k in keys},
        scored={k: Scored("v1", nets.get(k)) for k in keys} if scored is None else scored,
        networks=nets,
        has_leads=True,
        model_hash=MODEL,
    )


def test_nothing_changed_means_nothing_to_do(cat: Catalogue) -> None:
    plan = plan_scoring(_inputs(cat), cat)
    assert not plan.rebuild and plan.new_keys == () and plan.changed == () and plan.removed == ()
    assert plan.target == frozenset() and plan.combine == frozenset() and not plan.reweigh
    assert not plan.full_leads and plan.matched == 0


def test_first_run_scores_everything_and_rebuilds_the_leads(cat: Catalogue) -> None:
    plan = plan_scoring(_inputs(cat, scored={}, state={}), cat)
    assert plan.new_keys == (1, 2, 3, 4) and plan.target == frozenset({1, 2, 3, 4})
    assert plan.full_leads and plan.changed == ()  # nothing to re-match on ads never matched


def test_new_ads_regroup_their_networks_only(cat: Catalogue) -> None:
    networks = {1: "N-a", 2: "N-a", 3: "N-b", 4: "N-c", 5: "N-a"}
    scored = {k: Scored("v1", networks[k]) for k in (1, 2, 3, 4)}
    plan = plan_scoring(_inputs(cat, keys=(1, 2, 3, 4, 5), scored=scored, networks=networks), cat)
    assert plan.new_keys == (5,) and plan.old_keys == (1, 2, 3, 4)
    assert plan.target == frozenset({1, 2, 5}) and plan.combine == frozenset({1, 2, 5})
    assert plan.touched_networks == frozenset({"N-a"}) and not plan.expand_by_phone


def test_an_ad_that_moved_network_regroups_both_networks(cat: Catalogue) -> None:
    networks = {1: "N-a", 2: "N-b", 3: "N-b", 4: "N-c"}
    scored = {1: Scored("v1", "N-a"), 2: Scored("v1", "N-a"), 3: Scored("v1", "N-b"), 4: Scored("v1", "N-c")}
    plan = plan_scoring(_inputs(cat, scored=scored, networks=networks), cat)
    assert plan.moved == frozenset({2})
    assert plan.target == frozenset({1, 2, 3})
    assert plan.touched_networks == frozenset({"N-a", "N-b"})


def test_re_extracted_ads_are_matched_again(cat: Catalogue) -> None:
    inputs = _inputs(cat)
    inputs = replace(inputs, extract_versions={**inputs.extract_versions, 3: "v2"})
    plan = plan_scoring(inputs, cat)
    assert plan.new_keys == (3,) and plan.matched == 1


def test_before_linking_new_ads_reach_their_phone_groups(cat: Catalogue) -> None:
    scored = {k: Scored("v1", None) for k in (1, 2, 3)}
    plan = plan_scoring(_inputs(cat, scored=scored), cat)
    assert plan.target == frozenset({4}) and plan.expand_by_phone
    widened = plan.widened(frozenset({1, 4}))
    assert widened.target == frozenset({1, 4}) and not widened.expand_by_phone
    assert widened.combine == frozenset({1, 4})


def test_a_changed_weight_recombines_everything_without_rematching(cat: Catalogue) -> None:
    plan = plan_scoring(_inputs(cat, state=_state(cat, model_hash="older")), cat)
    assert plan.reweigh and plan.combine_all and plan.combine == frozenset({1, 2, 3, 4})
    assert plan.matched == 0 and plan.target == frozenset({1, 2, 3, 4})  # persons use the weights too


def test_changed_patterns_rematch_that_indicator_on_every_ad(cat: Catalogue) -> None:
    hashes = dict(cat.match_hashes(), youth_language="old")
    plan = plan_scoring(_inputs(cat, state=_state(cat, match_hashes=hashes)), cat)
    assert [i.id for i in plan.changed] == ["youth_language"] and plan.changed_ad
    assert plan.matched == 4 and plan.combine_all and plan.target == frozenset({1, 2, 3, 4})


def test_a_removed_indicator_is_dropped_and_everything_recombined(cat: Catalogue) -> None:
    hashes = dict(cat.match_hashes(), retired_indicator="x")
    plan = plan_scoring(_inputs(cat, state=_state(cat, match_hashes=hashes)), cat)
    assert plan.removed == ("retired_indicator",) and plan.rematched == ["retired_indicator (removed)"]
    assert plan.combine_all and plan.matched == 0


def test_a_changed_person_model_regroups_everything(cat: Catalogue) -> None:
    plan = plan_scoring(_inputs(cat, state=_state(cat, person_hash="older")), cat)
    assert plan.target == frozenset({1, 2, 3, 4}) and not plan.combine_all


@pytest.mark.parametrize("why", ["asked", "scorer_version"])
def test_rebuild_forgets_what_was_scored(cat: Catalogue, why: str) -> None:
    state = _state(cat, scorer_version="0") if why == "scorer_version" else _state(cat)
    plan = plan_scoring(_inputs(cat, state=state), cat, rebuild=why == "asked")
    assert plan.rebuild and plan.new_keys == (1, 2, 3, 4) and plan.full_leads
    assert not plan.reweigh  # nothing stored to re-weigh
    assert plan.new_state["scorer_version"] == SCORER_VERSION


def test_a_moved_discount_regroups_the_networks_of_the_ads_it_reweighs(cat: Catalogue) -> None:
    networks = {1: "N-a", 2: "N-a", 3: "N-b", 4: "N-c"}
    keys = (1, 2, 3, 4, 5, 6)
    scored = {k: Scored("v1", networks.get(k)) for k in keys}
    plan = plan_scoring(_inputs(cat, keys=keys, scored=scored, networks=networks), cat)
    assert plan.combine == frozenset()
    # Ad 1's flag strength moved (its whole network re-groups), as did stand-alone ad 5's; ad 4 (in a
    # network) and ad 6 (alone) only have new notes: ad 6's lead is rewritten, nothing is re-scored.
    moved = plan.regrouped(frozenset({1, 5}), frozenset(), frozenset({4, 6}))
    assert moved.target == moved.combine == frozenset({1, 2, 5})
    assert moved.touched_networks == frozenset({"N-a"}) and moved.relead == frozenset({6})
