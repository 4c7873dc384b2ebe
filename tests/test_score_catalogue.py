"""The catalogue is data: it loads, validates with clear messages, and hashes what affects scores."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from safeharbor.score.catalogue import CATALOGUE_ENV, CatalogueError, load_catalogue, parse_catalogue

REQUIRED_COVERAGE = {
    "youth_language",
    "youth_coded",
    "youth_emoji",
    "stated_age_18_19",
    "age_changes",
    "obscured_contact",
    "third_person",
    "several_persons",
    "third_party_control",
    "police_refusal",
    "deposit_cash",
    "movement_language",
    "hotel_venue",
}


def _minimal(**extra: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "id": "test_words",
        "title": "Test",
        "weight": 1.0,
        "validity": "a test",
        "source": "a test",
        "patterns": {"words": ["alpha"]},
    }
    entry.update(extra)
    return {"version": 1, "model": {"bias": -3}, "indicators": [entry]}


def test_packaged_catalogue_is_valid_and_covers_the_issue() -> None:
    cat = load_catalogue()
    ids = {i.id for i in cat.indicators}
    assert ids >= REQUIRED_COVERAGE
    for ind in cat.indicators:
        assert ind.source and ind.validity and ind.title
        assert ind.predictive in ("strong", "moderate", "weak", "unknown")
    # The research says movement language and stated ages are weak: the catalogue must say so too.
    assert cat.by_id()["movement_language"].predictive == "weak"
    assert cat.by_id()["stated_age_18_19"].predictive == "weak"
    assert cat.by_id()["youth_language"].predictive == "strong"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"patterns": {"regex": ["(unclosed"]}}, "does not compile"),
        ({"patterns": {"words": []}}, "needs patterns or a detector"),
        ({"patterns": {"shapes": ["x"]}}, "unknown pattern kinds"),
        ({"weight": "high"}, "must be a number"),
        ({"level": "planet"}, "level must be one of"),
        ({"source": ""}, "needs a source"),
        ({"detector": "mind_reader"}, "detector for level ad"),
        ({"level": "network", "detector": "age_changes"}, "network-level indicators use a detector"),
        ({"id": "Bad Id"}, "needs an id"),
        ({"fields": ["subject"]}, "fields must be among"),
    ],
)
def test_invalid_entries_are_rejected_with_a_reason(change: dict[str, object], message: str) -> None:
    data = _minimal(**change)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(yaml.safe_dump(data, allow_unicode=True))


def test_duplicate_ids_are_rejected() -> None:
    data = _minimal()
    data["indicators"] = [data["indicators"][0], data["indicators"][0]]  # type: ignore[index]
    with pytest.raises(CatalogueError, match="duplicate indicator ids"):
        parse_catalogue(yaml.safe_dump(data))


def test_hashes_separate_matching_from_weights() -> None:
    base = parse_catalogue(yaml.safe_dump(_minimal()))
    reweighted = parse_catalogue(yaml.safe_dump(_minimal(weight=2.0)))
    repatterned = parse_catalogue(yaml.safe_dump(_minimal(patterns={"words": ["alpha", "beta"]})))
    assert base.match_hashes() == reweighted.match_hashes()
    assert base.weights_hash() != reweighted.weights_hash()
    assert base.match_hashes() != repatterned.match_hashes()
    assert base.weights_hash() == repatterned.weights_hash()
    assert len({base.hash(), reweighted.hash(), repatterned.hash()}) == 3


def test_environment_variable_selects_an_analysts_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "my-catalogue.yaml"
    copy.write_text(yaml.safe_dump(_minimal()), encoding="utf-8")
    monkeypatch.setenv(CATALOGUE_ENV, str(copy))
    cat = load_catalogue()
    assert [i.id for i in cat.indicators] == ["test_words"] and cat.path == str(copy)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CatalogueError, match="cannot read catalogue"):
        load_catalogue(tmp_path / "nope.yaml")
