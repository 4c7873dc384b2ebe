"""The demo corpus: deterministic, truthful (truth matches the text), synthetic-only, realistic rates."""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import imagehash
import pytest
from PIL import Image

from safeharbor.demo import GenerateSummary, generate, load_meta, load_truth
from safeharbor.demo.vocab import AGE_WORDS, CITIES, NUMBER_WORDS

N_ADS = 3000
SEED = 11

CITY_FORMS: dict[str, list[str]] = {c.name: [c.name, *c.aliases] for c in CITIES}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerateSummary, Path]:
    out = tmp_path_factory.mktemp("demo")
    return generate(out, N_ADS, SEED, bad_lines=7), out


@pytest.fixture(scope="module")
def ads_and_truth(corpus: tuple[GenerateSummary, Path]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    summary, out = corpus
    good = [ad for ad in (_parse(line) for line in summary.ads_path.read_text().splitlines()) if ad]
    truth = read_jsonl(summary.truth_path)
    assert len(good) == len(truth)
    return list(zip(good, truth, strict=True))


def _parse(line: str) -> dict[str, Any] | None:
    """A strict docs/formats.md ingest validator: None for a line that ingest must set aside."""
    try:
        ad = json.loads(line)
    except json.JSONDecodeError:
        return None
    if not isinstance(ad, dict):
        return None
    for key in ("id", "source", "posted_at", "body"):
        if not isinstance(ad.get(key), str):
            return None
    if "images" in ad and not isinstance(ad["images"], list):
        return None
    return ad


def normalise(text: str) -> str:
    """What a careful reader does before looking for digits: unescape, strip tags, fold widths, words."""
    text = re.sub(r"<[^>]+>", " ", html.unescape(text))
    text = unicodedata.normalize("NFKC", text).lower()
    for digit, word in enumerate(NUMBER_WORDS):
        text = text.replace(word, str(digit))
    return text


def digits_pattern(digits: str) -> re.Pattern[str]:
    alike = {"0": "[0o]", "1": "[1li]"}
    return re.compile(r"[\W_]*".join(alike.get(d, d) for d in digits))


def test_exact_counts_and_files(corpus: tuple[GenerateSummary, Path]) -> None:
    summary, out = corpus
    lines = summary.ads_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == N_ADS + 7
    assert sum(_parse(line) is None for line in lines) == summary.bad_lines == 7
    assert summary.ads == N_ADS == len(read_jsonl(summary.truth_path))
    ops = read_jsonl(summary.operators_path)
    assert summary.operators == len(ops)
    assert summary.persons == sum(len(op["persons"]) for op in ops)
    truth = read_jsonl(summary.truth_path)
    assert summary.minor_ads == sum(t["minor"] for t in truth)
    assert len(load_truth(out)) == N_ADS and load_meta(out)["n_ads"] == N_ADS


def test_deterministic_per_seed(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", 400, 5, bad_lines=3)
    b = generate(tmp_path / "b", 400, 5, bad_lines=3)
    c = generate(tmp_path / "c", 400, 6, images=False)
    for name in ("ads.jsonl", "truth.jsonl", "operators.jsonl", "meta.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    files_a = sorted(p.name for p in (tmp_path / "a" / "images").iterdir())
    assert files_a == sorted(p.name for p in (tmp_path / "b" / "images").iterdir())
    assert a.images == len(files_a)
    assert (tmp_path / "a" / "ads.jsonl").read_bytes() != c.ads_path.read_bytes()
    assert c.images == 0 and not (tmp_path / "c" / "images").exists()
    assert b.ads == 400


def test_ids_unique_and_reposts_point_back(
    ads_and_truth: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for ad, truth in ads_and_truth:
        key = (ad["source"], ad["id"])
        assert key not in seen
        assert (truth["source"], truth["id"]) == key
        if truth["repost_of"]:
            original = seen[(ad["source"], truth["repost_of"])]  # earlier in the file, same source
            assert original["operator"] == truth["operator"]
            assert original["city"] == truth["city"]
            assert original["posted_at"] < truth["posted_at"]
        seen[key] = truth
        assert ad["posted_at"].endswith("Z") and "2026-08-03" <= ad["posted_at"][:10] <= "2026-10-31"


def test_truth_matches_text(ads_and_truth: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    for ad, truth in ads_and_truth:
        raw = f"{ad.get('title', '')}\n{ad['body']}"
        text = normalise(raw)
        plain = html.unescape(raw)
        for phone in truth["phones"]:
            assert re.fullmatch(r"\+1\d{3}55501\d\d", phone)
            assert digits_pattern(phone[2:]).search(text), (phone, raw)
        # ...and no phone number is in the text that the truth does not list.
        found = {m for m in re.findall(r"(?<!\d)(\d{3})\D{0,3}(555)\D{0,3}(01\d\d)(?!\d)", text)}
        assert {"+1" + "".join(m) for m in found} <= set(truth["phones"]), raw
        for email in truth["emails"]:
            local, domain = email.split("@")
            assert re.fullmatch(r"[a-z0-9._]+@example\.(com|org|net)", email)
            assert local in plain.lower() and domain.split(".")[0] in plain.lower()
        for handle in truth["handles"]:
            assert handle.startswith("@") and handle[1:] in plain
        for name in truth["names"]:
            assert name in plain
        for age in truth["ages"]:
            assert 18 <= age <= 50
            in_words = AGE_WORDS.get(age, "\0") in plain.lower()
            assert in_words or re.search(rf"(?<!\d){age}(?!\d)", text), (age, raw)
        for indicator in truth["indicators"]:
            assert indicator["phrase"] in plain
        location = (ad.get("location") or "").lower()
        forms = [f.lower() for f in CITY_FORMS[truth["city"]]]
        assert any(f in plain.lower() or f in location for f in forms)
        assert len(truth["true_ages"]) == len(truth["persons"])
        assert truth["minor"] == any(a < 18 for a in truth["true_ages"])


def test_only_synthetic_contacts_and_domains(corpus: tuple[GenerateSummary, Path]) -> None:
    summary, _ = corpus
    text = summary.ads_path.read_text(encoding="utf-8")
    for url in re.findall(r"https?://([^/\"\s]+)", text):
        assert re.fullmatch(r"([a-z0-9-]+\.)*example\.(com|org|net)", url), url
    for domain in re.findall(r"@([a-z0-9-]+\.[a-z.]+)", text.lower()):
        assert re.fullmatch(r"example\.(com|org|net)", domain), domain
    ops = read_jsonl(summary.operators_path)
    owner: dict[str, str] = {}
    for op in ops:
        for phone in op["phones"]:
            assert re.fullmatch(r"\+1\d{3}55501\d\d", phone) and not phone.endswith("0100")
            assert owner.setdefault(phone, op["id"]) == op["id"], "own phones never collide"


def test_shared_identifiers_span_unrelated_operators(corpus: tuple[GenerateSummary, Path]) -> None:
    summary, out = corpus
    meta = json.loads((out / "meta.json").read_text())
    shared = {s["key"]: s for s in meta["shared_identifiers"]}
    assert len(shared["junk_phone"]["operators"]) >= 25
    assert len(shared["stock_image"]["operators"]) >= 20
    assert 3 <= len(shared["agency_phone"]["operators"]) <= 8  # planted in 4-8; an operator may not show it
    truth = read_jsonl(summary.truth_path)
    junk = shared["junk_phone"]["value"]
    assert len({t["operator"] for t in truth if junk in t["phones"]}) >= 25


def test_images_abstract_reused_and_close(corpus: tuple[GenerateSummary, Path]) -> None:
    summary, out = corpus
    files = list((out / "images").iterdir())
    assert summary.images == len(files) <= 0.6 * N_ADS
    truth = read_jsonl(summary.truth_path)
    by_key: dict[str, set[str]] = defaultdict(set)
    uses = Counter[str]()
    for ad, t in zip(
        (a for a in (_parse(x) for x in summary.ads_path.read_text().splitlines()) if a), truth, strict=True
    ):
        uses.update(ad["images"])
        # The truth lists base keys; the ad lists files. Map files to keys via the person's base keys.
        for ref in ad["images"]:
            assert (out / ref).exists()
        if len(t["image_keys"]) == 1 and len(ad["images"]) == 1:
            by_key[t["image_keys"][0]].add(ad["images"][0])
    assert max(uses.values()) > 20  # the stock image
    hashes = {}
    for key, refs in list(by_key.items())[:60]:
        hs = []
        for ref in sorted(refs):
            with Image.open(out / ref) as img:
                assert 96 <= img.width <= 160 and img.mode in ("RGB", "P")
                hs.append(imagehash.phash(img))
        # variants lie within 6 bits of their base, so within 12 of each other
        assert max(a - b for a in hs for b in hs) <= 12, key
        hashes[key] = hs[0]
    keys = list(hashes)
    far = [hashes[a] - hashes[b] for i, a in enumerate(keys) for b in keys[i + 1 :]]
    assert min(far) >= 12


def test_rates_within_bounds(ads_and_truth: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    truth = [t for _, t in ads_and_truth]
    n = len(truth)
    minors = [t for t in truth if t["minor"]]
    adults = [t for t in truth if not t["minor"]]
    assert 0.05 <= len(minors) / n <= 0.10
    assert sum(t["operator_kind"] == "network" for t in minors) / len(minors) >= 0.75

    def share(group: list[dict[str, Any]], category: str) -> float:
        return sum(any(i["category"] == category for i in t["indicators"]) for t in group) / len(group)

    assert 0.45 <= share(minors, "youth") <= 0.75 and 0.06 <= share(adults, "youth") <= 0.18
    obf_minor = sum(t["obfuscated_phone"] for t in minors) / len(minors)
    obf_adult = sum(t["obfuscated_phone"] for t in adults) / len(adults)
    assert 0.4 <= obf_minor <= 0.75 and 0.12 <= obf_adult <= 0.32
    assert 0.38 <= sum(t["operator_kind"] == "network" for t in truth) / n <= 0.52
    assert 0.3 <= sum(t["repost_of"] is not None for t in truth) / n <= 0.55
    # Not trivially separable: a good share of children's ads carry no youth phrase at all.
    assert share(minors, "youth") < 0.8


@pytest.mark.parametrize("n_ads", [0, 1, 7, 60])
def test_tiny_corpora_are_well_formed(tmp_path: Path, n_ads: int) -> None:
    summary = generate(tmp_path, n_ads, 2, bad_lines=2)
    assert summary.ads == n_ads == len(read_jsonl(summary.truth_path))
    lines = summary.ads_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == n_ads + 2 and sum(_parse(line) is None for line in lines) == 2
    assert summary.operators == len(read_jsonl(summary.operators_path))


def test_operators_truth_is_consistent(corpus: tuple[GenerateSummary, Path]) -> None:
    summary, _ = corpus
    ops = {op["id"]: op for op in read_jsonl(summary.operators_path)}
    kinds = Counter(op["kind"] for op in ops.values())
    assert 0.12 <= kinds["network"] / len(ops) <= 0.22
    per_op: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in read_jsonl(summary.truth_path):
        per_op[t["operator"]].append(t)
    for op_id, ads in per_op.items():
        op = ops[op_id]
        assert op["ads"] == len(ads) and op["kind"] == ads[0]["operator_kind"]
        persons = {p["id"]: p for p in op["persons"]}
        stays = [(s["arrive"], s["depart"], s["city"]) for s in op["circuit"]]
        for t in ads:
            assert set(t["persons"]) <= set(persons)
            assert t["true_ages"] == [persons[p]["true_age"] for p in t["persons"]]
            # the ad is posted during a stay in the city it names
            assert any(a <= t["posted_at"] < d and c == t["city"] for a, d, c in stays), t
            own = set(t["phones"]) & set(op["phones"])
            assert own, "every ad shows at least one of its operator's own phones"
        if op["kind"] == "network":
            assert 2 <= len(op["persons"]) <= 6 and 2 <= len(op["phones"]) <= 5
        if op["kind"] == "business":
            assert len({s["city"] for s in op["circuit"]}) == 1 and len(op["phones"]) == 1
