"""Scoring on a real store: spans point at evidence, catalogue edits re-score, results are reproducible."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy import select

from safeharbor.link.tables import link_ad_network, link_cuts
from safeharbor.score.catalogue import Catalogue, load_catalogue, parse_catalogue
from safeharbor.score.queries import network_scores, scores_for_ads
from safeharbor.score.run import update_scores
from safeharbor.score.tables import score_ads, score_flags
from safeharbor.storage import Store
from safeharbor.storage.reads import load_ads
from safeharbor.storage.schema import ad_images
from tests.test_score_support import add_ad, new_store

YOUTHFUL = "Hi, Candy here 🍒 young and sweet, 19. Call 2 1 4 5 5 5 0 1 3 4, no LE"
PLAIN = "Classy lady Monroe, 31, call 214-555-0199 for an appointment"


def _two_ads(store: Store) -> tuple[int, int]:
    a = add_ad(
        store,
        "a1",
        YOUTHFUL,
        title="Candy ~ new to this",
        phones=[("2 1 4 5 5 5 0 1 3 4", "+12145550134")],
        ages=["19"],
        names=["Candy"],
    )
    b = add_ad(store, "b1", PLAIN, phones=[("214-555-0199", "+12145550199")], ages=["31"], names=["Monroe"])
    return a, b


def _edited(tmp_path: Path, edit: dict[str, dict[str, object]]) -> Catalogue:
    data = yaml.safe_load(load_catalogue().path and Path(load_catalogue().path).read_text(encoding="utf-8"))
    for entry in data["indicators"]:
        entry.update(edit.get(entry["id"], {}))
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return parse_catalogue(path.read_text(encoding="utf-8"), str(path))


def test_scores_flags_and_spans(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    a, b = _two_ads(store)
    summary = update_scores(store)
    assert summary.ads_combined == 2 and any(
        "indicators of a possible minor" in line for line in summary.lines()
    )
    with store.connect() as conn:
        scores = scores_for_ads(conn, [a, b])
        ads = {ad.ad_key: ad for ad in load_ads(conn, [a, b])}
    # One ad on its own: its phrases count, but most of youth language's strength is counted per person
    # (test_score_persons.py), so a lone ad stays well below a person whose ads keep showing it.
    assert scores[a].risk > 10 * scores[b].risk and scores[b].risk < 0.01
    fired = {f.indicator for f in scores[a].flags}
    assert {
        "youth_language",
        "youth_emoji",
        "obscured_contact",
        "stated_age_18_19",
        "police_refusal",
    } <= fired
    for flag in scores[a].flags:
        if flag.field is not None:
            assert ads[a].field_text(flag.field)[flag.start : flag.end] == flag.evidence  # type: ignore[arg-type]
        assert set(flag.as_export()) == {"indicator", "evidence", "weight"}
    # strongest contribution first
    weights = [f.weight for f in scores[a].flags]
    assert weights == sorted(weights, reverse=True)
    assert {f.indicator for f in scores[b].flags} <= {"stated_age_18_19"}


def test_incremental_only_new_ads_are_matched(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    _two_ads(store)
    update_scores(store)
    again = update_scores(store)
    assert again.ads_matched == 0 and again.ads_combined == 0
    add_ad(store, "c1", "Petite and fresh, ask for her", names=[])
    third = update_scores(store)
    assert third.ads_matched == 1 and third.ads_combined == 1


def test_reweighting_the_catalogue_changes_scores_without_rematching(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    a, _ = _two_ads(store)
    update_scores(store)
    with store.connect() as conn:
        before = scores_for_ads(conn, [a])[a]
    heavier = _edited(tmp_path, {"youth_language": {"weight": 3.0}})
    summary = update_scores(store, catalogue=heavier)
    assert summary.ads_matched == 0 and summary.ads_combined == 2
    with store.connect() as conn:
        after = scores_for_ads(conn, [a])[a]
    assert after.risk > before.risk
    assert next(f.weight for f in after.flags if f.indicator == "youth_language") == 3.0


def test_editing_patterns_rematches_only_that_indicator(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    a, b = _two_ads(store)
    update_scores(store)
    edited = _edited(tmp_path, {"hotel_venue": {"patterns": {"words": ["appointment"]}}})
    summary = update_scores(store, catalogue=edited)
    assert summary.indicators_rematched == ["hotel_venue"]
    with store.connect() as conn:
        flags = {f.indicator: f for f in scores_for_ads(conn, [b])[b].flags}
    assert flags["hotel_venue"].evidence == "appointment"


def test_new_indicator_added_by_an_analyst(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    a, b = _two_ads(store)
    update_scores(store)
    data = yaml.safe_load(Path(load_catalogue().path).read_text(encoding="utf-8"))
    data["indicators"].append(
        {
            "id": "classy_word",
            "title": "The word classy",
            "weight": 0.5,
            "validity": "made up for a test",
            "source": "none (test)",
            "patterns": {"words": ["classy"]},
        }
    )
    cat = parse_catalogue(yaml.safe_dump(data, allow_unicode=True))
    update_scores(store, catalogue=cat)
    with store.connect() as conn:
        assert "classy_word" in {f.indicator for f in scores_for_ads(conn, [b])[b].flags}
    # removing it again removes its flags
    update_scores(store)
    with store.connect() as conn:
        assert "classy_word" not in {f.indicator for f in scores_for_ads(conn, [b])[b].flags}


def test_scores_are_reproducible(tmp_path: Path) -> None:
    results = []
    for n in range(2):
        store = new_store(tmp_path / str(n))
        _two_ads(store)
        update_scores(store)
        with store.connect() as conn:
            rows = conn.execute(
                select(score_ads.c.ad_key, score_ads.c.risk).order_by(score_ads.c.ad_key)
            ).all()
            flags = conn.execute(
                select(score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.evidence).order_by(
                    score_flags.c.ad_key, score_flags.c.indicator
                )
            ).all()
        results.append((rows, flags))
    assert results[0] == results[1]
    store = new_store(tmp_path / "0")
    update_scores(store, rebuild=True)
    with store.connect() as conn:
        rows = conn.execute(select(score_ads.c.ad_key, score_ads.c.risk).order_by(score_ads.c.ad_key)).all()
    assert rows == results[0][0]


def test_phone_signals_age_changes_and_persons(tmp_path: Path) -> None:
    """One phone advertising 'Lexi' as 19 in one city and 22 in others; several names behind one phone."""
    store = new_store(tmp_path)
    keys = []
    cities = [("Dallas", "TX"), ("Austin", "TX"), ("Houston", "TX"), ("Waco", "TX")]
    for n, (age, city) in enumerate(zip(["19", "22", "22", "19"], cities, strict=True)):
        body = f"Lexi, {age}, in town. Text 214-555-0142"
        keys.append(
            add_ad(
                store,
                f"p{n}",
                body,
                posted_at=f"2026-05-0{n + 1}T10:00:00Z",
                phones=[("214-555-0142", "+12145550142")],
                ages=[age],
                names=["Lexi"],
                city=city,
            )
        )
    for n, name in enumerate(["Mia", "Kiki"]):
        body = f"{name} here. Text 214-555-0142"
        keys.append(add_ad(store, f"q{n}", body, phones=[("214-555-0142", "+12145550142")], names=[name]))
    update_scores(store)
    with store.connect() as conn:
        scores = scores_for_ads(conn, keys)
    first = {f.indicator: f for f in scores[keys[0]].flags}
    assert first["age_changes"].level == "network" and first["age_changes"].start is None
    assert "19" in first["age_changes"].evidence and "22" in first["age_changes"].evidence
    assert "many_persons_one_contact" in first and "fast_circuit" in first
    assert "age_changes" not in {f.indicator for f in scores[keys[-1]].flags}  # Kiki's ad: not her ages


def test_networks_from_the_link_stage(tmp_path: Path) -> None:
    from safeharbor.link.tables import link_ad_network

    store = new_store(tmp_path)
    a, b = _two_ads(store)
    c = add_ad(store, "c1", "Lexi here, fresh face. Call 214-555-0177", names=["Lexi"])
    with store.begin() as conn:
        conn.execute(
            link_ad_network.insert(), [{"ad_key": a, "network_id": "N-1"}, {"ad_key": c, "network_id": "N-1"}]
        )
    summary = update_scores(store)
    assert summary.linked and summary.networks_scored == 1
    with store.connect() as conn:
        nets = network_scores(conn, ["N-1"])
        ads = scores_for_ads(conn, [a, b, c])
    assert nets["N-1"].risk == max(ads[a].risk, ads[c].risk) and nets["N-1"].n_ads == 2
    assert ads[a].network_id == "N-1" and ads[b].network_id is None
    youth = next(f for f in nets["N-1"].flags if f.indicator == "youth_language")
    assert "2 of 2 ads" in youth.note and youth.start is None
    # an ad joining the network later re-scores the network
    d = add_ad(store, "d1", "Lexi again 🎀", names=["Lexi"])
    with store.begin() as conn:
        conn.execute(link_ad_network.insert().values(ad_key=d, network_id="N-1"))
    update_scores(store)
    with store.connect() as conn:
        assert network_scores(conn, ["N-1"])["N-1"].n_ads == 3


def _stored_scores(store: Store) -> list[tuple[object, ...]]:
    with store.connect() as conn:
        rows = conn.execute(
            select(score_ads.c.ad_key, score_ads.c.logit, score_ads.c.persons, score_ads.c.person_evidence)
        )
        flags = conn.execute(select(score_flags.c.ad_key, score_flags.c.indicator, score_flags.c.note))
        return sorted(repr(tuple(r)) for r in [*rows, *flags])  # type: ignore[misc]


def test_an_image_cut_after_scoring_regroups_the_ads_that_show_it(tmp_path: Path) -> None:
    # Three networks with no working names (a person is named by a photo); the first two show one
    # photo. The link stage then cuts that photo as shared: only those two networks are re-grouped,
    # and the scores are those of a fresh run.
    store = new_store(tmp_path / "cut")
    keys = [add_ad(store, f"a{i}", f"New in town, sweet and young {i}, call me") for i in range(6)]
    photo = "00ff00ff00ff00ff"
    with store.begin() as conn:
        conn.execute(
            link_ad_network.insert(), [{"ad_key": k, "network_id": f"N-{i // 2}"} for i, k in enumerate(keys)]
        )
        conn.execute(
            ad_images.insert(),
            [{"ad_key": k, "position": 0, "ref": "p.png", "phash": photo, "status": "ok"} for k in keys[:4]],
        )
    update_scores(store)
    shown = _stored_scores(store)
    with store.begin() as conn:
        conn.execute(
            link_cuts.insert().values(
                kind="image", value=photo, ads=4, postings=4, groups=2, cities=1, reason="shared photo"
            )
        )
    summary = update_scores(store)
    assert summary.ads_grouped == summary.ads_combined == 4
    cut = _stored_scores(store)
    assert cut != shown  # the photo named the persons of the first two networks
    update_scores(store, rebuild=True)
    assert _stored_scores(store) == cut
