"""The risk world's knobs (demo.risk_knobs): each moves the world the way it says, and the default world
is untouched."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from safeharbor.demo import generate, load_meta
from safeharbor.demo.risk_knobs import (
    PROLIFIC_DESCRIPTORS,
    SHIFT_NAMES,
    STOCK_DESCRIPTORS,
    UNSEEN_YOUTH_EMOJI,
    UNSEEN_YOUTH_PHRASES,
    RiskKnobs,
    shift,
)
from safeharbor.score.catalogue import load_catalogue
from safeharbor.score.indicators import text_matcher

N_ADS = 2500
SEED = 23
YOUTH = ("youth_language", "youth_coded", "youth_emoji")


def _truth(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "truth.jsonl").read_text(encoding="utf-8").splitlines()]


def _world(tmp_path_factory: pytest.TempPathFactory, name: str) -> tuple[Path, list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp(name)
    generate(out, N_ADS, SEED, images=False, risk=shift(name, N_ADS).knobs)
    return out, _truth(out)


def _phrases(truth: list[dict[str, Any]], minor: bool, category: str) -> Counter[str]:
    return Counter(
        i["phrase"]
        for t in truth
        if t["minor"] == minor
        for i in t["indicators"]
        if i["category"] == category
    )


def test_default_knobs_leave_the_world_as_it_was(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 800, SEED, images=False)
    b = generate(tmp_path / "b", 800, SEED, images=False, risk=RiskKnobs())
    assert a.ads_path.read_bytes() == b.ads_path.read_bytes()
    assert a.truth_path.read_bytes() == b.truth_path.read_bytes()
    assert "risk_knobs" not in load_meta(tmp_path / "a")


def test_unseen_vocabulary_is_matched_by_no_catalogue_entry() -> None:
    ad_level = load_catalogue().of_level("ad")
    for text in (*UNSEEN_YOUTH_PHRASES, *UNSEEN_YOUTH_EMOJI):
        fired = [i.id for i in ad_level if text_matcher(i).find(f"Hi, {text} here")]
        assert fired == [], (text, fired)


def test_stock_descriptors_sound_young_to_the_catalogue() -> None:
    youth = text_matcher(load_catalogue().by_id()["youth_language"])
    for text in (*STOCK_DESCRIPTORS, *PROLIFIC_DESCRIPTORS):
        assert youth.find(f"Mia 24, {text}"), text


def test_unseen_world_writes_only_unseen_youth_language(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, truth = _world(tmp_path_factory, "unseen-vocab")
    written = _phrases(truth, True, "youth") + _phrases(truth, False, "youth")
    assert written
    assert set(written) <= set(UNSEEN_YOUTH_PHRASES) | set(UNSEEN_YOUTH_EMOJI)


def test_stock_descriptor_is_used_by_a_share_of_adult_posters(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    out, truth = _world(tmp_path_factory, "stock-descriptor")
    users: dict[str, bool] = defaultdict(bool)
    for t in truth:
        if not t["minor"]:
            users[t["operator"]] |= any(i["category"] == "stock_descriptor" for i in t["indicators"])
    assert 0.10 <= sum(users.values()) / len(users) <= 0.30
    assert not _phrases(truth, True, "stock_descriptor")  # children's operators do not use it
    assert load_meta(out)["risk_knobs"]["descriptor_operators"]


def test_prolific_posters_are_adults_with_hundreds_of_ads(tmp_path_factory: pytest.TempPathFactory) -> None:
    out, truth = _world(tmp_path_factory, "prolific")
    assert len(truth) == N_ADS  # taken out of the independents' share: the size stays exact
    prolific = load_meta(out)["risk_knobs"]["prolific_operators"]
    posters, each = 1, 100  # prolific_for(2500)
    assert len(prolific) == posters
    ads = [t for t in truth if t["operator"] in prolific]
    assert len(ads) == posters * each
    assert not any(t["minor"] for t in ads)
    assert all(any(i["category"] == "stock_descriptor" for i in t["indicators"]) for t in ads)


def test_silent_minors_use_no_youth_language(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, truth = _world(tmp_path_factory, "silent-minors")
    assert not _phrases(truth, True, "youth")
    assert _phrases(truth, False, "youth")


def test_swapped_rates_point_the_wrong_way(tmp_path_factory: pytest.TempPathFactory) -> None:
    out, _ = _world(tmp_path_factory, "swapped")
    measured = load_meta(out)["measured"]
    for category in ("youth", "third_person", "obscured_phone"):
        assert measured["adult"][category] > measured["minor"][category], category


def test_every_shift_has_a_name_and_says_whether_the_catalogue_covers_it() -> None:
    assert SHIFT_NAMES[0] == "none" and shift("none", 1000).knobs.is_default
    assert {n for n in SHIFT_NAMES if shift(n, 1000).covered} == {"none", "stock-descriptor", "prolific"}
    with pytest.raises(ValueError, match="unknown shift"):
        shift("nowhere", 1000)
