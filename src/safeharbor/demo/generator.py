"""Generate the synthetic demo corpus: ads.jsonl, truth.jsonl, operators.jsonl, meta.json, images/.

Operators and their small ad plans are built first (no text), sorted by time, then each ad is
rendered and streamed to disk with its truth line, so memory stays modest for large corpora.
See `safeharbor.demo.rates` for the rates used.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any, TextIO

from safeharbor.demo import rates
from safeharbor.demo.images import ImageBank
from safeharbor.demo.link_knobs import (
    Collision,
    LinkKnobs,
    PersonPhones,
    knob_rng,
    make_habits,
    plant_collisions,
    rotate_between_persons,
)
from safeharbor.demo.obfuscate import e164
from safeharbor.demo.operators import END, START, Cast, Operator, PhonePool, make_operator, split_counts
from safeharbor.demo.plan import AdPlan, SharedUse, plan_operator
from safeharbor.demo.risk_knobs import RiskKnobs, voices
from safeharbor.demo.text import Template, make_template, render
from safeharbor.demo.truth import GenerateSummary, Tally, ad_truth, iso, operator_truth
from safeharbor.demo.vocab import CATEGORIES, CITIES, SOURCES

GENERATOR_VERSION = "1"
ADS_PER_OPERATOR = 12
SOURCE_HOSTS = {name: (host, prefix) for name, host, prefix in SOURCES}


def _kind_sizes(n_ads: int, n_ops: int) -> dict[str, tuple[int, int]]:
    """(operators, ads) per kind, honouring the shares in `rates` and n_ads exactly."""
    ads = {
        "network": round(n_ads * rates.AD_SHARE["network"]),
        "business": round(n_ads * rates.AD_SHARE["business"]) if n_ads >= 40 else 0,
    }
    ads["independent"] = n_ads - ads["network"] - ads["business"]
    ops = {
        "network": max(1, round(n_ops * rates.OPERATOR_KIND_SHARE["network"])),
        "business": max(1, round(n_ops * rates.OPERATOR_KIND_SHARE["business"])),
    }
    ops["independent"] = max(1, n_ops - ops["network"] - ops["business"])
    return {k: (min(ops[k], ads[k]), ads[k]) for k in ("network", "independent", "business")}


def build_operators(
    rng: random.Random, n_ads: int, prolific: tuple[int, int] = (0, 0)
) -> tuple[list[Operator], dict[str, Template]]:
    """Operators and their templates; `prolific` (risk world knob): (posters, ads each) of adult
    independents posting hundreds of ads, taken out of the independents' share."""
    cast = Cast()
    pool = PhonePool(random.Random(rng.getrandbits(64)))
    n_ops = max(3, min(round(n_ads / ADS_PER_OPERATOR), pool.capacity // 2))
    posters, each = prolific
    each = min(each, n_ads // (4 * posters)) if posters else 0
    sizes = _kind_sizes(n_ads, n_ops)
    if posters and each:
        count, ads = sizes["independent"]
        sizes["independent"] = (count, ads - posters * each)
    templates: dict[str, Template] = {}

    def new_template(kind: str) -> str:
        tid = cast.next_template()
        templates[tid] = make_template(rng, tid, kind)
        return tid

    popular = [new_template("independent") for _ in range(max(1, min(5, sizes["independent"][0] // 40)))]
    ops: list[Operator] = []
    for kind, sigma in (("network", 0.5), ("independent", 1.0), ("business", 0.5)):
        count, ads = sizes[kind]
        for n in split_counts(rng, ads, count, sigma):
            with_minor = kind == "network" and rng.random() < rates.NETWORK_WITH_MINOR
            controlled = kind == "independent" and rng.random() < rates.INDEPENDENT_CONTROLLED_MINOR
            copies = kind == "independent" and rng.random() < rates.INDEPENDENT_COPIES_POPULAR
            tid = rng.choice(popular) if copies else new_template(kind)
            op = make_operator(rng, cast, pool, kind, n, tid, with_minor=with_minor, controlled=controlled)
            op.sources = sorted(rng.sample([s[0] for s in SOURCES], 1 if rng.random() < 0.7 else 2))
            ops.append(op)
    for _ in range(posters if each else 0):
        op = make_operator(rng, cast, pool, "independent", each, new_template("independent"))
        op.prolific = True
        op.sources = [rng.choice(SOURCES)[0]]
        ops.append(op)
    # Operators are listed in a shuffled order so that ids do not reveal the kind.
    rng.shuffle(ops)
    for i, op in enumerate(ops, 1):
        op.id = f"op_{i:05d}"
    return ops, templates


def assign_shared(rng: random.Random, ops: list[Operator]) -> dict[str, SharedUse]:
    """Plant the junk number, the stock image and the agency line in unrelated operators."""
    uses: dict[str, SharedUse] = defaultdict(SharedUse)
    if not ops:
        return uses
    codes = [code for c in CITIES for code in c.area_codes]
    junk_code, agency_code = rng.sample(codes, 2)
    busy = [op for op in ops if op.n_ads >= 4] or ops
    for op in rng.sample(busy, min(len(busy), rates.JUNK_PHONE_OPERATORS)):
        uses[op.id].junk_phone = f"{junk_code}5550100"
        op.shared.append("junk_phone")
    for op in rng.sample(busy, min(len(busy), rates.STOCK_IMAGE_OPERATORS)):
        uses[op.id].stock_image = "stock_1"
        op.shared.append("stock_image")
    agency_city = next(c for c in CITIES if agency_code in c.area_codes)
    local = [op for op in busy if op.kind == "independent" and op.home.region == agency_city.region]
    local = local or [op for op in busy if op.kind == "independent"]
    for op in rng.sample(local, min(len(local), rng.randint(*rates.AGENCY_OPERATORS))):
        uses[op.id].agency_phone = f"{agency_code}5550100"
        op.shared.append("agency_phone")
    return uses


def _assign_ids(rng: random.Random, plans: list[AdPlan]) -> None:
    counters = {name: rng.randint(100_000, 900_000) for name, _, _ in SOURCES}
    for plan in plans:
        counters[plan.source] += rng.randint(1, 30)  # other ads on the site in between
        prefix = SOURCE_HOSTS[plan.source][1]
        plan.ad_id = f"{prefix}{counters[plan.source]}"


BAD_KINDS = ("truncated", "missing_body", "images_not_list", "posted_at_number", "not_object", "id_null")


def _bad_line(rng: random.Random, k: int) -> str:
    """A broken input line (never in the truth): invalid JSON, a missing field or a wrong type."""
    kind = BAD_KINDS[k % len(BAD_KINDS)] if k < len(BAD_KINDS) else rng.choice(BAD_KINDS)
    record: dict[str, Any] = {
        "id": f"zz{rng.randint(10**6, 10**7)}",
        "source": rng.choice(SOURCES)[0],
        "posted_at": iso(rng.randrange(START, END)),
        "location": rng.choice(CITIES).name,
        "title": "Hi there",
        "body": "available now, call or text",
        "images": [],
    }
    if kind == "truncated":
        text = json.dumps(record, ensure_ascii=False)
        return text[: rng.randint(10, len(text) - 5)]
    if kind == "missing_body":
        del record["body"]
    elif kind == "images_not_list":
        record["images"] = 5
    elif kind == "posted_at_number":
        record["posted_at"] = 1790000000
    elif kind == "not_object":
        return json.dumps([record["id"], record["body"]])
    else:
        record["id"] = None
    return json.dumps(record, ensure_ascii=False)


def _ad_record(
    plan: AdPlan, title: str, body: str, location: str | None, images: list[str]
) -> dict[str, Any]:
    host = SOURCE_HOSTS[plan.source][0]
    slug = plan.ctx.city.name.lower().replace(" ", "-").replace(".", "")
    record: dict[str, Any] = {
        "id": plan.ad_id,
        "source": plan.source,
        "url": f"https://{host}/{slug}/{plan.ad_id}",
        "posted_at": iso(plan.t),
    }
    if location is not None:
        record["location"] = location
    record["title"] = title
    record["body"] = body
    record["images"] = images
    if plan.source == "listings-example":
        record["category"] = CATEGORIES[plan.content_seed % len(CATEGORIES)]
    if plan.source == "nightboard-example":
        # The site's own form field: the claimed age of the lead person (the site makes it required).
        lead = plan.ctx.shown[0]
        record["poster_age"] = lead.age if lead.age is not None else max(18, plan.persons[0].claimed_age)
    return record


def _write_line(fh: TextIO, obj: Any) -> None:
    fh.write(json.dumps(obj, ensure_ascii=False))
    fh.write("\n")


def apply_link_knobs(
    seed: int, knobs: LinkKnobs, ops: list[Operator], templates: dict[str, Template]
) -> tuple[dict[str, PersonPhones], list[Collision]]:
    """Move the world as the linking knobs say (own random streams: the main one is untouched)."""
    person_phones: dict[str, PersonPhones] = {}
    if knobs.phone_rotation == "persons":
        person_phones = rotate_between_persons(knob_rng(seed, "rotation"), ops)
    collisions = plant_collisions(knob_rng(seed, "collisions"), ops, knobs.collisions)
    if knobs.habits:
        habit_rng = knob_rng(seed, "habits")
        for tid in sorted(templates):
            templates[tid] = replace(templates[tid], habits=make_habits(habit_rng))
    return person_phones, collisions


def generate(
    out_dir: Path,
    n_ads: int,
    seed: int,
    *,
    images: bool = True,
    bad_lines: int = 0,
    knobs: LinkKnobs | None = None,
    risk: RiskKnobs | None = None,
) -> GenerateSummary:
    """Write a synthetic corpus of exactly `n_ads` good ads (+ `bad_lines` broken lines) to out_dir.

    `knobs` move the world for linking (`safeharbor.demo.link_knobs`), `risk` away from the indicator
    catalogue (`safeharbor.demo.risk_knobs`); `images=False` is the same as `knobs.images == "none"`.
    """
    knobs = knobs or LinkKnobs()
    risk = risk or RiskKnobs()
    image_mode = knobs.images if images else "none"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    ops, templates = build_operators(rng, n_ads, (risk.prolific, risk.prolific_ads))
    voice_of = voices(seed, risk, ops)
    uses = assign_shared(rng, ops)
    person_phones, collisions = apply_link_knobs(seed, knobs, ops, templates)
    plans: list[AdPlan] = []
    for op in ops:
        plans.extend(
            plan_operator(op, rng.getrandbits(63), op.sources, uses[op.id], person_phones.get(op.id))
        )
    plans.sort(key=lambda p: (p.t, p.op.id))
    _assign_ids(rng, plans)
    bank = ImageBank(out_dir, seed, enabled=image_mode == "files")  # "dead": links, no files
    bad_at = set(rng.sample(range(len(plans) + bad_lines), bad_lines)) if bad_lines > 0 else set()
    bad_rng = random.Random(rng.getrandbits(63))
    tally = Tally()
    shown_by: dict[str, set[str]] = defaultdict(set)
    paths = {name: out_dir / f"{name}.jsonl" for name in ("ads", "truth", "operators")}
    minor_ads = reposts = bad_written = 0
    with (
        paths["ads"].open("w", encoding="utf-8") as ads_fh,
        paths["truth"].open("w", encoding="utf-8") as tr_fh,
    ):
        plan_iter = iter(plans)
        for line_no in range(len(plans) + bad_lines):
            if line_no in bad_at:
                ads_fh.write(_bad_line(bad_rng, bad_written) + "\n")
                bad_written += 1
                continue
            plan = next(plan_iter)
            source = plan.original or plan
            ad = render(
                templates[plan.op.template],
                plan.ctx,
                source.content_seed,
                plan.edit_seed,
                source.location_seed,
                voice_of.get(plan.op.id),
            )
            with_refs = image_mode != "none"
            refs = [bank.ref(key, v) for key, v in plan.images] if with_refs else []
            keys = list(dict.fromkeys(key for key, _ in plan.images)) if with_refs else []
            _write_line(ads_fh, _ad_record(plan, ad.title, ad.body, ad.location, refs))
            truth = ad_truth(plan, ad, keys)
            _write_line(tr_fh, truth)
            tally.add(truth)
            minor_ads += truth["minor"]
            reposts += plan.original is not None
            for key, _ in plan.images:
                if key.startswith("stock_"):
                    shown_by["stock_image"].add(plan.op.id)
            for phone in truth["phones"]:
                shown_by[phone].add(plan.op.id)
    image_files = bank.flush()
    with paths["operators"].open("w", encoding="utf-8") as fh:
        for op in sorted(ops, key=lambda o: o.id):
            _write_line(fh, operator_truth(op))
    meta = _meta(seed, n_ads, ops, uses, shown_by, bank, tally, templates)
    if not knobs.is_default:
        meta["link_knobs"] = {
            "images": image_mode,
            "phone_rotation": knobs.phone_rotation,
            "habits": knobs.habits,
            "collisions": [
                {"kind": c.kind, "value": e164(c.value) if c.kind == "phone" else c.value,
                 "operators": list(c.operators)}
                for c in collisions
            ],
        }  # fmt: skip
    if not risk.is_default:
        meta["risk_knobs"] = risk.as_meta() | {
            "prolific_operators": sorted(op.id for op in ops if op.prolific),
            "descriptor_operators": sorted(o for o, v in voice_of.items() if v.descriptor),
        }
    meta_path = out_dir / "meta.json"
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return GenerateSummary(
        ads=len(plans),
        operators=len(ops),
        persons=sum(len(op.persons) for op in ops),
        minor_ads=minor_ads,
        images=image_files,
        bad_lines=bad_written,
        ads_path=paths["ads"],
        truth_path=paths["truth"],
        operators_path=paths["operators"],
        meta_path=meta_path,
        networks=sum(op.kind == "network" for op in ops),
        reposts=reposts,
    )


def _meta(
    seed: int,
    n_ads: int,
    ops: list[Operator],
    uses: dict[str, SharedUse],
    shown_by: dict[str, set[str]],
    bank: ImageBank,
    tally: Tally,
    templates: dict[str, Template],
) -> dict[str, Any]:
    junk = next((u.junk_phone for u in uses.values() if u.junk_phone), None)
    agency = next((u.agency_phone for u in uses.values() if u.agency_phone), None)
    shared: list[dict[str, Any]] = []
    if junk:
        shared.append({"key": "junk_phone", "kind": "phone", "value": e164(junk),
                       "why": "junk number copied into unrelated operators' ads",
                       "operators": sorted(shown_by.get(e164(junk), ()))})  # fmt: skip
    if agency:
        shared.append({"key": "agency_phone", "kind": "phone", "value": e164(agency),
                       "why": "booking-agency line used by several unrelated independents",
                       "operators": sorted(shown_by.get(e164(agency), ()))})  # fmt: skip
    if shown_by.get("stock_image"):
        shared.append({"key": "stock_image", "kind": "image", "value": "stock_1",
                       "files": [bank.files[("stock_1", 0)]] if ("stock_1", 0) in bank.files else [],
                       "why": "stolen stock image reused by unrelated operators",
                       "operators": sorted(shown_by["stock_image"])})  # fmt: skip
    users: dict[str, list[str]] = defaultdict(list)
    for op in ops:
        users[op.template].append(op.id)
    shared_templates = [
        {"template": t, "operators": sorted(o)}
        for t, o in sorted(users.items())
        if len(o) > 1 and templates[t].kind == "independent"
    ]
    return {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "n_ads": n_ads,
        "window": {"start": iso(START), "end": iso(END - 1)},
        "shared_identifiers": shared,
        "shared_templates": shared_templates,
        "rates_doc": "safeharbor.demo.rates",
        "measured": tally.rates(),
        "notes": [
            "truth ages/names/phones/emails/handles are what the title and body state; the site field "
            "poster_age is not text and is not in `ages`",
            "repost_of is the id of the original ad of a repost chain",
            "a phone shared by operators (meta shared_identifiers) must not merge them",
        ],
    }
